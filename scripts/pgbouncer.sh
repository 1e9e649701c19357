#!/usr/bin/env bash
# PgBouncer in front of a scratch cluster (scripts/cluster.sh), from Debian's package, as a
# plain process on loopback: transaction pooling, pool of 25, up to 1,200 clients, TLS and
# SCRAM towards the clients and towards PostgreSQL. Its config is ops/pgbouncer/pgbouncer.ini
# and pgbouncer_hba.conf with this instance's ports and paths filled in; state (config, pid,
# log, socket, its TLS certificate from scripts/tls.sh) lives in the cluster's directory,
# under pgbouncer/. Starting it also sets up what it logs in with: the login pgbouncer_auth
# (scripts/cluster.sh login: a random password, recorded beside the clusters) and
# ops/pgbouncer/auth_query.sql in every database of the cluster.
# PgBouncer refuses to run as root: it runs as the postgres OS user, like the cluster.
# Needs root or sudo, like cluster.sh.
#
#   scripts/pgbouncer.sh start NAME PG_PORT LISTEN_PORT   start (no-op when running)
#   scripts/pgbouncer.sh stop NAME                        stop (no error when stopped)
#   scripts/pgbouncer.sh status NAME                      "NAME pgbouncer: running|stopped"
#   scripts/pgbouncer.sh admin NAME [psql args]           its admin console (SHOW POOLS)
#
# Clients connect with TLS and their password, as to PostgreSQL: with the settings of
# `scripts/cluster.sh env NAME`, psql -h 127.0.0.1 -p LISTEN_PORT -U ROLE DB. The admin
# console (database pgbouncer, user postgres) answers only on PgBouncer's socket, to the OS
# user postgres.
set -euo pipefail

PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
root=$(cd "$(dirname "$0")/.." && pwd)
STATE_DIR=pgbouncer PID_FILE=pgbouncer.pid PID_READER=as_postgres_cat EXTRA_COMMANDS=admin
. "$root/scripts/daemon.sh"
as_postgres_cat() { as_postgres cat "$@"; }

# admin_console PORT [psql args]: as the OS user postgres over PgBouncer's socket (peer).
admin_console() { local port=$1; shift; as_postgres psql -X -w -h "$state" -p "$port" -U postgres -d pgbouncer "$@"; }

# daemon_start PG_PORT LISTEN_PORT
daemon_start() {
  local pg_port=${1:?$usage} listen_port=${2:?$usage} db password
  as_root mkdir -p "$state"
  as_root chown postgres: "$state" "$cluster_dir"
  # Its login, and the lookup it calls in each database (auth_query runs in the client's).
  "$root/scripts/cluster.sh" login "$name" pgbouncer_auth
  for db in $(psql -X -At -h "$cluster_dir" -p "$pg_port" -U postgres -d postgres \
                -c "SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1"); do
    psql -X -q -h "$cluster_dir" -p "$pg_port" -U postgres -d "$db" -v login=pgbouncer_auth \
      -f "$root/ops/pgbouncer/auth_query.sql" >/dev/null
  done
  "$root/scripts/tls.sh" issue "$state/tls" postgres
  # Written anew on every start, so a changed template, port or password takes effect.
  sed -e "s|@PG_PORT@|$pg_port|g" -e "s|@LISTEN_PORT@|$listen_port|g" -e "s|@STATE_DIR@|$state|g" \
      -e "s|@SERVER_CA@|$cluster_dir/tls/ca.crt|g" \
    "$root/ops/pgbouncer/pgbouncer.ini" | as_postgres tee "$state/pgbouncer.ini" >/dev/null
  sed -e "s|@CLIENTS@|${SYNAPSE_HBA_CLIENTS:-127.0.0.1/32}|g" "$root/ops/pgbouncer/pgbouncer_hba.conf" |
    as_postgres tee "$state/pgbouncer_hba.conf" >/dev/null
  # auth_user's password in plain text: PgBouncer logs in with it (SCRAM needs the password
  # itself on the client's side); postgres without one, for the admin console's peer check.
  # Readable by postgres alone.
  password=$("$root/scripts/cluster.sh" passwords "$name" | awk '$1 == "pgbouncer_auth" { print $2 }')
  printf '"%s" "%s"\n' pgbouncer_auth "$password" postgres "" |
    as_postgres bash -c 'umask 077; cat >"$0"' "$state/userlist.txt"
  # 1,200 clients plus the server connections need more descriptors than the usual 1,024,
  # and runuser/sudo would reset the limit (PAM): raise it as root, then let PgBouncer
  # itself switch to postgres (-u).
  (exec >/dev/null; without_inherited_fds as_root bash -c \
     'ulimit -n 4096 || true; exec "$0" -d -u postgres "$1"' "$PGBOUNCER" "$state/pgbouncer.ini")
  for _ in $(seq 50); do
    if admin_console "$listen_port" -Atqc "SHOW VERSION" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "pgbouncer $name did not come up on port $listen_port; log: $state/pgbouncer.log" >&2
  as_postgres tail -n 20 "$state/pgbouncer.log" >&2 || true
  return 1
}

# daemon_command admin [psql args]: the admin console on the port of the written config.
daemon_command() {
  shift
  admin_console "$(as_postgres awk '$1 == "listen_port" { print $3 }' "$state/pgbouncer.ini")" "$@"
}

usage="usage: pgbouncer.sh start NAME PG_PORT LISTEN_PORT | stop NAME | status NAME | admin NAME [psql args]"
daemon_main pgbouncer "$usage" "$@"
