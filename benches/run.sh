#!/usr/bin/env bash
# SQL-level benchmarks (make bench). Each benches/*.sql file (run with psql) and each
# benches/*.sh script measures one operation and a baseline over the same rows in the same
# run, and prints both with their ratio. They run on their own scratch cluster
# (.cluster/bench) against the installed release build; the .sql files in database
# synapse_bench, with the migrations applied.
#   benches/run.sh [PORT [FILE...]]   FILE: only these (e.g. pgbouncer_load.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${1:-25340}
"$root/scripts/cluster.sh" start bench "$port"
trap '"$root/scripts/cluster.sh" stop bench' EXIT
# The superuser over the cluster's socket; logins over TLS with their recorded passwords.
eval "$("$root/scripts/cluster.sh" env bench "$port")"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS synapse_bench WITH (FORCE)" -c "CREATE DATABASE synapse_bench"
"$root/scripts/migrate.sh" --db synapse_bench up >/dev/null
# Arguments after the port: only the benchmarks of these file names.
shift || true
for bench in "$root"/benches/*.sql "$root"/benches/*.sh; do
  [ "$bench" != "$0" ] && [ "$(basename "$bench")" != run.sh ] || continue
  if [ $# -gt 0 ] && [[ " $* " != *" $(basename "$bench") "* ]]; then continue; fi
  echo "== $(basename "$bench")"
  case "$bench" in
    *.sql) psql -X -q -v ON_ERROR_STOP=1 -d synapse_bench -f "$bench" ;;
    *.sh) "$bench" ;;
  esac
done
