#!/usr/bin/env bash
# make bench-data: a scratch cluster (.cluster/search-bench, port $1, default 25350) with
# database synapse_search holding the migrated schema and the realistic volume of
# benches/data/search_data.sql (BENCH_TASKS tasks, default 1,000,000). Recreated from
# scratch every time; the secondary indexes are dropped for the load and rebuilt after it
# (faster than maintaining them row by row). Prints the time it took. The cluster keeps
# running for benches/search.sh; `scripts/cluster.sh stop search-bench` stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
port=${1:-25350}
tasks=${BENCH_TASKS:-1000000}
DB=synapse_search
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" "$@"; }
t0=$(date +%s)
"$root/scripts/cluster.sh" start search-bench "$port"
eval "$("$root/scripts/cluster.sh" env search-bench "$port")"
# The working set (about 1.3 GB at a million tasks) fits in shared buffers, as it would on
# a server sized for it; a scratch cluster's 128 MB default would measure the OS cache.
if [ "$(psql -X -At -d postgres -c "SHOW shared_buffers")" != 2GB ]; then
  psql -X -q -d postgres -c "ALTER SYSTEM SET shared_buffers = '2GB'"
  "$root/scripts/cluster.sh" stop search-bench && "$root/scripts/cluster.sh" start search-bench "$port"
fi
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
"$root/scripts/migrate.sh" --db "$DB" up >/dev/null 2>&1
# The secondary (non-constraint) indexes of the bulk tables, to rebuild after the load.
tables="'synapse.tasks'::regclass, 'synapse.task_assignees'::regclass, 'synapse.comments'::regclass"
indexes=$(psql_db -c "SELECT pg_get_indexdef(i.indexrelid) || ';' FROM pg_index i
                        WHERE i.indrelid IN ($tables)
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)")
psql_db >/dev/null <<SQL
SELECT format('DROP INDEX %s', i.indexrelid::regclass) FROM pg_index i
 WHERE i.indrelid IN ($tables)
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \\gexec
SQL
# A scratch cluster: no checkpoint in the middle of the load.
psql_db -c "ALTER SYSTEM SET max_wal_size = '16GB'" -c "SELECT pg_reload_conf()" >/dev/null
load() { psql_db -v tasks="$tasks" "$@" -f "$root/benches/data/search_data.sql" >/dev/null; }
load -v step=setup
load -v step=part -v part=0 -v parts=2 & p0=$!
load -v step=part -v part=1 -v parts=2 & p1=$!
wait $p0; wait $p1
load -v step=finish
t1=$(date +%s)
# Two at a time (the machine has two cores), each with a generous maintenance_work_mem.
export PGOPTIONS="-c maintenance_work_mem=512MB -c max_parallel_maintenance_workers=0"
printf '%s\n' "$indexes" | xargs -d '\n' -P 2 -I{} psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "{}"
psql_db -c "VACUUM (ANALYZE) synapse.tasks, synapse.task_assignees, synapse.comments, synapse.projects_base, synapse.users"
t2=$(date +%s)
echo "bench-data: $(psql_db -c "SELECT count(*) FROM synapse.tasks") tasks, $(psql_db -c "SELECT count(*) FROM synapse.task_assignees") assignees, $(psql_db -c "SELECT count(*) FROM synapse.comments") comments in $((t2 - t0)) s (load $((t1 - t0)) s, indexes and analyze $((t2 - t1)) s)"
