#!/usr/bin/env bash
# Recurring generation at volume: 100,000 due templates (20 departments, two assignees
# each, one occurrence due each) materialised by CALL synapse.run_recurring_generation()
# (batches of 100, as pg_cron runs it), against a baseline of plain INSERT … SELECT of the
# same task and assignee rows, in the same run. Target: at most 2x the baseline. Three
# rounds each (the instances are removed and the templates reset between rounds, then
# VACUUM), median reported. Run by benches/run.sh (make bench) on the bench cluster.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
DB=synapse_bench_generation
AS_OF='2026-06-01 12:00+00'
# GENERATION_TEMPLATES and GENERATION_BATCH change the size, for trying things out.
N=${GENERATION_TEMPLATES:-100000}
BATCH=${GENERATION_BATCH:-100}
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
"$root/scripts/migrate.sh" --db "$DB" up >/dev/null
psql_db <<SQL
INSERT INTO synapse.departments (id, name) SELECT md5('dept' || d)::uuid, 'Department ' || d FROM generate_series(1, 20) AS d;
INSERT INTO synapse.users (id, email, name, department_id)
SELECT md5('user' || u)::uuid, 'user' || u || '@example.com', 'User ' || u, md5('dept' || (1 + u % 20))::uuid
  FROM generate_series(1, 200) AS u;
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, creator_id, is_recurring,
                           recurrence_pattern, recurrence_start)
SELECT md5('dept' || (1 + i % 20))::uuid, md5('tpl' || i)::uuid, 'TPL-' || i, 'Recurring task ' || i,
       'Check the numbers of report ' || i || ' and send them on.', md5('user' || (1 + i % 200))::uuid, true,
       '{"frequency": "daily", "timezone": "Europe/Berlin"}', timestamptz '$AS_OF' - (i % 600) * interval '1 minute'
  FROM generate_series(1, $N) AS i;
INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
SELECT md5('dept' || (1 + i % 20))::uuid, md5('tpl' || i)::uuid, md5('user' || (1 + (i + k * 7) % 200))::uuid
  FROM generate_series(1, $N) AS i, generate_series(0, 1) AS k;
VACUUM ANALYZE;
SQL

reset() {
  psql_db -c "DELETE FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL" \
          -c "UPDATE synapse.tasks SET next_occurrence = recurrence_start, recurrence_generated_count = 0 WHERE is_recurring" \
          -c "TRUNCATE synapse.generation_runs" -c "VACUUM ANALYZE" >/dev/null
}

baseline_ms=() generation_ms=()
for round in 1 2 3; do
  start=$(now_ms)
  psql_db >/dev/null <<SQL
BEGIN;
INSERT INTO synapse.tasks (department_id, task_id, title, description, priority, project_id, creator_id, metadata,
                           due_date, recurrence_parent_id, occurrence_at)
SELECT department_id, task_id || '-' || to_char(next_occurrence AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'), title,
       description, priority, project_id, creator_id, metadata, next_occurrence, id, next_occurrence
  FROM synapse.tasks WHERE is_recurring AND next_occurrence <= '$AS_OF';
INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by)
SELECT i.department_id, i.id, a.user_id, a.assigned_by
  FROM synapse.tasks i JOIN synapse.task_assignees a ON a.department_id = i.department_id AND a.task_id = i.recurrence_parent_id
 WHERE i.recurrence_parent_id IS NOT NULL;
ROLLBACK;
SQL
  baseline_ms+=($(( $(now_ms) - start )))
  psql_db -c "VACUUM ANALYZE" >/dev/null

  start=$(now_ms)
  psql_db -c "CALL synapse.run_recurring_generation($BATCH, '$AS_OF')"
  generation_ms+=($(( $(now_ms) - start )))
  made=$(psql_db -c "SELECT (SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL) || ' '
                         || (SELECT count(*) FROM synapse.task_assignees a JOIN synapse.tasks i
                               ON i.department_id = a.department_id AND i.id = a.task_id WHERE i.recurrence_parent_id IS NOT NULL)")
  [ "$made" = "$N $((2 * N))" ] || { echo "generation made $made instead of $N $((2 * N))" >&2; exit 1; }
  echo "round $round: baseline ${baseline_ms[-1]} ms, generation ${generation_ms[-1]} ms ($N instances, $((2 * N)) assignees checked)"
  reset
done

# Each round runs baseline and generation back to back, so the ratio is taken per round
# (load on the machine hits both alike) and its median reported.
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ratios=()
for i in 0 1 2; do ratios+=("$(awk -v b="${baseline_ms[$i]}" -v g="${generation_ms[$i]}" 'BEGIN { printf "%.2f", g / b }')"); done
b=$(median "${baseline_ms[@]}"); g=$(median "${generation_ms[@]}"); r=$(median "${ratios[@]}")
awk -v b="$b" -v g="$g" -v r="$r" -v n="$N" -v batch="$BATCH" -v all="${ratios[*]}" 'BEGIN {
  printf "baseline INSERT…SELECT (tasks + assignees): median %d ms\n", b
  printf "run_recurring_generation (batches of %d): median %d ms, %.0f instances/s, %.0f rows/s (tasks + assignees)\n", batch, g, n / (g / 1000), 3 * n / (g / 1000)
  printf "ratio generation / baseline per round: %s; median %.2f (target <= 2.00) %s\n", all, r, (r <= 2 ? "MET" : "MISSED")
}'
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
