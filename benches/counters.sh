#!/usr/bin/env bash
# Project counters: task insert throughput with the counter triggers as the migrations
# install them (migration 16: the Rust row trigger collects, its statement trigger appends
# one delta row per project, "deltas"), with no counter trigger ("none"), with migration 8's
# Rust statement trigger that updates the project row ("update") and with migration 3's
# PL/pgSQL trigger ("plpgsql"), all in the same run on the same cluster, every other trigger
# and index of tasks in place in all of them. none and deltas run in a database at the
# newest migration, update and plpgsql in one at the migration before 16 (where
# synapse.projects is still the table those triggers update). Targets: issue 11, Rust at
# least 85% of no trigger and faster than PL/pgSQL; issue 25, 8 writers on one hot project
# with deltas at least 0.85x of no trigger (update: 0.54x).
#  - bulk: one INSERT … SELECT of 20,000 tasks over 200 projects in 20 departments (rolled
#    back, then VACUUM), 5 rounds, the variants interleaved; median;
#  - single-row, by server CPU time: pgbench and an in-server loop (see below), 3 rounds
#    interleaved; median. Less sensitive to the machine's other load than the wall clock;
#  - single-row, wall clock: one INSERT per transaction, 1 pgbench client, and 8 clients
#    inserting into the same project; 3 interleaved rounds of 5 s per variant; median.
#    The hot case also with the merge (synapse.merge_project_count_deltas) running every
#    second meanwhile, as pg_cron would every minute, and what reading the hot project's
#    counters costs with the deltas pending and once merged, and what the merge costs.
# Also the 8-client mixed load of the concurrency test (tests/e2e/data/counters_load.pgbench,
# half the clients on one project), reported with its deadlocks: none with Rust's ordered
# locking. Run by benches/run.sh (make bench) on the bench cluster. Between rounds the
# deltas are merged and the tables vacuumed, outside the measurements.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
DB=synapse_bench_counters
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
SECS=${COUNTERS_BENCH_SECONDS:-5}
ROUNDS=${COUNTERS_BENCH_ROUNDS:-3}
N=20000
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" "$@"; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The migration before the deltas' (whatever numbers they have).
before_deltas=$(ls "$root"/sql/migrations/*.up.sql | sed 's#.*/##' | sort |
                awk '/_project_count_deltas\.up\.sql$/ {print prev + 0; exit} {prev = $0}')
export PGOPTIONS="--client-min-messages=warning"
# db_of VARIANT: the database the variant runs in.
db_of() { case "$1" in none|deltas) echo "$DB" ;; *) echo "${DB}_update" ;; esac; }
# tidy VARIANT: merge pending deltas, vacuum (outside every measurement).
tidy() {
  if [ "$(db_of "$1")" = "$DB" ]; then
    psql_db -c "SELECT synapse.merge_project_count_deltas()" -c "VACUUM synapse.tasks, synapse.projects_base, synapse.project_count_deltas" >/dev/null
  else
    DB=${DB}_update psql_db -c "VACUUM synapse.tasks, synapse.projects" >/dev/null
  fi
}
for db in "$DB" "${DB}_update"; do
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
if [ "$db" = "$DB" ]; then
  "$root/scripts/migrate.sh" --db "$db" up >/dev/null
else
  "$root/scripts/migrate.sh" --db "$db" goto "$before_deltas" >/dev/null
fi
DB=$db psql_db <<SQL
INSERT INTO synapse.departments (id, name) SELECT md5('dept' || d)::uuid, 'Department ' || d FROM generate_series(0, 19) AS d;
INSERT INTO synapse.users (id, email, name, department_id)
SELECT md5('user' || u)::uuid, 'user' || u || '@example.com', 'User ' || u, md5('dept' || u % 20)::uuid
  FROM generate_series(0, 19) AS u;
INSERT INTO synapse.projects (department_id, id, name)
SELECT md5('dept' || p % 20)::uuid, md5('project' || p)::uuid, 'Project ' || p FROM generate_series(0, 199) AS p;
VACUUM ANALYZE;
SQL
done

# use VARIANT: the counter triggers of VARIANT (none: no counter trigger) in its database.
use() {
  local fn apply=
  case "$1" in
    deltas) fn=synapse._tasks_count_in_projects apply="'deltas'" ;;
    update) fn=synapse._tasks_count_in_projects apply=" " ;;
    plpgsql) fn=synapse._tasks_maintain_project_counts ;;
    none) fn= ;;
  esac
  DB=$(db_of "$1") psql_db -c "DROP TRIGGER IF EXISTS tasks_maintain_project_counts ON synapse.tasks" \
    -c "DROP TRIGGER IF EXISTS tasks_apply_project_counts ON synapse.tasks" \
    ${fn:+-c "CREATE TRIGGER tasks_maintain_project_counts
                AFTER INSERT OR DELETE OR UPDATE OF department_id, project_id, status, is_recurring, deleted_at
                ON synapse.tasks FOR EACH ROW EXECUTE FUNCTION $fn()"} \
    ${apply:+-c "CREATE TRIGGER tasks_apply_project_counts AFTER INSERT OR DELETE OR UPDATE
                   ON synapse.tasks FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_apply_project_counts($apply)"}
}
VARIANTS="none deltas update plpgsql"
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# --- bulk -------------------------------------------------------------------------------------
declare -A bulk_us
for round in 1 2 3 4 5; do
  for variant in $VARIANTS; do
    use "$variant"
    start=$(now_us)
    DB=$(db_of "$variant") psql_db >/dev/null <<SQL
BEGIN;
INSERT INTO synapse.tasks (department_id, title, creator_id, project_id, status)
SELECT md5('dept' || i % 200 % 20)::uuid, 'Bulk task ' || i, md5('user' || i % 200 % 20)::uuid, md5('project' || i % 200)::uuid,
       CASE WHEN i % 3 = 0 THEN 'Done' ELSE 'To Do' END::synapse.task_status
  FROM generate_series(1, $N) AS i;
ROLLBACK;
SQL
    bulk_us[$variant]+="$(( $(now_us) - start )) "
    tidy "$variant"
  done
done
rate() { awk -v us="$1" -v n="$N" 'BEGIN {printf "%.0f", n / (us / 1e6)}'; }
declare -A bulk
for variant in $VARIANTS; do bulk[$variant]=$(rate "$(median ${bulk_us[$variant]})"); done
echo "bulk INSERT of $N tasks (rows/s, median of 5): no trigger ${bulk[none]}, deltas ${bulk[deltas]}, update ${bulk[update]}, PL/pgSQL ${bulk[plpgsql]};" \
     "deltas/none $(ratio "${bulk[deltas]}" "${bulk[none]}"), update/none $(ratio "${bulk[update]}" "${bulk[none]}")," \
     "PL/pgSQL/none $(ratio "${bulk[plpgsql]}" "${bulk[none]}"), update/PL/pgSQL $(ratio "${bulk[update]}" "${bulk[plpgsql]}")"

cat >"$work/one.pgbench" <<'SQL'
\set p random(0, 199)
INSERT INTO synapse.tasks (department_id, title, creator_id, project_id)
VALUES (md5('dept' || :p % 20)::uuid, 'Single task', md5('user' || :p % 20)::uuid, md5('project' || :p)::uuid);
SQL
cat >"$work/hot.pgbench" <<'SQL'
INSERT INTO synapse.tasks (department_id, title, creator_id, project_id)
VALUES (md5('dept0')::uuid, 'Hot task', md5('user0')::uuid, md5('project0')::uuid);
SQL

# --- single-row inserts by server CPU time ------------------------------------------------------
# On a machine shared with other work, wall-clock rates move with everyone else's load
# more than with the variant; the CPU time the server spends per insert does not. Two
# ways, rounds interleaved, median per variant; throughput per CPU second is the inverse,
# so deltas/none = CPU(none) / CPU(deltas):
#  - pgbench: CPU_N transactions of one single-row INSERT (as in the wall-clock runs below: each statement parsed
#    and planned), 1 client; the server's CPU is what its backend used, read from the
#    postmaster's reaped-children times (/proc/PID/stat cutime + cstime) around the run;
#  - in-server: a procedure runs CPU_N INSERTs, committing after each, its statement
#    planned once; the backend's own utime + stime around the call. No parsing, planning
#    or client round trip: the trigger's share of the work is at its largest here.
CPU_N=${COUNTERS_BENCH_CPU_ROWS:-4000}
ticks=$(getconf CLK_TCK)
postmaster=$(awk '{print $4}' "/proc/$(psql_db -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")/stat")
for db in "$DB" "${DB}_update"; do
  DB=$db psql_db <<'SQL'
CREATE PROCEDURE public.bench_single_inserts(n integer) LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    INSERT INTO synapse.tasks (department_id, title, creator_id, project_id)
    VALUES (md5('dept' || i % 200 % 20)::uuid, 'Single task', md5('user' || i % 200 % 20)::uuid, md5('project' || i % 200)::uuid);
    COMMIT;
  END LOOP;
END
$$;
SQL
done
per_insert_us() { awk -v b="$1" -v a="$2" -v t="$ticks" -v n="$CPU_N" 'BEGIN {printf "%.1f", (a - b) / t * 1e6 / n}'; }
pgbench_cpu_us() {  # pgbench_cpu_us DB
  local before after
  before=$(awk '{print $16 + $17}' "/proc/$postmaster/stat")
  "$PGBENCH" -n -c 1 -t "$CPU_N" -f "$work/one.pgbench" "$1" >/dev/null 2>&1
  sleep 0.5   # until the postmaster has reaped the backend
  after=$(awk '{print $16 + $17}' "/proc/$postmaster/stat")
  per_insert_us "$before" "$after"
}
in_server_cpu_us() {  # in_server_cpu_us DB
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
\! awk '{print \$14 + \$15}' /proc/\$BACKEND_PID/stat > $work/ticks.before
CALL public.bench_single_inserts($CPU_N);
\! awk '{print \$14 + \$15}' /proc/\$BACKEND_PID/stat > $work/ticks.after
SQL
  per_insert_us "$(cat "$work/ticks.before")" "$(cat "$work/ticks.after")"
}
declare -A cpu_pgbench cpu_server
for round in $(seq "$ROUNDS"); do
  for variant in $VARIANTS; do
    use "$variant"
    cpu_pgbench[$variant]+="$(pgbench_cpu_us "$(db_of "$variant")") "
    cpu_server[$variant]+="$(in_server_cpu_us "$(db_of "$variant")") "
    DB=$(db_of "$variant") psql_db -c "DELETE FROM synapse.tasks" >/dev/null
    tidy "$variant"
  done
done
for variant in $VARIANTS; do
  cpu_pgbench[$variant]=$(median ${cpu_pgbench[$variant]}); cpu_server[$variant]=$(median ${cpu_server[$variant]})
done
for how in pgbench server; do
  declare -n c=cpu_$how
  echo "single-row INSERTs, server CPU per insert, $how (µs, median of $ROUNDS interleaved rounds of $CPU_N): no trigger ${c[none]}, deltas ${c[deltas]}, update ${c[update]}, PL/pgSQL ${c[plpgsql]};" \
       "per CPU second deltas/none $(ratio "${c[none]}" "${c[deltas]}"), update/none $(ratio "${c[none]}" "${c[update]}")," \
       "PL/pgSQL/none $(ratio "${c[none]}" "${c[plpgsql]}"), update/PL/pgSQL $(ratio "${c[plpgsql]}" "${c[update]}")"
  unset -n c
done

# --- single-row inserts: 1 client, then 8 clients on one project ------------------------------
tps() { local db=$1; shift; "$PGBENCH" -n "$@" "$db" 2>&1 | sed -n 's/^tps = \([0-9]*\).*/\1/p'; }
# merging DB SECONDS: runs the merge every second for SECONDS in the background.
merging() {
  ( end=$((SECONDS + $2))
    while [ $SECONDS -lt "$end" ]; do psql -X -q -At -d "$1" -c "SELECT synapse.merge_project_count_deltas()" >/dev/null; sleep 1; done ) &
}
# Interleaved rounds (none, deltas, update, PL/pgSQL, none, …) so that a change in the
# machine's load touches every variant alike; the median of the rounds per variant. The hot
# case once more with deltas while the merge runs every second ("deltas+merge").
declare -A one hot
for round in $(seq "$ROUNDS"); do
  for variant in $VARIANTS; do
    use "$variant"
    one[$variant]+="$(tps "$(db_of "$variant")" -c 1 -T "$SECS" -f "$work/one.pgbench") "
    hot[$variant]+="$(tps "$(db_of "$variant")" -c 8 -j 2 -T "$SECS" -f "$work/hot.pgbench") "
    if [ "$variant" = deltas ]; then
      tidy deltas
      merging "$DB" "$SECS"
      hot[deltas+merge]+="$(tps "$DB" -c 8 -j 2 -T "$SECS" -f "$work/hot.pgbench") "
      wait
    fi
    tidy "$variant"
  done
done
for variant in $VARIANTS deltas+merge; do
  one[$variant]=$(median ${one[$variant]:-0}); hot[$variant]=$(median ${hot[$variant]})
done
echo "single-row INSERTs, 1 client (tx/s, median of $ROUNDS interleaved rounds of ${SECS} s): no trigger ${one[none]}, deltas ${one[deltas]}, update ${one[update]}, PL/pgSQL ${one[plpgsql]};" \
     "deltas/none $(ratio "${one[deltas]}" "${one[none]}"), update/none $(ratio "${one[update]}" "${one[none]}")," \
     "PL/pgSQL/none $(ratio "${one[plpgsql]}" "${one[none]}"), update/PL/pgSQL $(ratio "${one[update]}" "${one[plpgsql]}")"
echo "single-row INSERTs, 8 clients on one project (tx/s, median of $ROUNDS): no trigger ${hot[none]}, deltas ${hot[deltas]}," \
     "deltas merged every second ${hot[deltas+merge]}, update ${hot[update]}, PL/pgSQL ${hot[plpgsql]};" \
     "deltas/none $(ratio "${hot[deltas]}" "${hot[none]}"), deltas+merge/none $(ratio "${hot[deltas+merge]}" "${hot[none]}")," \
     "update/none $(ratio "${hot[update]}" "${hot[none]}"), PL/pgSQL/none $(ratio "${hot[plpgsql]}" "${hot[none]}"), deltas/update $(ratio "${hot[deltas]}" "${hot[update]}")"

# --- reading the hot project's counters, and merging ---------------------------------------------
# One 8-client round of deltas left pending, then: the median time of reading the hot
# project's counters through synapse.projects (a pgbench of SECS seconds, 1 client), the
# merge of all of it, and the same read once merged.
use deltas
tps "$DB" -c 8 -j 2 -T "$SECS" -f "$work/hot.pgbench" >/dev/null
pending=$(psql_db -c "SELECT count(*) FROM synapse.project_count_deltas")
cat >"$work/read.pgbench" <<'SQL'
SELECT task_count, completed_task_count FROM synapse.projects WHERE department_id = md5('dept0')::uuid AND id = md5('project0')::uuid;
SQL
read_ms() { "$PGBENCH" -n -c 1 -T "$SECS" -f "$work/read.pgbench" "$DB" 2>&1 | sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p'; }
read_pending=$(read_ms)
start=$(now_us)
psql_db -c "SELECT synapse.merge_project_count_deltas()" >/dev/null
merge_ms=$(( ($(now_us) - start) / 1000 ))
psql_db -c "VACUUM synapse.projects_base, synapse.project_count_deltas" >/dev/null
read_merged=$(read_ms)
echo "reading the hot project's counters (ms, average over ${SECS} s): $read_pending with $pending deltas pending, $read_merged merged;" \
     "merging the $pending deltas took $merge_ms ms"

# --- the mixed load of the concurrency test ---------------------------------------------------
# Loaded at the newest migration (its data file writes synapse.projects_base); for update
# and PL/pgSQL the database then goes down to the migration before the deltas'.
for variant in deltas update plpgsql; do
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS ${DB}_mixed WITH (FORCE)" -c "CREATE DATABASE ${DB}_mixed"
  "$root/scripts/migrate.sh" --db "${DB}_mixed" up >/dev/null
  DB=${DB}_mixed psql_db -f "$root/tests/e2e/data/counters_setup.sql" >/dev/null
  [ "$variant" = deltas ] || "$root/scripts/migrate.sh" --db "${DB}_mixed" goto "$before_deltas" >/dev/null
  db_of() { echo "${DB}_mixed"; }
  use "$variant" >/dev/null
  out=$("$PGBENCH" -n -c 8 -j 2 -T "$SECS" --failures-detailed -f "$root/tests/e2e/data/counters_load.pgbench" "${DB}_mixed" 2>&1 || true)
  echo "mixed load, 8 clients, half on one project, $variant: $(sed -n 's/^tps = \([0-9]*\).*/\1/p' <<<"$out") tx/s," \
       "$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' <<<"$out") deadlocks"
done
psql -X -q -d postgres -c "DROP DATABASE ${DB}_mixed WITH (FORCE)" -c "DROP DATABASE $DB WITH (FORCE)" -c "DROP DATABASE ${DB}_update WITH (FORCE)"
