#!/usr/bin/env bash
# Scratch PostgreSQL 15 clusters under the project directory (.cluster/NAME, or the
# fallback pg-workdir.sh names), each on its own loopback port, never the default one.
# The project's ports lie below 32768, outside Linux's ephemeral range (32768-60999): a
# client's outgoing connection (PgBouncer's, a load run's) may hold any port in that range
# and make a server's bind fail.
# initdb refuses to run as root, so the server runs as the `postgres` OS user (through
# runuser as root, sudo otherwise); clients connect over TCP as the `postgres` superuser.
# The data directory belongs to postgres, so everything inside it goes through as_postgres.
#
#   scripts/cluster.sh start NAME PORT   initdb if needed, start, create database synapse
#   scripts/cluster.sh stop NAME         stop (no error when it is not running)
#   scripts/cluster.sh destroy NAME      stop and delete its data
#   scripts/cluster.sh status NAME
#
# pg_cron is preloaded (cron.database_name = synapse) when it is installed; citus too when
# SYNAPSE_PRELOAD_CITUS=1 (it must come first in shared_preload_libraries).
# SYNAPSE_IDENTITY_SECRET, when set, becomes synapse.identity_secret of a new cluster (the
# key of the identity claims; the same on every node of a Citus cluster).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: cluster.sh start|stop|destroy|status NAME [PORT]}
name=${2:?cluster name required}
dir="$("$root/scripts/pg-workdir.sh")/$name"
data="$dir/data"

. "$root/scripts/privileges.sh"

running() { as_postgres test -f "$data/postmaster.pid" && as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case "$cmd" in
start)
  port=${3:?port required}
  mkdir -p "$dir"
  as_root chown postgres: "$dir"
  if ! as_postgres test -f "$data/PG_VERSION"; then
    as_postgres "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 |
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
synchronous_commit = off
full_page_writes = off
$extra_conf
CONF
  fi
  # -p: the port asked for, whatever an older postgresql.conf of this cluster says.
  if ! running; then
    if ! (exec >/dev/null; without_inherited_fds as_postgres "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -o "-p $port" -w -t 60 start); then
      # The reason is in the server's log; show it where the caller (a CI log) can see it.
      echo "cluster.sh: $name did not start on port $port; the end of $dir/server.log:" >&2
      as_postgres tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
  fi
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc \
       "SELECT 1 FROM pg_database WHERE datname = 'synapse'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE synapse"
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
*)
  echo "usage: cluster.sh start|stop|destroy|status NAME [PORT]" >&2; exit 2 ;;
esac
