#!/usr/bin/env bash
# Recurring generation under concurrency and crashes, on 10,000 due templates in 20
# departments with two assignees each: a batch held open locks only the templates it
# claimed; two generators started at once split the work
# (no duplicate, no missed occurrence, both finish, their runs overlap); a generator
# terminated mid-run (pg_terminate_backend) and one whose backend is killed with SIGKILL
# (the server restarts) leave only whole batches, and the next run completes exactly the
# expected instances.
source "$(dirname "$0")/lib.sh"
DB=synapse_t21_concurrency
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }

psql_db "$DB" >/dev/null <<'SQL'
INSERT INTO synapse.departments (id, name)
SELECT md5('dept' || d)::uuid, 'Department ' || d FROM generate_series(1, 20) AS d;
INSERT INTO synapse.users (id, email, name, department_id)
SELECT md5('user' || u)::uuid, 'user' || u || '@example.com', 'User ' || u, md5('dept' || (1 + u % 20))::uuid
  FROM generate_series(1, 40) AS u;
-- Daily templates starting 2026-01-01 at every minute of the day.
INSERT INTO synapse.tasks (department_id, id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
SELECT md5('dept' || (1 + i % 20))::uuid, md5('tpl' || i)::uuid, 'TPL-' || i, 'Template ' || i,
       md5('user' || (1 + i % 20))::uuid, true, '{"frequency": "daily"}',
       timestamptz '2026-01-01 00:00+00' + (i % 1440) * interval '1 minute'
  FROM generate_series(1, 10000) AS i;
INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
SELECT md5('dept' || (1 + i % 20))::uuid, md5('tpl' || i)::uuid, md5('user' || (1 + i % 20 + k * 20))::uuid
  FROM generate_series(1, 10000) AS i, generate_series(0, 1) AS k;
SQL
ok "10,000 templates in 20 departments with two assignees each"

# check AS_OF WHAT: the instances are exactly the templates' occurrences up to AS_OF, each
# with its two assignees.
check() {
  local as_of=$1
  is "$(q "SELECT count(*) FROM (
             SELECT t.id, o FROM synapse.tasks t, synapse.recurrence_occurrences(t.recurrence_pattern, t.recurrence_start, NULL, '$as_of') AS o
              WHERE t.is_recurring
             EXCEPT SELECT recurrence_parent_id, occurrence_at FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL) AS missed")" 0 \
     "$2: no occurrence up to $as_of is missing"
  is "$(q "SELECT count(*) FROM (
             SELECT recurrence_parent_id, occurrence_at FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL
             EXCEPT SELECT t.id, o FROM synapse.tasks t, synapse.recurrence_occurrences(t.recurrence_pattern, t.recurrence_start, NULL, '$as_of') AS o
              WHERE t.is_recurring) AS extra")" 0 "$2: no instance beyond them"
  is "$(q "SELECT count(*) = count(DISTINCT (recurrence_parent_id, occurrence_at)) FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL")" t \
     "$2: no duplicate"
  is "$(q "SELECT count(*) FROM synapse.tasks i
            WHERE i.recurrence_parent_id IS NOT NULL
              AND (SELECT count(*) FROM synapse.task_assignees a WHERE a.department_id = i.department_id AND a.task_id = i.id) <> 2")" 0 \
     "$2: every instance has its two assignees"
  is "$(q "SELECT count(*) FROM synapse.tasks t WHERE t.is_recurring
              AND t.recurrence_generated_count <> (SELECT count(*) FROM synapse.tasks i
                                                    WHERE i.department_id = t.department_id AND i.recurrence_parent_id = t.id)")" 0 \
     "$2: every template's generated count is right"
}

# --- a batch locks what it claims, no more -----------------------------------------------------
# A batch of 7 held open in one session: every department has 500 due templates, and another
# session can still lock all but those 7 (the claim must not read and lock a department's
# due templates beyond the ones it returns).
AS_OF1='2026-01-03 12:00+00'
psql -X -q -d "$DB" >/dev/null 2>&1 <<SQL &
BEGIN;
SELECT * FROM synapse.generate_recurring_tasks(7, '$AS_OF1');
SELECT pg_sleep(60);
ROLLBACK;
SQL
H=$!
holding=""
for _ in $(seq 1 100); do
  holding=$(q "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(60);' AND state = 'active'")
  [ -n "$holding" ] && break
  sleep 0.1
done
is "$(q "SELECT count(*) FROM (SELECT 1 FROM synapse.tasks WHERE is_recurring FOR NO KEY UPDATE SKIP LOCKED) AS free")" 9993 \
   "a batch of 7 holds 7 templates, another session can lock the other 9,993"
[ -n "$holding" ] && q "SELECT pg_terminate_backend($holding)" >/dev/null
wait $H || true
is "$(q "SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL")" 0 "the held batch was rolled back"

# --- two generators at once --------------------------------------------------------------------
psql -X -q -d "$DB" -c "CALL synapse.run_recurring_generation(100, '$AS_OF1')" >/tmp/t21_a.$$ 2>&1 & A=$!
psql -X -q -d "$DB" -c "CALL synapse.run_recurring_generation(100, '$AS_OF1')" >/tmp/t21_b.$$ 2>&1 & B=$!
wait $A && ok "generator A finished" || not_ok "generator A finished" "$(cat /tmp/t21_a.$$)"
wait $B && ok "generator B finished" || not_ok "generator B finished" "$(cat /tmp/t21_b.$$)"
rm -f /tmp/t21_a.$$ /tmp/t21_b.$$
check "$AS_OF1" "two at once"
is "$(q "SELECT count(*) FILTER (WHERE finished_at IS NOT NULL AND templates_processed > 0) FROM synapse.generation_runs")" 2 \
   "both runs finished having claimed templates"
is "$(q "SELECT bool_and(r1.started_at < r2.finished_at AND r2.started_at < r1.finished_at)
           FROM synapse.generation_runs r1 JOIN synapse.generation_runs r2 ON r1.id < r2.id")" t \
   "their runs overlapped: neither waited for the other's whole run"
diag_split=$(q "SELECT string_agg(templates_processed || ' templates, ' || tasks_generated || ' instances in '
                                  || round(extract(epoch FROM finished_at - started_at)::numeric, 2) || ' s', '; ')
                  FROM synapse.generation_runs")
echo "# split: $diag_split"

# wait_for_batches N: until a run started after the last one logged so far has committed N
# batches, unfinished; prints its backend pid.
wait_for_batches() {
  local i pid
  for i in $(seq 1 600); do
    pid=$(q "SELECT backend_pid FROM synapse.generation_runs
              WHERE id > $last_run AND finished_at IS NULL AND batches >= $1" 2>/dev/null || true)
    [ -z "$pid" ] || { echo "$pid"; return 0; }
    sleep 0.1
  done
  return 1
}

# --- terminated mid-run --------------------------------------------------------------------------
AS_OF2='2026-01-06 12:00+00'
last_run=$(q "SELECT max(id) FROM synapse.generation_runs")
psql -X -q -d "$DB" -c "CALL synapse.run_recurring_generation(50, '$AS_OF2')" >/dev/null 2>&1 & C=$!
if pid=$(wait_for_batches 5); then
  q "SELECT pg_terminate_backend($pid)" >/dev/null
  wait $C && not_ok "the terminated generator reports an error" || ok "the terminated generator reports an error"
  is "$(q "SELECT status FROM synapse.generation_recent_runs LIMIT 1")" interrupted "the run log shows the run interrupted"
  is "$(q "SELECT count(*) < 30000 FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL AND occurrence_at > '$AS_OF1'")" t \
     "it was stopped part-way"
else
  not_ok "the generator ran long enough to be terminated"; wait $C || true
fi
q "CALL synapse.run_recurring_generation(100, '$AS_OF2')" >/dev/null
check "$AS_OF2" "after pg_terminate_backend and a new run"

# --- backend killed (SIGKILL): the server restarts ---------------------------------------------
AS_OF3='2026-01-09 12:00+00'
last_run=$(q "SELECT max(id) FROM synapse.generation_runs")
# Scratch clusters run with synchronous_commit = off, whose last commits a crash may lose
# by design; the generator's session commits synchronously so its batches are durable.
PGOPTIONS="$PGOPTIONS -c synchronous_commit=on" \
  psql -X -q -d "$DB" -c "CALL synapse.run_recurring_generation(50, '$AS_OF3')" >/dev/null 2>&1 & E=$!
if pid=$(wait_for_batches 5); then
  kill -9 "$pid"
  wait $E || true
  for i in $(seq 1 120); do q "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
  is "$(q "SELECT 1")" 1 "the server is back after the crash"
  is "$(q "SELECT status || ' ' || (batches >= 5) FROM synapse.generation_recent_runs LIMIT 1")" "interrupted true" \
     "the killed run's committed batches stay, and it shows interrupted"
else
  not_ok "the generator ran long enough to be killed"; wait $E || true
fi
q "CALL synapse.run_recurring_generation(100, '$AS_OF3')" >/dev/null
check "$AS_OF3" "after kill -9 and a new run"
done_testing
