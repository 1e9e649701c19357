#!/usr/bin/env bash
# Operations tests against the real components (make test-ops): PgBouncer with 1,000
# clients over TLS, a hot standby streaming over TLS, postgres_exporter scraped over HTTP and by Prometheus with the
# alerting rules, backup and restore into a fresh cluster, point-in-time recovery from
# archived WAL. Starts .cluster/ops-primary
# (pg_cron and pg_stat_statements preloaded), builds the load tool (tests/ops/load, Go with
# Debian's pgx), prepares database synapse anew (migrations, development seed, the load
# data, LOGIN roles) and runs tests/ops/*.t with prove. Everything it starts is stopped at
# the end, whatever happens.
#
# Ports (override through the environment): primary 25501, standby 25502, PgBouncer 25503,
# exporter 25504, restore target 25505, WAL-archiving cluster 25506 and its point-in-time
# copy 25507, Prometheus 25508. OPS_LOAD_CLIENTS (1000) and OPS_LOAD_SECONDS (20) size the
# load run.
# Arguments: the .t files to run (default: all); OPS_PROVE_FLAGS=-v shows every check.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export OPS_PRIMARY_PORT=${OPS_PRIMARY_PORT:-25501} OPS_STANDBY_PORT=${OPS_STANDBY_PORT:-25502}
export OPS_PGBOUNCER_PORT=${OPS_PGBOUNCER_PORT:-25503} OPS_EXPORTER_PORT=${OPS_EXPORTER_PORT:-25504}
export OPS_RESTORE_PORT=${OPS_RESTORE_PORT:-25505} OPS_ARCHIVE_PORT=${OPS_ARCHIVE_PORT:-25506}
export OPS_PITR_PORT=${OPS_PITR_PORT:-25507} OPS_PROMETHEUS_PORT=${OPS_PROMETHEUS_PORT:-25508}
export OPS_LOAD_CLIENTS=${OPS_LOAD_CLIENTS:-1000} OPS_LOAD_SECONDS=${OPS_LOAD_SECONDS:-20}
export OPS_LOAD_BIN="$root/target/ops/synapse-load"
cd "$root"

cleanup() {
  scripts/pgbouncer.sh stop ops-primary || true
  scripts/prometheus.sh stop ops-primary || true
  scripts/exporter.sh stop ops-primary || true
  scripts/cluster.sh stop ops-restore || true
  scripts/cluster.sh stop ops-pitr || true
  scripts/cluster.sh stop ops-archive || true
  scripts/cluster.sh stop ops-standby || true
  scripts/cluster.sh stop ops-primary || true
}
trap cleanup EXIT

scripts/go-build.sh tests/ops/load "$OPS_LOAD_BIN"

scripts/cluster.sh start ops-primary "$OPS_PRIMARY_PORT"
# The superuser over the primary's socket; logins over TLS with their recorded passwords.
eval "$(scripts/cluster.sh env ops-primary "$OPS_PRIMARY_PORT")"
psql_p() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
preload=$(psql_p -d postgres -c "SHOW shared_preload_libraries")
if [[ ,$preload, != *,pg_stat_statements,* ]]; then
  # A list setting: each library its own quoted item.
  list=$(tr -d ' ' <<<"${preload:+$preload,}pg_stat_statements" | sed "s/[^,]*/'&'/g")
  psql_p -d postgres -c "ALTER SYSTEM SET shared_preload_libraries = $list"
fi
# A fresh database synapse, then a restart: pg_cron's launcher (cron.database_name =
# synapse) and the preload both start with the server.
psql_p -d postgres -c "DROP DATABASE IF EXISTS synapse WITH (FORCE)" -c "CREATE DATABASE synapse"
scripts/cluster.sh stop ops-primary
scripts/cluster.sh start ops-primary "$OPS_PRIMARY_PORT"
psql_p -d synapse -c "SET client_min_messages = warning" -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION pg_stat_statements"
if ! out=$(scripts/migrate.sh --db synapse up 2>&1); then
  echo "$out" >&2; exit 1
fi
psql_p -d synapse -1 -f sql/seed/dev_seed.sql >/dev/null
psql_p -d synapse -v departments=20 -v users_per_department=10 -v tasks_per_user=20 -f tests/ops/load/setup.sql
# LOGIN roles as an operator would make them (the migrations only create groups), each with
# a random password.
scripts/cluster.sh login ops-primary load_api_a synapse_app
scripts/cluster.sh login ops-primary load_api_b synapse_app
scripts/cluster.sh login ops-primary ops_monitor synapse_monitoring

if [ $# -gt 0 ]; then prove --timer ${OPS_PROVE_FLAGS:-} "$@"; else prove --timer tests/ops/*.t; fi
