# Recurring generation on the distributed schema (sourced by tests/citus/check.sh after
# its RLS checks; uses its helpers sql, is, ok, not_ok, try, as_user, diag and $COORD).
#
# The same templates are loaded into the Citus database and into the single-node baseline
# (synapse_single); the same generation runs on both must give the same instances, once
# each, on the template's own shard, also with two generators at once; row-level security
# still holds for the instances.

# 400 templates over the four seed departments (two assignees each), due in the past week.
gen_fixture="INSERT INTO synapse.tasks (department_id, id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
SELECT d.id, md5('citus:tpl:' || i)::uuid, 'CITUS-' || i, 'Citus template ' || i, md5('dev:user:priya')::uuid, true,
       (ARRAY['{\"frequency\": \"daily\"}', '{\"frequency\": \"weekly\", \"daysOfWeek\": [1, 3, 5], \"timezone\": \"Europe/Berlin\"}',
              '{\"frequency\": \"daily\", \"catchUp\": \"latest\"}', '{\"frequency\": \"monthly\", \"dayOfMonth\": -1}'])[1 + i % 4]::jsonb,
       timestamptz '2026-05-01 09:00+00' + (i % 24) * interval '1 hour'
  FROM generate_series(1, 400) AS i
  JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM synapse.departments WHERE name IN ('Engineering', 'Marketing', 'Sales', 'Operations')) AS d
    ON d.k = i % 4;
INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
SELECT t.department_id, t.id, u.id
  FROM synapse.tasks t
  JOIN LATERAL (SELECT id FROM synapse.users WHERE department_id = t.department_id ORDER BY id LIMIT 2) AS u ON true
 WHERE t.task_id LIKE 'CITUS-%';"
try "400 templates with assignees load into the distributed tables" $COORD -c "$gen_fixture"
DB=synapse_single sql $COORD -c "$gen_fixture" >/dev/null

instances="SELECT md5(string_agg(t.task_id || '|' || i.task_id || '|' || i.occurrence_at || '|' || i.department_id || '|'
                                 || (SELECT string_agg(a.user_id::text, ',' ORDER BY a.user_id) FROM synapse.task_assignees a
                                      WHERE a.department_id = i.department_id AND a.task_id = i.id), ';' ORDER BY i.task_id))
                      || ' ' || count(*)
             FROM synapse.tasks i JOIN synapse.tasks t ON t.department_id = i.department_id AND t.id = i.recurrence_parent_id"
AS_OF_A='2026-05-20 12:00+00'
try "CALL synapse.run_recurring_generation() runs on the Citus coordinator" $COORD -c "CALL synapse.run_recurring_generation(100, '$AS_OF_A')"
DB=synapse_single sql $COORD -c "CALL synapse.run_recurring_generation(100, '$AS_OF_A')" >/dev/null
single=$(DB=synapse_single sql $COORD -c "$instances")
is "$(sql $COORD -c "$instances")" "$single" "the instances (ids, occurrences, departments, assignees) equal the single-node run ($single)"
is "$(sql $COORD -c "SELECT count(*) FROM synapse.tasks i JOIN synapse.tasks t ON t.department_id = i.department_id AND t.id = i.recurrence_parent_id
                      WHERE get_shard_id_for_distribution_column('synapse.tasks', i.department_id)
                         <> get_shard_id_for_distribution_column('synapse.tasks', t.department_id)")" 0 \
   "every instance lands on its template's shard"
is "$(sql $COORD -c "SELECT tasks_generated FROM synapse.generate_recurring_tasks(1000, '$AS_OF_A')")" 0 "a second run makes nothing (exactly once)"
is "$(sql $COORD -c "SELECT count(*) FROM synapse.tasks WHERE recurrence_last_error IS NOT NULL")" 0 "no template failed on Citus"
# Migration 17 on the shards: generation gives its assignments' "my tasks" copies, checked
# once per statement; copies given wrong are read from the task again there too.
wrong_copies="SELECT count(*) FROM synapse.task_assignees a JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
               WHERE (a.task_open, a.task_due_key, a.task_priority)
                     IS DISTINCT FROM (synapse._task_is_open(t.status, t.deleted_at, t.is_recurring), coalesce(t.due_date, 'infinity'), t.priority)"
is "$(sql $COORD -c "$wrong_copies")" 0 "every assignment's copies equal its task's facts on Citus (the generator gave them)"
# (The same assignments go into the single-node database, whose instances later checks compare.)
wrong_assignments="INSERT INTO synapse.task_assignees (department_id, task_id, user_id, task_open, task_due_key, task_priority)
               SELECT i.department_id, i.id, md5('dev:user:priya')::uuid, NOT synapse._task_is_open(i.status, i.deleted_at, i.is_recurring),
                      '1999-01-01 00:00+00', CASE WHEN i.priority = 'Low' THEN 'Urgent' ELSE 'Low' END::synapse.task_priority
                 FROM synapse.tasks i JOIN synapse.tasks t ON t.department_id = i.department_id AND t.id = i.recurrence_parent_id
                WHERE t.task_id IN ('CITUS-1', 'CITUS-2', 'CITUS-3', 'CITUS-4')
                  AND NOT EXISTS (SELECT 1 FROM synapse.task_assignees a
                                   WHERE a.department_id = i.department_id AND a.task_id = i.id AND a.user_id = md5('dev:user:priya')::uuid)"
for db in synapse synapse_single; do DB=$db sql $COORD -c "$wrong_assignments" >/dev/null; done
is "$(sql $COORD -c "$wrong_copies") $(sql $COORD -c "SELECT count(*) > 0 FROM synapse.task_assignees WHERE user_id = md5('dev:user:priya')::uuid")" "0 t" \
   "copies given wrong on Citus, in four departments in one statement, are read from the tasks again"

# Two generators at once: per-department claims split the work on the shards too.
AS_OF_B='2026-06-10 12:00+00'
psql -X -q -v ON_ERROR_STOP=1 -p $COORD -d synapse -c "CALL synapse.run_recurring_generation(20, '$AS_OF_B')" >/tmp/citus_gen_a.$$ 2>&1 & ga=$!
psql -X -q -v ON_ERROR_STOP=1 -p $COORD -d synapse -c "CALL synapse.run_recurring_generation(20, '$AS_OF_B')" >/tmp/citus_gen_b.$$ 2>&1 & gb=$!
if wait $ga && wait $gb; then ok "two generators at once both finish on Citus"
else not_ok "two generators at once both finish on Citus" "$(cat /tmp/citus_gen_a.$$ /tmp/citus_gen_b.$$)"; fi
rm -f /tmp/citus_gen_a.$$ /tmp/citus_gen_b.$$
DB=synapse_single sql $COORD -c "CALL synapse.run_recurring_generation(100, '$AS_OF_B')" >/dev/null
is "$(sql $COORD -c "$instances")" "$(DB=synapse_single sql $COORD -c "$instances")" \
   "after two concurrent generators the instances still equal the single-node run (no duplicate, none missed)"
is "$(sql $COORD -c "SELECT count(*) FROM synapse.generation_runs WHERE finished_at IS NOT NULL AND as_of = '$AS_OF_B' AND templates_processed > 0")" 2 \
   "both runs claimed templates"

# Row-level security still holds for generated instances.
is "$(as_user sofia "SELECT count(*) || '/' || count(DISTINCT department_id) FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL")" \
   "$(sql $COORD -c "SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL AND department_id = $eng")/1" \
   "an Engineering member sees exactly Engineering's instances"
