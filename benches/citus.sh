#!/usr/bin/env bash
# Scale-out figures (issue 15, docs/scale-out.md): the same realistic data (benches/data/
# search_data.sql, BENCH_TASKS tasks in 20 departments, default 100,000) on one node and on
# a Citus coordinator with two workers, all on this machine; then benches/search.sh
# (search_tasks and my_tasks p50/p95/p99 with row-level security) on both, and recurring
# generation (2,000 daily templates in the 20 departments, 10 days due) on both. Reports
# the Citus figures as ratios of the single-node ones measured in the same run.
#
#   benches/citus.sh [--keep]     ports 25710 (coordinator), 25711, 25712 (workers)
#
# Needs Citus installed in $PG_CONFIG's tree (tests/citus/check.sh builds it) and
# synapse_ext (make install). Stops and deletes its clusters at the end unless --keep.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_BIN=${PG_BIN:-$("$PG_CONFIG" --bindir)}
tasks=${BENCH_TASKS:-100000}
NAMES=(citus-bench-coord citus-bench-w1 citus-bench-w2)
PORTS=(25710 25711 25712)
COORD=25710
# The Citus database is the one scripts/cluster.sh creates, synapse: its role statements
# (cluster.sh login) run there, so Citus passes the logins and their passwords on to the
# workers (synapse_migrate for generation, the search benchmark's login).
CITUS_DB=synapse SINGLE_DB=synapse_search_single
keep=0; [ "${1:-}" = --keep ] && keep=1
export PGOPTIONS="--client-min-messages=warning"
sql() { local port=$1 db=$2; shift 2; psql -X -q -v ON_ERROR_STOP=1 -At -p "$port" -d "$db" "$@"; }
cluster() { "$root/scripts/cluster.sh" "$@"; }
cleanup() {
  local n
  for n in "${NAMES[@]}"; do
    if [ "$keep" = 1 ]; then cluster stop "$n" >/dev/null 2>&1 || true; else cluster destroy "$n" >/dev/null 2>&1 || true; fi
  done
}
trap cleanup EXIT
for n in "${NAMES[@]}"; do cluster destroy "$n"; done
# The coordinator passes a user's signed identity on to the workers, which check it with
# their own synapse.identity_secret: every node gets the same (as in tests/citus/check.sh).
export SYNAPSE_IDENTITY_SECRET=${SYNAPSE_IDENTITY_SECRET:-$(openssl rand -hex 32)}
# The nodes connect to each other over TLS with the superuser's password (the servers'
# passfile, as in tests/citus/check.sh); so does this script.
for i in 0 1 2; do
  SYNAPSE_PRELOAD_CITUS=1 cluster start "${NAMES[$i]}" "${PORTS[$i]}" >/dev/null
  cluster login "${NAMES[$i]}" postgres --server
done
eval "$(cluster env "${NAMES[0]}")"
export PGHOST=127.0.0.1 PGUSER=postgres
unset PGPORT
for p in "${PORTS[@]}"; do
  sql "$p" "$CITUS_DB" -c "CREATE EXTENSION citus"
done
sql $COORD $CITUS_DB -c "SELECT citus_set_coordinator_host('127.0.0.1', $COORD)" \
                     -c "SELECT citus_add_node('127.0.0.1', ${PORTS[1]})" -c "SELECT citus_add_node('127.0.0.1', ${PORTS[2]})" >/dev/null
sql $COORD postgres -c "CREATE DATABASE $SINGLE_DB"

t0=$SECONDS
# The Citus database first: its migrations create the group roles, which Citus propagates
# to the workers only when they are created there (the single-node database then finds them).
for db in $CITUS_DB $SINGLE_DB; do
  "$root/scripts/migrate.sh" --port $COORD --db "$db" up >/dev/null 2>&1
  sql $COORD "$db" -v tasks="$tasks" -f "$root/benches/data/search_data.sql" >/dev/null
done
sql $COORD $CITUS_DB -f "$root/tests/citus/distribute.sql" >/dev/null
cluster login "${NAMES[0]}" synapse_migrate --server
sql $COORD $CITUS_DB -c "ALTER DATABASE $CITUS_DB SET citus.propagate_set_commands = 'local'" \
                     -c "ALTER DATABASE $CITUS_DB SET citus.allow_nested_distributed_execution = on"
for db in $SINGLE_DB $CITUS_DB; do sql $COORD "$db" -c "VACUUM ANALYZE" >/dev/null; done
echo "citus bench: $tasks tasks in 20 departments ($((tasks / 20)) per department) loaded into both in $((SECONDS - t0)) s"

declare -A p95
for db in $SINGLE_DB $CITUS_DB; do
  echo "== $db"
  out=$(BENCH_DB=$db BENCH_CLUSTER="${NAMES[0]}" BENCH_HOST=127.0.0.1 "$root/benches/search.sh" $COORD 2>&1 | sed -n '1,/== EXPLAIN/p' | grep -v '== EXPLAIN')
  echo "$out"
  p95[$db]=$(awk -F'|' '/search_tasks/ && !/baseline/ {gsub(/ /, "", $4); print $4; exit}' <<<"$out")
  p95[$db-my]=$(awk -F'|' '/my_tasks first page/ {gsub(/ /, "", $4); print $4; exit}' <<<"$out")
done

# Generation: 2,000 daily templates (two assignees each) over the 20 departments, 10 days due.
gen_fixture="INSERT INTO synapse.tasks (department_id, id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
SELECT md5('bench:dept:' || i % 20)::uuid, md5('bench:gen:' || i)::uuid, 'Generated ' || i, md5('bench:user:' || (20 + i % 20))::uuid, true,
       '{\"frequency\": \"daily\"}', timestamptz '2027-01-01 00:00+00' + (i % 1440) * interval '1 minute'
  FROM generate_series(1, 2000) AS i;
INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
SELECT md5('bench:dept:' || i % 20)::uuid, md5('bench:gen:' || i)::uuid, md5('bench:user:' || (20 + i % 20 + k * 20))::uuid
  FROM generate_series(1, 2000) AS i, generate_series(0, 1) AS k"
declare -A rate
for db in $SINGLE_DB $CITUS_DB; do
  sql $COORD "$db" -c "$gen_fixture" >/dev/null
  sql $COORD "$db" -c "CALL synapse.run_recurring_generation(100, '2027-01-10 12:00+00')" >/dev/null
  rate[$db]=$(sql $COORD "$db" -c "SELECT round(sum(tasks_generated) / extract(epoch FROM max(finished_at) - min(started_at)))
                                     FROM synapse.generation_runs WHERE as_of = '2027-01-10 12:00+00'")
  echo "generation on $db: $(sql $COORD "$db" -c "SELECT sum(tasks_generated) || ' instances in ' || round(extract(epoch FROM max(finished_at) - min(started_at))::numeric, 2) || ' s'
                                                 FROM synapse.generation_runs WHERE as_of = '2027-01-10 12:00+00'") (${rate[$db]} instances/s)"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "Citus (coordinator + 2 workers on the same 2 cores) / single node, same run:"
echo "  search_tasks p95:        ${p95[$CITUS_DB]} ms / ${p95[$SINGLE_DB]} ms = $(ratio "${p95[$CITUS_DB]}" "${p95[$SINGLE_DB]}")x"
echo "  my_tasks first page p95: ${p95[$CITUS_DB-my]} ms / ${p95[$SINGLE_DB-my]} ms = $(ratio "${p95[$CITUS_DB-my]}" "${p95[$SINGLE_DB-my]}")x"
echo "  generation throughput:   ${rate[$CITUS_DB]} / ${rate[$SINGLE_DB]} instances/s = $(ratio "${rate[$CITUS_DB]}" "${rate[$SINGLE_DB]}")x"
