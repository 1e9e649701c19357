#!/usr/bin/env bash
# Recurring generation at volume: 100,000 due templates (20 departments, two assignees
# each, one occurrence due each) materialised by CALL synapse.run_recurring_generation()
# (batches of 100, as pg_cron runs it), against a baseline of plain INSERT … SELECT of the
# same task and assignee rows, in the same run. Target: at most 1.3x the baseline. Three
# rounds each (the instances are removed and the templates reset between rounds, then
# VACUUM), median reported. Run by benches/run.sh (make bench) on the bench cluster.
# The baseline gives the assignments' "my tasks" copies, as the generator does, so that
# both have them checked once per statement (migration 17) rather than read per row.
#
# A third line, for where the difference comes from rather than for the target: the same
# INSERT … SELECT in the generator's batches (at most BATCH templates of one department a
# statement pair, committed after each), without its claim and advance. Its ratio to the
# baseline is what the batches alone cost; generation's ratio to it what the claim, the
# template's advance and the rest of generation's own work cost.
#
# That table holds templates only. Real ones are about 2% of the tasks (benches/data), so
# a second variant measures the same at that density: the realistic data of
# benches/data/search_data.sql (500,000 tasks, 10,000 of them templates, 1.5 assignees per
# task, projects, comments), every template made due once. Both time the whole run, the
# claim of the due templates included.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
DB=synapse_bench_generation
AS_OF='2026-06-01 12:00+00'
# GENERATION_TEMPLATES and GENERATION_BATCH change the size, for trying things out;
# GENERATION_REALISTIC_TASKS the realistic variant's (0 leaves it out).
N=${GENERATION_TEMPLATES:-100000}
BATCH=${GENERATION_BATCH:-100}
REALISTIC_TASKS=${GENERATION_REALISTIC_TASKS:-500000}
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# The working set (about 0.5 GB here; the realistic variant's 500,000 tasks are half of the
# million benches/data/load.sh measures at 1.3 GB) fits in shared buffers, as on a server
# sized for it (load.sh does the same). With the scratch cluster's 128 MB both sides would
# measure copies from the OS's page cache, and generation more of them: it reads every
# template twice more (its claim and its advance) than the INSERT … SELECT does. Set for
# this script on the bench cluster (BENCH_CLUSTER) and put back when it ends, so the other
# benchmarks keep the cluster as it was.
cluster=${BENCH_CLUSTER:-bench}
restart_cluster() { "$root/scripts/cluster.sh" stop "$cluster" && "$root/scripts/cluster.sh" start "$cluster" "$PGPORT" >/dev/null; }
if [ "$(psql -X -At -d postgres -c "SHOW shared_buffers")" != 2GB ]; then
  psql -X -q -d postgres -c "ALTER SYSTEM SET shared_buffers = '2GB'"
  trap 'psql -X -q -d postgres -c "ALTER SYSTEM RESET shared_buffers" && restart_cluster' EXIT
  restart_cluster
fi
echo "shared_buffers: $(psql -X -At -d postgres -c "SHOW shared_buffers")"
echo "load average at the start: $(load_average)"

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

# The baseline's two statements, for the templates (insert_instances) or instances
# (insert_assignees, alias i) that WHERE picks: the same rows the generator writes, the
# assignments with their "my tasks" copies.
insert_instances() {
  cat <<SQL
INSERT INTO synapse.tasks (department_id, task_id, title, description, priority, project_id, creator_id, metadata,
                           due_date, recurrence_parent_id, occurrence_at)
SELECT department_id, task_id || '-' || to_char(next_occurrence AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'), title,
       description, priority, project_id, creator_id, metadata, next_occurrence, id, next_occurrence
  FROM synapse.tasks WHERE $1;
SQL
}
insert_assignees() {
  cat <<SQL
INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by, task_open, task_due_key, task_priority)
SELECT i.department_id, i.id, a.user_id, a.assigned_by,
       synapse._task_is_open(i.status, i.deleted_at, i.is_recurring), coalesce(i.due_date, 'infinity'), i.priority
  FROM synapse.tasks i JOIN synapse.task_assignees a ON a.department_id = i.department_id AND a.task_id = i.recurrence_parent_id
 WHERE $1;
SQL
}

# The due templates in the generator's batches: at most $BATCH of one department each,
# oldest first (as the claim takes them).
make_batches() {
  psql_db -c "DROP TABLE IF EXISTS public.bench_batches" -c "CREATE TABLE public.bench_batches AS
    SELECT department_id, array_agg(id ORDER BY next_occurrence, id) AS templates
      FROM (SELECT department_id, id, next_occurrence,
                   (row_number() OVER (PARTITION BY department_id ORDER BY next_occurrence, id) - 1) / $BATCH AS batch
              FROM synapse.tasks WHERE is_recurring AND next_occurrence <= '$AS_OF') AS due
     GROUP BY department_id, batch" >/dev/null
}

median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# session: runs the SQL on stdin in one session of $DB; sets session_ms (wall clock) and
# session_cpu_ms (user + system CPU of its server backend, read from /proc: the scratch
# cluster runs on this machine). Wall clock moves with whatever else the machine runs, CPU
# time much less; both are reported.
hz=$(getconf CLK_TCK)
session() {
  local probe start
  probe=$(mktemp)
  start=$(now_ms)
  { echo 'SELECT pg_backend_pid() AS backend_pid \gset'
    echo '\setenv BENCH_BACKEND_PID :backend_pid'
    echo "\\! cut -d' ' -f14,15 /proc/\$BENCH_BACKEND_PID/stat >> $probe"
    cat
    echo "\\! cut -d' ' -f14,15 /proc/\$BENCH_BACKEND_PID/stat >> $probe"
  } | psql_db >/dev/null
  session_ms=$(( $(now_ms) - start ))
  session_cpu_ms=$(awk -v hz="$hz" 'NR == 1 { s = $1 + $2 } NR == 2 { e = $1 + $2 } END { printf "%d", (e - s) * 1000 / hz }' "$probe")
  rm -f "$probe"
}
ratio() { awk -v b="$1" -v g="$2" 'BEGIN { printf "%.2f", g / b }'; }

# rounds TEMPLATES ASSIGNEES: three rounds of baseline and generation on $DB, whose due
# templates are TEMPLATES with ASSIGNEES assignees in all; prints each round and the medians.
rounds() {
  local templates=$1 assignees=$2 round made i b g r
  local baseline_ms=() generation_ms=() ratios=() baseline_cpu=() generation_cpu=() cpu_ratios=()
  local batched_ms=() batched_cpu=() batched_ratios=() over_batched=()
  make_batches
  for round in 1 2 3; do
    session <<SQL
BEGIN;
$(insert_instances "is_recurring AND next_occurrence <= '$AS_OF'")
$(insert_assignees "i.recurrence_parent_id IS NOT NULL")
ROLLBACK;
SQL
    baseline_ms+=("$session_ms") baseline_cpu+=("$session_cpu_ms")
    psql_db -c "VACUUM ANALYZE" >/dev/null

    session <<SQL
DO \$\$
DECLARE
  batch record;
BEGIN
  FOR batch IN SELECT department_id, templates FROM public.bench_batches LOOP
    $(insert_instances "department_id = batch.department_id AND id = ANY (batch.templates)")
    $(insert_assignees "i.department_id = batch.department_id AND i.recurrence_parent_id = ANY (batch.templates)")
    COMMIT;
  END LOOP;
END
\$\$;
SQL
    batched_ms+=("$session_ms") batched_cpu+=("$session_cpu_ms")
    psql_db -c "DELETE FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL" -c "VACUUM ANALYZE" >/dev/null

    session <<<"CALL synapse.run_recurring_generation($BATCH, '$AS_OF');"
    generation_ms+=("$session_ms") generation_cpu+=("$session_cpu_ms")
    made=$(psql_db -c "SELECT (SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL) || ' '
                           || (SELECT count(*) FROM synapse.task_assignees a JOIN synapse.tasks i
                                 ON i.department_id = a.department_id AND i.id = a.task_id WHERE i.recurrence_parent_id IS NOT NULL)")
    [ "$made" = "$templates $assignees" ] || { echo "generation made $made instead of $templates $assignees" >&2; exit 1; }
    echo "round $round: baseline ${baseline_ms[-1]} ms, generation ${generation_ms[-1]} ms ($templates instances, $assignees assignees checked)"
    echo "round $round: server CPU baseline ${baseline_cpu[-1]} ms, generation ${generation_cpu[-1]} ms"
    echo "round $round: the baseline in batches of $BATCH, committed after each: ${batched_ms[-1]} ms (server CPU ${batched_cpu[-1]} ms)"
    reset
  done

  # Each round runs baseline and generation back to back, so the ratio is taken per round
  # (load on the machine hits both alike) and its median reported.
  for i in 0 1 2; do
    ratios+=("$(ratio "${baseline_ms[$i]}" "${generation_ms[$i]}")")
    cpu_ratios+=("$(ratio "${baseline_cpu[$i]}" "${generation_cpu[$i]}")")
    batched_ratios+=("$(ratio "${baseline_ms[$i]}" "${batched_ms[$i]}")")
    over_batched+=("$(ratio "${batched_ms[$i]}" "${generation_ms[$i]}")")
  done
  b=$(median "${baseline_ms[@]}"); g=$(median "${generation_ms[@]}"); r=$(median "${ratios[@]}")
  awk -v b="$b" -v g="$g" -v r="$r" -v n="$templates" -v rows="$((templates + assignees))" -v batch="$BATCH" -v all="${ratios[*]}" 'BEGIN {
    printf "baseline INSERT…SELECT (tasks + assignees): median %d ms\n", b
    printf "run_recurring_generation (batches of %d): median %d ms, %.0f instances/s, %.0f rows/s (tasks + assignees)\n", batch, g, n / (g / 1000), rows / (g / 1000)
    printf "ratio generation / baseline per round: %s; median %.2f (target <= 1.30) %s\n", all, r, (r <= 1.3 ? "MET" : "MISSED")
  }'
  echo "server CPU: baseline median $(median "${baseline_cpu[@]}") ms, generation median $(median "${generation_cpu[@]}") ms;" \
       "ratio per round ${cpu_ratios[*]}; median $(median "${cpu_ratios[@]}")"
  echo "the baseline in batches of $BATCH: median $(median "${batched_ms[@]}") ms; batches / baseline per round ${batched_ratios[*]}," \
       "median $(median "${batched_ratios[@]}"); generation / batches per round ${over_batched[*]}, median $(median "${over_batched[@]}")"
  psql_db -c "DROP TABLE public.bench_batches" >/dev/null
}

rounds "$N" "$((2 * N))"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"

if [ "$REALISTIC_TASKS" -gt 0 ]; then
  DB=synapse_bench_generation_realistic
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  "$root/scripts/migrate.sh" --db "$DB" up >/dev/null
  psql_db -v tasks="$REALISTIC_TASKS" -f "$root/benches/data/search_data.sql" >/dev/null
  # Every template due once at AS_OF, as in the variant above: daily from a start up to ten
  # hours before it (the data's own templates are weekly and due next week; task_id B-i).
  psql_db -c "UPDATE synapse.tasks
                 SET recurrence_pattern = '{\"frequency\": \"daily\", \"timezone\": \"Europe/Berlin\"}',
                     recurrence_start = timestamptz '$AS_OF' - (substr(task_id, 3)::int % 600) * interval '1 minute',
                     next_occurrence = timestamptz '$AS_OF' - (substr(task_id, 3)::int % 600) * interval '1 minute'
               WHERE is_recurring" -c "VACUUM ANALYZE" >/dev/null
  read -r templates tasks assignees < <(psql_db -F ' ' -c "SELECT count(*) FILTER (WHERE is_recurring), count(*),
        (SELECT count(*) FROM synapse.task_assignees a JOIN synapse.tasks t ON t.department_id = a.department_id
                                                      AND t.id = a.task_id AND t.is_recurring)
        FROM synapse.tasks")
  echo "realistic density: $templates due templates among $tasks tasks, $assignees template assignees"
  rounds "$templates" "$assignees"
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
fi
echo "load average at the end: $(load_average)"
