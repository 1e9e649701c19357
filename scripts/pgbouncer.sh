#!/usr/bin/env bash
# PgBouncer in front of a scratch cluster (scripts/cluster.sh), from Debian's package, as a
# plain process on loopback: transaction pooling, pool of 25, up to 1,200 clients. Its config
# is ops/pgbouncer/pgbouncer.ini with this instance's ports and paths filled in; state
# (config, pid, log, socket) lives in the cluster's directory, under pgbouncer/.
# PgBouncer refuses to run as root: it runs as the postgres OS user, like the cluster.
# Needs root or sudo, like cluster.sh.
#
#   scripts/pgbouncer.sh start NAME PG_PORT LISTEN_PORT   start (no-op when running)
#   scripts/pgbouncer.sh stop NAME                        stop (no error when stopped)
#   scripts/pgbouncer.sh status NAME                      "NAME pgbouncer: running|stopped"
#
# Clients connect with psql -h 127.0.0.1 -p LISTEN_PORT -U ROLE DB; the admin console is
# database pgbouncer as user postgres (SHOW POOLS; SHOW STATS;).
set -euo pipefail

PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: pgbouncer.sh start NAME PG_PORT LISTEN_PORT | stop NAME | status NAME"
cmd=${1:?$usage}
name=${2:?$usage}
state="$("$root/scripts/pg-workdir.sh")/$name/pgbouncer"
. "$root/scripts/privileges.sh"

pid_of() { as_postgres cat "$state/pgbouncer.pid" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

case "$cmd" in
start)
  pg_port=${3:?$usage}
  listen_port=${4:?$usage}
  if running; then exit 0; fi
  as_root mkdir -p "$state"
  as_root chown postgres: "$state" "$(dirname "$state")"
  # Written anew on every start, so a changed template or port takes effect.
  sed -e "s|@PG_PORT@|$pg_port|g" -e "s|@LISTEN_PORT@|$listen_port|g" -e "s|@STATE_DIR@|$state|g" \
    "$root/ops/pgbouncer/pgbouncer.ini" | as_postgres tee "$state/pgbouncer.ini" >/dev/null
  # auth_user must be listed for PgBouncer to log in with it; trust needs no password.
  echo '"postgres" ""' | as_postgres tee "$state/userlist.txt" >/dev/null
  # 1,200 clients plus the server connections need more descriptors than the usual 1,024,
  # and runuser/sudo would reset the limit (PAM): raise it as root, then let PgBouncer
  # itself switch to postgres (-u).
  (exec >/dev/null; without_inherited_fds as_root bash -c \
     'ulimit -n 4096 || true; exec "$0" -d -u postgres "$1"' "$PGBOUNCER" "$state/pgbouncer.ini")
  for _ in $(seq 50); do
    if psql -X -h 127.0.0.1 -p "$listen_port" -U postgres -d pgbouncer -Atqc "SHOW VERSION" >/dev/null 2>&1; then
      exit 0
    fi
    sleep 0.2
  done
  echo "pgbouncer $name did not come up on port $listen_port; log: $state/pgbouncer.log" >&2
  as_postgres tail -n 20 "$state/pgbouncer.log" >&2 || true
  exit 1
  ;;
stop)
  if running; then
    stop_process "$(pid_of)" "pgbouncer $name"
  fi
  ;;
status)
  if running; then echo "$name pgbouncer: running"; else echo "$name pgbouncer: stopped"; fi
  ;;
*)
  echo "$usage" >&2; exit 2 ;;
esac
