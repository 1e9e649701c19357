#!/usr/bin/env bash
# Fair generation (docs/generation.md, Catch-up): a template daily since year 1 with
# catch-up all (739,000 occurrences due) beside ordinary templates in two departments. One
# run returns (a 20 s statement_timeout as a functional bound, not a benchmark), serves
# every ordinary template and makes at most synapse.generation_max_instances_per_template
# instances of the old one, which stays due; the next runs continue it exactly (the
# instances are the series' first occurrences, once each, none skipped); the setting, per
# session and per database, changes the number; generate_recurring_tasks obeys it too.
source "$(dirname "$0")/lib.sh"
DB=synapse_t24_fairness
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }

D1=d0000000-0000-4000-8000-000000000001; D2=d0000000-0000-4000-8000-000000000002
ANN=a0000000-0000-4000-8000-000000000001
AS_OF='2026-06-01 12:00+00'
psql_db "$DB" >/dev/null <<SQL
INSERT INTO synapse.departments (id, name) VALUES ('$D1', 'Engineering'), ('$D2', 'Marketing');
INSERT INTO synapse.users (id, email, name, role, department_id) VALUES ('$ANN', 'ann@example.com', 'Ann', 'Manager', '$D1');
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
VALUES ('$D1', 'ANCIENT', 'Daily since year 1', '$ANN', true, '{"frequency":"daily"}', '0001-01-01 09:00+00');
-- Ten ordinary templates per department, a few days behind, at various times of day.
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
SELECT (ARRAY['$D1', '$D2']::uuid[])[1 + i % 2], 'ORD-' || i, 'Ordinary ' || i, '$ANN', true,
       CASE WHEN i % 3 = 0 THEN '{"frequency":"weekly","daysOfWeek":[1,3,5]}' ELSE '{"frequency":"daily"}' END::jsonb,
       timestamptz '$AS_OF' - interval '10 days' + i * interval '37 minutes'
  FROM generate_series(1, 20) AS i;
SQL
tpl() { q "SELECT id FROM synapse.tasks WHERE task_id = '$1' AND is_recurring"; }
ANCIENT=$(tpl ANCIENT)
ancient_count() { q "SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id = '$ANCIENT'"; }
# exact N: the old template's instances are exactly its series' first N occurrences, once
# each, and its next_occurrence is occurrence N + 1 (still due at AS_OF).
exact() {
  q "WITH expected AS (SELECT o FROM synapse.recurrence_occurrences('{\"frequency\":\"daily\"}', '0001-01-01 09:00+00', NULL, NULL, $1) AS o),
          made AS (SELECT occurrence_at AS o FROM synapse.tasks WHERE recurrence_parent_id = '$ANCIENT')
     SELECT (SELECT count(*) FROM made) || ' ' || (SELECT count(DISTINCT o) FROM made)
            || ' ' || (SELECT count(*) FROM (SELECT o FROM expected EXCEPT SELECT o FROM made) AS missing)
            || ' ' || (SELECT count(*) FROM (SELECT o FROM made EXCEPT SELECT o FROM expected) AS extra)
            || ' ' || (SELECT next_occurrence = synapse.calculate_next_occurrence(recurrence_pattern, (SELECT max(o) FROM expected), recurrence_start)
                              AND next_occurrence <= '$AS_OF'
                         FROM synapse.tasks WHERE id = '$ANCIENT')"
}
last_run() { q "SELECT $1 FROM synapse.generation_runs ORDER BY id DESC LIMIT 1"; }
# ordinary_ok: every ordinary template has exactly its occurrences up to AS_OF and is no
# longer due.
ordinary_ok() {
  q "SELECT count(*) FILTER (WHERE t.next_occurrence > '$AS_OF'
                               AND (SELECT array_agg(i.occurrence_at ORDER BY i.occurrence_at) FROM synapse.tasks i WHERE i.recurrence_parent_id = t.id)
                                 = ARRAY(SELECT o FROM synapse.recurrence_occurrences(t.recurrence_pattern, t.recurrence_start, NULL, '$AS_OF') AS o))
       FROM synapse.tasks t WHERE t.task_id LIKE 'ORD-%' AND t.is_recurring"
}

# --- one run -------------------------------------------------------------------------------------
started=$(date +%s%N)
if out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "SET statement_timeout = '20s'" \
              -c "CALL synapse.run_recurring_generation(100, '$AS_OF')" 2>&1); then
  ok "one run with a template 739,000 occurrences behind returns (statement_timeout 20 s)"
else
  not_ok "one run with a template 739,000 occurrences behind returns (statement_timeout 20 s)" "$out"
fi
echo "# the run took $(( ($(date +%s%N) - started) / 1000000 )) ms"
is "$(ordinary_ok)" 20 "it served every ordinary template in both departments: exactly their occurrences up to as_of"
is "$(exact 1000)" "1000 1000 0 0 true" \
   "the old template made the cap (1,000): its series' first 1,000 occurrences, once each, and stays due from the next"
is "$(last_run "tasks_generated - 1000 > 0 AND finished_at IS NOT NULL")" t "the run finished and its log counts them all"
is "$(last_run batches)" 11 "ten batches of 100 for the old template, then one that claims nothing: a capped template is not claimed again"
is "$(q "SELECT recurrence_last_error IS NULL AND recurrence_generated_count = 1000 FROM synapse.tasks WHERE id = '$ANCIENT'")" t \
   "the cap is no failure: no error on the template, its count right"
is "$(q "SELECT count(*) FROM synapse.generation_overdue_templates WHERE id = '$ANCIENT'")" 1 \
   "a template still catching up shows as overdue"

# --- the next runs continue it --------------------------------------------------------------------
q "CALL synapse.run_recurring_generation(100, '$AS_OF')" >/dev/null
q "CALL synapse.run_recurring_generation(7, '$AS_OF')" >/dev/null
is "$(exact 3000)" "3000 3000 0 0 true" "two more runs (batches of 100, then of 7): the first 3,000 occurrences, none twice, none skipped"
is "$(last_run tasks_generated)" 1000 "a run with smaller batches makes the same 1,000"

# --- the setting --------------------------------------------------------------------------------
# The setting exists once the extension's library is loaded in the session (any of its
# functions loads it); a value set before that is checked when it loads.
LOADED="SELECT synapse.is_valid_recurrence_pattern('{}')"
is "$(psql_db "$DB" -c "$LOADED" -c "SHOW synapse.generation_max_instances_per_template" | tail -1)" 1000 "the cap defaults to 1000"
# (A CALL that commits must be a statement of its own, not part of a multi-statement string.)
psql_db "$DB" -c "SET synapse.generation_max_instances_per_template = 250" -c "CALL synapse.run_recurring_generation(100, '$AS_OF')"
is "$(exact 3250) $(last_run tasks_generated)" "3250 3250 0 0 true 250" "a session's cap of 250: 250 more, continuing exactly"
is "$(q "SET synapse.generation_max_instances_per_template = 30; SELECT tasks_generated FROM synapse.generate_recurring_tasks(100, '$AS_OF')")" 30 \
   "generate_recurring_tasks (one batch, one run) obeys a cap below a batch's 100"
is "$(q "SELECT tasks_generated FROM synapse.generate_recurring_tasks(100, '$AS_OF')")" 100 \
   "with the default cap one batch makes 100 (the per-batch bound)"
q "ALTER DATABASE $DB SET synapse.generation_max_instances_per_template = 150" >/dev/null
q "CALL synapse.run_recurring_generation(100, '$AS_OF')" >/dev/null
is "$(exact 3530) $(last_run tasks_generated)" "3530 3530 0 0 true 150" "a database's cap of 150 applies to a new session's run"
q "ALTER DATABASE $DB RESET synapse.generation_max_instances_per_template" >/dev/null

# --- each template has its own allowance -----------------------------------------------------------
q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
   VALUES ('$D2', 'OLD-WEEKLY', 'Weekly since 1600', '$ANN', true, '{\"frequency\":\"weekly\",\"daysOfWeek\":[2]}', '1600-01-04 10:00+00')" >/dev/null
psql_db "$DB" -c "SET synapse.generation_max_instances_per_template = 120" -c "CALL synapse.run_recurring_generation(50, '$AS_OF')"
is "$(q "SELECT string_agg(t.task_id || ' ' || (SELECT count(*) FROM synapse.tasks i WHERE i.recurrence_parent_id = t.id), ', ' ORDER BY t.task_id)
           FROM synapse.tasks t WHERE t.task_id IN ('ANCIENT', 'OLD-WEEKLY')")" "ANCIENT 3650, OLD-WEEKLY 120" \
   "two old templates in two departments each make the cap in the same run (120, in batches of 50)"
is "$(q "SELECT count(*) = count(DISTINCT (recurrence_parent_id, occurrence_at)) FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL")" t \
   "no duplicate instance anywhere"
is "$(sqlstate_of "$DB" "$LOADED; SET synapse.generation_max_instances_per_template = 0")" 22023 \
   "a cap below 1 is refused"
psql_db postgres -c "DROP ROLE IF EXISTS t24_app" >/dev/null
login_role t24_app synapse_app
is "$(psql -X -q -At -d "$DB" -U t24_app -c "SET synapse.generation_max_instances_per_template = 100000" \
          -c "$LOADED" -c "SHOW synapse.generation_max_instances_per_template" 2>&1 | tail -1)" 1000 \
   "an application login cannot raise it (a value it set before the library loaded is dropped when it loads)"
is "$(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -d "$DB" -U t24_app -c "$LOADED" \
          -c "SET synapse.generation_max_instances_per_template = 100000" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p')" 42501 \
   "nor after it loaded: 42501"
psql_db postgres -c "DROP ROLE t24_app" >/dev/null
done_testing
