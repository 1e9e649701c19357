#!/usr/bin/env bash
# Project task counters (migration 8, the extension's Rust trigger), rule by rule: inserts,
# templates and their instances, status changes, moves between projects and departments,
# soft delete and undelete, hard delete; synapse.recount_project_tasks repairing drift,
# with bad input; migration 8's down restoring migration 3's PL/pgSQL trigger.
source "$(dirname "$0")/lib.sh"
DB=synapse_t30_counters
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }
st() { sqlstate_of "$DB" "$1"; }

D1=d0000000-0000-4000-8000-000000000001; D2=d0000000-0000-4000-8000-000000000002
ANN=a0000000-0000-4000-8000-000000000001
P1=b0000000-0000-4000-8000-000000000001; P2=b0000000-0000-4000-8000-000000000002
P3=b0000000-0000-4000-8000-000000000003
psql_db "$DB" >/dev/null <<SQL
INSERT INTO synapse.departments (id, name) VALUES ('$D1', 'Engineering'), ('$D2', 'Marketing');
INSERT INTO synapse.users (id, email, name, role, department_id) VALUES
  ('$ANN', 'ann@example.com', 'Ann', 'Manager', '$D1');
INSERT INTO synapse.projects (department_id, id, name) VALUES
  ('$D1', '$P1', 'One'), ('$D1', '$P2', 'Two'), ('$D2', '$P3', 'Three');
SQL

# counts: "P1 P2 P3" as task_count/completed_task_count each.
counts() {
  q "SELECT string_agg(task_count || '/' || completed_task_count, ' ' ORDER BY name = 'Three', name = 'Two')
       FROM synapse.projects"
}
# fresh: the same from a COUNT(*) of the tasks.
fresh() {
  q "SELECT string_agg(n || '/' || d, ' ' ORDER BY p.name = 'Three', p.name = 'Two')
       FROM synapse.projects p, LATERAL (
         SELECT count(*) AS n, count(*) FILTER (WHERE t.status = 'Done') AS d FROM synapse.tasks t
          WHERE t.department_id = p.department_id AND t.project_id = p.id
            AND NOT t.is_recurring AND t.deleted_at IS NULL) c"
}
task() {  # task EXTERNAL_ID DEPARTMENT PROJECT [STATUS]
  local project=NULL
  [ -z "$3" ] || project="'$3'"
  q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id, status)
     VALUES ('$2', '$1', 'Task $1', '$ANN', $project, '${4:-To Do}') RETURNING id"
}
trigger_function() {
  q "SELECT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname = 'tasks_maintain_project_counts'"
}
upd() { q "UPDATE synapse.tasks SET $2 WHERE task_id = '$1'"; }

is "$(trigger_function)" \
   _tasks_count_in_projects "migration 8: the counter trigger is the extension's Rust function"
is "$(q "SELECT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname = 'tasks_apply_project_counts'")" \
   _tasks_apply_project_counts "and its statement trigger applies what the row trigger collects"

# --- inserts -----------------------------------------------------------------------------------
task T1 "$D1" "$P1" >/dev/null
task T2 "$D1" "$P1" Done >/dev/null
task T3 "$D1" "" >/dev/null
is "$(counts)" "2/1 0/0 0/0" "inserts count; a Done task is also completed; a task without project counts nowhere"
q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id, is_recurring, recurrence_pattern, recurrence_start)
   VALUES ('$D1', 'TPL', 'Template', '$ANN', '$P2', true, '{\"frequency\":\"daily\"}', '2026-01-01 09:00+00')" >/dev/null
is "$(counts)" "2/1 0/0 0/0" "a recurring template is not counted"
is "$(q "SELECT tasks_generated FROM synapse.generate_recurring_tasks(100, '2026-01-03 12:00+00')")" 3 "its instances are generated"
is "$(counts)" "2/1 3/0 0/0" "instances count in the template's project"
is "$(q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id)
          SELECT '$D1', 'BULK-' || i, 'Bulk', '$ANN', CASE WHEN i % 2 = 0 THEN '$P1'::uuid ELSE '$P2'::uuid END
            FROM generate_series(1, 10) i RETURNING 1" | wc -l)" 10 "a multi-row insert"
is "$(counts)" "7/1 8/0 0/0" "a multi-row insert counts every row in its project"

# --- status ------------------------------------------------------------------------------------
upd T1 "status = 'Done'"
is "$(counts)" "7/2 8/0 0/0" "To Do -> Done: completed + 1"
upd T1 "status = 'In Progress'"
is "$(counts)" "7/1 8/0 0/0" "Done -> In Progress: completed - 1"
upd T1 "status = 'In Review'"
is "$(counts)" "7/1 8/0 0/0" "between two open statuses: nothing changes"
upd T1 "title = 'Renamed', priority = 'High'"
is "$(counts)" "7/1 8/0 0/0" "an edit of other columns: nothing changes"

# --- moves -------------------------------------------------------------------------------------
upd T2 "project_id = '$P2'"
is "$(counts)" "6/0 9/1 0/0" "a Done task moves P1 -> P2 with its completion"
upd T2 "project_id = '$P1', status = 'To Do'"
is "$(counts)" "7/0 8/0 0/0" "moved back and reopened in one UPDATE"
upd T1 "project_id = NULL"
is "$(counts)" "6/0 8/0 0/0" "out of any project"
upd T3 "project_id = '$P2', status = 'Done'"
is "$(counts)" "6/0 9/1 0/0" "from no project into one, Done"
upd T3 "department_id = '$D2', project_id = '$P3'"
is "$(counts)" "6/0 8/0 1/1" "to a project of another department"

# --- templates and instances -------------------------------------------------------------------
upd T2 "is_recurring = true, recurrence_pattern = '{\"frequency\":\"daily\"}', recurrence_start = '2026-01-01 09:00+00'"
is "$(counts)" "5/0 8/0 1/1" "a task turned into a template leaves the count"
upd T2 "is_recurring = false"
is "$(counts)" "6/0 8/0 1/1" "and joins it again as an ordinary task"
upd TPL "deleted_at = now()"
is "$(counts)" "6/0 8/0 1/1" "soft-deleting a template changes nothing"

# --- soft delete, undelete, hard delete --------------------------------------------------------
upd T3 "deleted_at = now()"
is "$(counts)" "6/0 8/0 0/0" "soft delete subtracts, completion included"
upd T3 "status = 'To Do'"
is "$(counts)" "6/0 8/0 0/0" "a soft-deleted task's status change counts nowhere"
upd T3 "deleted_at = NULL"
is "$(counts)" "6/0 8/0 1/0" "undelete adds it back with its current status"
q "DELETE FROM synapse.tasks WHERE task_id IN ('T3', 'BULK-1')"
is "$(counts)" "6/0 7/0 0/0" "hard delete subtracts"
q "DELETE FROM synapse.tasks WHERE task_id = 'T1'"
is "$(counts)" "6/0 7/0 0/0" "hard delete of a task without project: nothing"
is "$(counts)" "$(fresh)" "after all of it the counters equal a fresh count"

# --- rolled back changes leave nothing behind --------------------------------------------------
q "BEGIN; UPDATE synapse.tasks SET status = 'Done' WHERE project_id = '$P1'; ROLLBACK;"
psql_db "$DB" -c "BEGIN" -c "SAVEPOINT s" -c "UPDATE synapse.tasks SET project_id = '$P2' WHERE project_id = '$P1'" \
  -c "ROLLBACK TO SAVEPOINT s" -c "UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'T2'" -c "COMMIT"
is "$(counts)" "6/1 7/0 0/0" "a rolled-back statement and savepoint change nothing; the rest counts"

# --- statements that fail after some rows were collected -------------------------------------
BAD=b0000000-0000-4000-8000-0000000000ff
bad_insert="INSERT INTO synapse.tasks (department_id, title, creator_id, project_id)
            VALUES ('$D1', 'ok', '$ANN', '$P1'), ('$D1', 'bad', '$ANN', '$BAD')"
is "$(st "$bad_insert")" 23503 "a two-row insert whose second row fails its foreign key"
q "DO \$\$ BEGIN $bad_insert; EXCEPTION WHEN foreign_key_violation THEN NULL; END \$\$"
task T9 "$D1" "$P1" >/dev/null
is "$(counts)" "7/1 7/0 0/0" "an aborted statement or subtransaction leaves nothing collected; the next insert counts once"
is "$(psql -X -q -At -d "$DB" -c "BEGIN" -c "DROP TRIGGER tasks_apply_project_counts ON synapse.tasks" \
        -c "INSERT INTO synapse.tasks (department_id, title, creator_id, project_id) VALUES ('$D1', 'x', '$ANN', '$P1')" \
        -c "COMMIT" 2>&1 | grep -c "no statement trigger")" 1 "without the statement trigger, the commit fails rather than lose counts"
is "$(counts)" "7/1 7/0 0/0" "and nothing changed"
q "DELETE FROM synapse.tasks WHERE task_id = 'T9'"

# --- recount_project_tasks ---------------------------------------------------------------------
is "$(q "SELECT synapse.recount_project_tasks()")" 0 "recount: nothing to correct"
q "UPDATE synapse.projects SET task_count = 40, completed_task_count = 30 WHERE id = '$P1'"
q "UPDATE synapse.projects SET task_count = 0, completed_task_count = 0 WHERE id = '$P2'"
is "$(q "SELECT synapse.recount_project_tasks('$P2')")" 1 "recount of one project corrects it"
is "$(counts)" "40/30 7/0 0/0" "and only it"
is "$(q "SELECT synapse.recount_project_tasks(NULL)")" 1 "recount of every project corrects the other"
is "$(counts)" "6/1 7/0 0/0" "drift repaired"
is "$(q "SELECT synapse.recount_project_tasks()")" 0 "a second recount corrects nothing"
is "$(st "SELECT synapse.recount_project_tasks('b0000000-0000-4000-8000-0000000000ff')")" 22023 "an unknown project: 22023"
is "$(st "SELECT synapse.recount_project_tasks('not-a-uuid')")" 22P02 "not a uuid: 22P02"
is "$(q "SELECT provolatile FROM pg_proc WHERE oid = 'synapse.recount_project_tasks(uuid)'::regprocedure")" v "recount is volatile"

# --- the trigger function on its own -----------------------------------------------------------
is "$(st "SELECT synapse._tasks_count_in_projects()")" XX000 "called outside a trigger: refused (pgrx raises XX000)"

# --- down (to 7) restores migration 3's trigger; up again ---------------------------------------------
"$ROOT/scripts/migrate.sh" --db "$DB" goto 7 >/dev/null 2>&1
is "$(trigger_function)" \
   _tasks_maintain_project_counts "down: the PL/pgSQL trigger again"
is "$(q "SELECT to_regprocedure('synapse.recount_project_tasks(uuid)') IS NULL
               AND NOT EXISTS (SELECT FROM pg_trigger WHERE tgname = 'tasks_apply_project_counts')")" t \
   "down: recount and the statement trigger are gone"
upd T2 "project_id = '$P2'"
is "$(counts)" "5/0 8/1 0/0" "down: the PL/pgSQL trigger counts"
"$ROOT/scripts/migrate.sh" --db "$DB" up >/dev/null 2>&1
is "$(trigger_function)" \
   _tasks_count_in_projects "up again: the Rust trigger"
upd T2 "project_id = '$P1'"
is "$(counts)" "6/1 7/0 0/0" "up again: the Rust trigger counts"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
