#!/usr/bin/env bash
# Project task counters (migration 8, the extension's Rust trigger): what needs
# transactions of its own, so cannot run inside the pgTAP file 30_counters.sql (the rules
# one by one, savepoints, recount_project_tasks): a rolled-back transaction, a statement
# that fails at the top level, a COMMIT that must fail; and migration 8's down restoring
# migration 3's PL/pgSQL trigger, up again.
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

task T1 "$D1" "$P1" >/dev/null
task T2 "$D1" "$P1" Done >/dev/null
task T3 "$D1" "$P2" >/dev/null
is "$(counts)" "2/1 1/0 0/0" "the fixture's tasks count"

# --- a rolled-back transaction leaves nothing behind ---------------------------------------------
q "BEGIN; UPDATE synapse.tasks SET status = 'Done' WHERE project_id = '$P1'; ROLLBACK;"
is "$(counts)" "2/1 1/0 0/0" "a rolled-back transaction changes nothing"

# --- statements that fail after some rows were collected (their own transactions) -------------
BAD=b0000000-0000-4000-8000-0000000000ff
bad_insert="INSERT INTO synapse.tasks (department_id, title, creator_id, project_id)
            VALUES ('$D1', 'ok', '$ANN', '$P1'), ('$D1', 'bad', '$ANN', '$BAD')"
is "$(st "$bad_insert")" 23503 "a two-row insert whose second row fails its foreign key"
task T9 "$D1" "$P1" >/dev/null
is "$(counts)" "3/1 1/0 0/0" "an aborted statement leaves nothing collected; the next insert counts once"
is "$(psql -X -q -At -d "$DB" -c "BEGIN" -c "DROP TRIGGER tasks_apply_project_counts ON synapse.tasks" \
        -c "INSERT INTO synapse.tasks (department_id, title, creator_id, project_id) VALUES ('$D1', 'x', '$ANN', '$P1')" \
        -c "COMMIT" 2>&1 | grep -c "no statement trigger")" 1 "without the statement trigger, the commit fails rather than lose counts"
is "$(counts)" "3/1 1/0 0/0" "and nothing changed"
q "DELETE FROM synapse.tasks WHERE task_id = 'T9'"

# --- down (to 7) restores migration 3's trigger; up again ---------------------------------------------
"$ROOT/scripts/migrate.sh" --db "$DB" goto 7 >/dev/null 2>&1
is "$(trigger_function)" \
   _tasks_maintain_project_counts "down: the PL/pgSQL trigger again"
is "$(q "SELECT to_regprocedure('synapse.recount_project_tasks(uuid)') IS NULL
               AND NOT EXISTS (SELECT FROM pg_trigger WHERE tgname = 'tasks_apply_project_counts')")" t \
   "down: recount and the statement trigger are gone"
upd T2 "project_id = '$P2'"
is "$(counts)" "1/0 2/1 0/0" "down: the PL/pgSQL trigger counts"
"$ROOT/scripts/migrate.sh" --db "$DB" up >/dev/null 2>&1
is "$(trigger_function)" \
   _tasks_count_in_projects "up again: the Rust trigger"
upd T2 "project_id = '$P1'"
is "$(counts)" "2/1 1/0 0/0" "up again: the Rust trigger counts"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
