#!/usr/bin/env bash
# Scratch PostgreSQL 15 clusters under the project directory (.cluster/NAME, or the
# fallback pg-workdir.sh names), each on its own loopback port, never the default one.
# The project's ports lie below 32768, outside Linux's ephemeral range (32768-60999): a
# client's outgoing connection (PgBouncer's, a load run's) may hold any port in that range
# and make a server's bind fail.
# initdb refuses to run as root, so the server runs as the `postgres` OS user (through
# runuser as root, sudo otherwise). The data directory belongs to postgres, so everything
# inside it goes through as_postgres.
#
# Every cluster is set up as production would be (ops/postgresql/): TLS 1.2 or newer with a
# certificate from scripts/tls.sh (the cluster's tls/ directory), pg_hba.conf from
# ops/postgresql/pg_hba.conf: the superuser `postgres` only over the local socket (in the
# cluster's directory; peer authentication, for postgres and the OS user who runs this
# script), every other role with a SCRAM password, over TCP only with TLS. The passwords
# this script gives login roles are random and kept in the clusters' directory, never in git:
# `passwords` (libpq's passfile format, 0600, the caller's: PGPASSFILE for clients) and
# `server.pgpass` (the same for the roles a server itself logs in as elsewhere, the postgres
# OS user's: a standby to its primary, Citus nodes to each other; every server starts with
# it as PGPASSFILE).
#
#   scripts/cluster.sh start NAME PORT   initdb if needed, start, create database synapse
#   scripts/cluster.sh stop NAME         stop (no error when it is not running)
#   scripts/cluster.sh destroy NAME      stop and delete its data
#   scripts/cluster.sh status NAME
#   scripts/cluster.sh env NAME [PORT]   prints `export PGHOST=… PGPORT=… PGUSER=postgres
#        PGPASSFILE=… PGSSLMODE=verify-full PGSSLROOTCERT=…`: psql is then the superuser over
#        the socket, and `psql -h 127.0.0.1 -U ROLE` a login role over TLS with its password
#   scripts/cluster.sh login NAME ROLE [--replication] [--server] [GROUP...]
#        makes ROLE a LOGIN role (created when missing, member of each GROUP, REPLICATION
#        with --replication) with its recorded password, or a new random one; --server also
#        gives the password to the servers (server.pgpass)
#   scripts/cluster.sh password NAME ROLE   a new random password for ROLE (rotation)
#   scripts/cluster.sh passwords NAME [--apply]   the recorded passwords of NAME's login
#        roles; --apply sets them again (a restore brings the roles without passwords)
#   scripts/cluster.sh certificate NAME  a new server certificate, taken by a reload (no restart)
#
# pg_cron is preloaded (cron.database_name = synapse) when it is installed; citus too when
# SYNAPSE_PRELOAD_CITUS=1 (it must come first in shared_preload_libraries); a Citus node
# connects to the others with TLS verify-full and lets the superuser in over TLS with its
# password (the line marked #citus# in pg_hba.conf).
# SYNAPSE_IDENTITY_SECRET, when set, becomes synapse.identity_secret of a new cluster (the
# key of the identity claims; the same on every node of a Citus cluster).
# Scratch clusters trade durability for speed (fsync, full_page_writes and
# synchronous_commit off): a process killed loses nothing written, but a commit is
# acknowledged before its WAL is written. SYNAPSE_SYNCHRONOUS_COMMIT=on makes a new cluster
# acknowledge a commit only once its WAL is written, as production does: the fault tests
# and every Citus node need it (a shard move's final switch catches up only to the WAL
# written, docs/citus.md, finding 23).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: cluster.sh start NAME PORT | stop|destroy|status|certificate NAME | passwords NAME [--apply] | env NAME [PORT] | login NAME ROLE [--replication] [--server] [GROUP...] | password NAME ROLE"
cmd=${1:?$usage}
name=${2:?$usage}
work="$("$root/scripts/pg-workdir.sh")"
dir="$work/$name"
data="$dir/data"
passwords="$work/passwords"
server_passwords="$work/server.pgpass"

. "$root/scripts/privileges.sh"

running() { as_postgres test -f "$data/postmaster.pid" && as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }
# The port of the running server (line 4 of postmaster.pid).
running_port() {
  running || { echo "cluster.sh: $name is not running" >&2; exit 1; }
  as_postgres sed -n 4p "$data/postmaster.pid"
}
psql_su() { psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres "$@"; }

# write_auth: pg_hba.conf (ops/postgresql/pg_hba.conf filled in) and pg_ident.conf (the OS
# users who may be the superuser: postgres, this script's caller and earlier callers);
# reloads a running server when either changed.
write_auth() {
  local hba ident users changed=0 citus=()
  if as_postgres grep -q "^shared_preload_libraries = 'citus" "$data/postgresql.conf"; then citus=(-e 's/^#citus# //'); fi
  hba=$(sed -e "s|@CLIENTS@|${SYNAPSE_HBA_CLIENTS:-127.0.0.1/32}|g" "${citus[@]}" "$root/ops/postgresql/pg_hba.conf")
  users=$( { echo postgres; id -un; as_postgres awk '$1 == "synapse_superuser" { print $2 }' "$data/pg_ident.conf"; } | sort -u)
  ident=$(printf '# MAPNAME            SYSTEM-USERNAME   PG-USERNAME (written by scripts/cluster.sh)\n'
          for u in $users; do printf 'synapse_superuser    %-17s postgres\n' "$u"; done)
  if [ "$hba" != "$(as_postgres cat "$data/pg_hba.conf")" ]; then
    printf '%s\n' "$hba" | as_postgres tee "$data/pg_hba.conf" >/dev/null; changed=1
  fi
  if [ "$ident" != "$(as_postgres cat "$data/pg_ident.conf")" ]; then
    printf '%s\n' "$ident" | as_postgres tee "$data/pg_ident.conf" >/dev/null; changed=1
  fi
  if [ "$changed" = 1 ] && running; then as_postgres "$PG_BIN/pg_ctl" -D "$data" reload >/dev/null; fi
}

# recorded FILE ROLE: ROLE's password in passfile FILE (fails when there is none).
recorded() { as_root awk -F: -v r="$2" '$4 == r { print $5; found = 1 } END { exit !found }' "$1" 2>/dev/null; }
# record FILE OWNER ROLE PASSWORD: sets ROLE's line of passfile FILE (0600, OWNER's).
record() {
  local tmp
  tmp=$(mktemp)
  { as_root awk -F: -v r="$3" '$4 != r' "$1" 2>/dev/null || true; echo "*:*:*:$3:$4"; } >"$tmp"
  as_root install -o "$2" -m 600 "$tmp" "$1.new"
  as_root mv "$1.new" "$1"
  rm -f "$tmp"
}
# Role statements run in database synapse: on a Citus coordinator Citus passes them on to
# the workers from there (its extension lives in that database).
# set_password ROLE PASSWORD ATTRIBUTES: ROLE exists, may log in, has PASSWORD (its SCRAM
# secret travels, computed here) and ATTRIBUTES (REPLICATION or nothing).
set_password() {
  local secret
  secret=$("$root/scripts/scram-secret.py" <<<"$2")
  psql_su -d synapse -v role="$1" -v secret="$secret" -v attributes="$3" <<'SQL'
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN %s PASSWORD %L', :'role', :'attributes', :'secret') \gexec
SQL
}
# One writer of the password files at a time.
lock_passwords() { exec 9>"$work/passwords.lock"; flock 9; }

# Under libfaketime (scripts/test-dates.sh exports LD_PRELOAD and FAKETIME) the server runs
# on the caller's fake clock, also where sudo would drop those variables.
faked=()
if [ -n "${FAKETIME:-}" ]; then
  faked=(env "LD_PRELOAD=${LD_PRELOAD:-}" "FAKETIME=$FAKETIME" "FAKETIME_DONT_FAKE_MONOTONIC=${FAKETIME_DONT_FAKE_MONOTONIC:-0}")
fi

case "$cmd" in
start)
  port=${3:?port required}
  mkdir -p "$dir"
  as_root chown postgres: "$dir"
  if ! as_postgres test -f "$data/PG_VERSION"; then
    # Authentication is pg_hba.conf's (written below, before the first start).
    as_postgres "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=reject -E UTF8 --locale=C.UTF-8 |
      as_postgres tee "$dir/initdb.log" >/dev/null
    preload="" extra_conf=""
    # Citus moves shards online (rebalance, tenant isolation) by logical replication; a
    # shard split (isolate_tenant_to_new_shard) decodes with Citus's own output plugin,
    # which PostgreSQL 15.20 allows only when listed in output_plugin_libraries.
    if [ "${SYNAPSE_PRELOAD_CITUS:-0}" = 1 ]; then
      preload="citus"
      extra_conf="wal_level = logical"
      # grep reads it all (-q would stop early and fail the pipe under pipefail)
      if "$PG_BIN/postgres" --describe-config 2>/dev/null | grep '^output_plugin_libraries' >/dev/null; then
        extra_conf+=$'\n'"output_plugin_libraries = 'pgoutput, test_decoding, citus'"
      fi
      # Connections between the nodes: TLS, the server's certificate checked against the CA.
      extra_conf+=$'\n'"citus.node_conninfo = 'sslmode=verify-full sslrootcert=$dir/tls/ca.crt'"
    fi
    if [ -n "${SYNAPSE_IDENTITY_SECRET:-}" ]; then
      extra_conf+=$'\n'"synapse.identity_secret = '$SYNAPSE_IDENTITY_SECRET'"
    fi
    if [ -f "$("$PG_BIN/pg_config" --pkglibdir)/pg_cron.so" ]; then
      preload="${preload:+$preload,}pg_cron"
    fi
    as_postgres tee -a "$data/postgresql.conf" >/dev/null <<CONF

# synapse scratch cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = '$preload'
cron.database_name = 'synapse'
cron.host = '$dir'
max_connections = 200
fsync = off
synchronous_commit = ${SYNAPSE_SYNCHRONOUS_COMMIT:-off}
full_page_writes = off
$extra_conf
CONF
  fi
  # A cluster made before TLS (or a copy of one) gets it on this start.
  if ! as_postgres grep -q '^ssl = on' "$data/postgresql.conf"; then
    { printf '\n'; cat "$root/ops/postgresql/tls.conf"; } | as_postgres tee -a "$data/postgresql.conf" >/dev/null
  fi
  "$root/scripts/tls.sh" issue "$dir/tls" postgres
  as_root touch "$server_passwords"
  as_root chown postgres: "$server_passwords"
  as_root chmod 600 "$server_passwords"
  write_auth
  # -p: the port asked for, whatever an older postgresql.conf of this cluster says.
  if ! running; then
    if ! (exec >/dev/null; without_inherited_fds as_postgres "${faked[@]}" env PGPASSFILE="$server_passwords" \
            "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -o "-p $port" -w -t 60 start); then
      # The reason is in the server's log; show it where the caller (a CI log) can see it.
      echo "cluster.sh: $name did not start on port $port; the end of $dir/server.log:" >&2
      as_postgres tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
  fi
  if ! psql_su -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'synapse'" | grep -q 1; then
    psql_su -d postgres -c "CREATE DATABASE synapse"
  fi
  ;;
stop)
  if running; then as_postgres "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
  ;;
destroy)
  if running; then as_postgres "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null; fi
  as_root rm -rf "$dir"
  ;;
status)
  if running; then echo "$name: running"; else echo "$name: stopped"; fi
  ;;
env)
  port=${3:-$(running_port)}
  printf 'export PGHOST=%q PGPORT=%q PGUSER=postgres PGPASSFILE=%q PGSSLMODE=verify-full PGSSLROOTCERT=%q\n' \
    "$dir" "$port" "$passwords" "$dir/tls/ca.crt"
  ;;
login)
  role=${3:?$usage}
  shift 3
  attributes="" server=0 groups=()
  for a in "$@"; do
    case "$a" in
      --replication) attributes=REPLICATION ;;
      --server) server=1 ;;
      -*) echo "$usage" >&2; exit 2 ;;
      *) groups+=("$a") ;;
    esac
  done
  port=$(running_port)
  lock_passwords
  password=$(recorded "$passwords" "$role") || password=$(openssl rand -hex 24)
  set_password "$role" "$password" "$attributes"
  for g in "${groups[@]}"; do
    psql_su -d synapse -v role="$role" -v grp="$g" >/dev/null <<'SQL'
SELECT format('GRANT %I TO %I', :'grp', :'role') \gexec
SQL
  done
  record "$passwords" "$(id -u)" "$role" "$password"
  if [ "$server" = 1 ]; then record "$server_passwords" postgres "$role" "$password"; fi
  ;;
password)
  role=${3:?$usage}
  port=$(running_port)
  lock_passwords
  recorded "$passwords" "$role" >/dev/null || { echo "cluster.sh: no recorded password for $role (cluster.sh login first)" >&2; exit 1; }
  password=$(openssl rand -hex 24)
  attributes=$(psql_su -d postgres -At -v role="$role" <<<"SELECT CASE WHEN rolreplication THEN 'REPLICATION' ELSE '' END FROM pg_roles WHERE rolname = :'role'")
  set_password "$role" "$password" "$attributes"
  record "$passwords" "$(id -u)" "$role" "$password"
  if recorded "$server_passwords" "$role" >/dev/null; then record "$server_passwords" postgres "$role" "$password"; fi
  ;;
passwords)
  port=$(running_port)
  apply=0
  [ "${3:-}" != --apply ] || { apply=1; lock_passwords; }
  logins=$(psql_su -d postgres -Atc "SELECT rolname || ' ' || CASE WHEN rolreplication THEN 'REPLICATION' ELSE '-' END
                                       FROM pg_roles WHERE rolcanlogin AND NOT rolsuper ORDER BY 1")
  while read -r role attributes; do
    [ -n "$role" ] && password=$(recorded "$passwords" "$role") || continue
    printf '%-24s %s\n' "$role" "$password"
    if [ "$apply" = 1 ]; then set_password "$role" "$password" "${attributes#-}"; fi
  done <<<"$logins"
  ;;
certificate)
  "$root/scripts/tls.sh" renew "$dir/tls" postgres
  if running; then as_postgres "$PG_BIN/pg_ctl" -D "$data" reload >/dev/null; fi
  ;;
*)
  echo "$usage" >&2; exit 2 ;;
esac
