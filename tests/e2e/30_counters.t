#!/usr/bin/env bash
# Project task counters (migration 8, the extension's Rust trigger): what needs
# transactions of its own, so cannot run inside the pgTAP file 30_counters.sql (the rules
# one by one, savepoints, recount_project_tasks): a rolled-back transaction, a statement
# that fails at the top level, a COMMIT that must fail; migration 16's deltas as the
# application sees them (a login of synapse_app), a merge skipping a project whose row
# another transaction holds, migration 16's down merging what is pending; and migration 8's
# down restoring migration 3's PL/pgSQL trigger, up again.
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

# --- migration 16: the application and the deltas ---------------------------------------------------
# Ann (Manager of D1) through a login of synapse_app: exact counters with deltas pending,
# her project renamed through the view; the counters change only with the tasks; the
# deltas are read within her department and never written.
API=t30_counters_api
psql_db postgres -c "DROP ROLE IF EXISTS $API"
login_role "$API" synapse_app
as() { login_as "$DB" "$@"; }
state() { login_state "$DB" "$@"; }
task M1 "$D2" "$P3" >/dev/null
is "$(q "SELECT count(*) > 0 FROM synapse.project_count_deltas WHERE department_id = '$D1'")/$(q "SELECT count(*) > 0 FROM synapse.project_count_deltas WHERE department_id = '$D2'")" \
   "t/t" "deltas are pending in both departments"
is "$(as "$API" "$ANN" "SELECT string_agg(name || '=' || task_count || '/' || completed_task_count, ' ' ORDER BY name) FROM synapse.projects")" \
   "One=2/1 Two=1/0" "the application reads its department's projects, counters exact with deltas pending"
is "$(as "$API" "$ANN" "INSERT INTO synapse.tasks (department_id, title, creator_id, project_id) VALUES ('$D1', 'x', '$ANN', '$P2') RETURNING (SELECT 1);
                         SELECT task_count FROM synapse.projects WHERE id = '$P2'" ROLLBACK | tail -1)" 2 \
   "its insert of a task counts (the trigger appends as the table's owner)"
is "$(as "$API" "$ANN" "UPDATE synapse.projects SET name = 'One renamed' WHERE id = '$P1' RETURNING name || '=' || task_count || '/' || completed_task_count" ROLLBACK)" \
   "One renamed=2/1" "it renames its project through the view (RETURNING shows the counters)"
is "$(state "$API" "$ANN" "UPDATE synapse.projects SET task_count = 0 WHERE id = '$P1'")" 42501 "it cannot set the counters (42501)"
is "$(as "$API" "$ANN" "SELECT count(*) FROM synapse.project_count_deltas WHERE department_id = '$D2'")" 0 \
   "it reads no delta of another department"
is "$(state "$API" "$ANN" "INSERT INTO synapse.project_count_deltas (department_id, project_id, tasks, completed) VALUES ('$D1', '$P1', 9, 0)")" \
   42501 "it cannot add a delta"
is "$(state "$API" "$ANN" "DELETE FROM synapse.project_count_deltas")" 42501 "nor delete one"
is "$(state "$API" "$ANN" "SELECT synapse.merge_project_count_deltas()")" 42501 "nor run the merge"
is "$(counts)" "2/1 1/0 1/0" "the counters as the superuser sees them"

# --- the merge skips a project whose row another transaction holds ---------------------------------
# A second session holds P1's row (as the application's UPDATE of a project would) until
# told to let go; the merge folds the others and leaves P1's deltas for the next time.
signals=$(mktemp -d)
psql -X -q -d "$DB" >/dev/null <<SQL &
BEGIN;
SELECT 1 FROM synapse.projects_base WHERE id = '$P1' FOR NO KEY UPDATE;
\! touch $signals/held
\! while [ ! -f $signals/release ]; do sleep 0.1; done
COMMIT;
SQL
holder=$!
while [ ! -f "$signals/held" ]; do sleep 0.1; done
p1_pending=$(q "SELECT count(*) FROM synapse.project_count_deltas WHERE project_id = '$P1'")
all_pending=$(q "SELECT count(*) FROM synapse.project_count_deltas")
is "$(PGOPTIONS="$PGOPTIONS -c statement_timeout=20s" q "SELECT synapse.merge_project_count_deltas()")" "$((all_pending - p1_pending))" \
   "the merge does not wait: it folds every project's deltas but P1's"
is "$(q "SELECT count(*) FROM synapse.project_count_deltas")" "$p1_pending" "P1's stay pending"
is "$(counts)" "2/1 1/0 1/0" "and nothing changes for a reader"
touch "$signals/release"; wait $holder; rm -rf "$signals"
is "$(q "SELECT synapse.merge_project_count_deltas()")" "$p1_pending" "once the row is free, the next merge folds P1's"
is "$(q "SELECT string_agg(task_count || '/' || completed_task_count, ' ' ORDER BY name = 'Three', name = 'Two') FROM synapse.projects_base")" \
   "2/1 1/0 1/0" "the base counters are the counts"

# --- migration 16's down merges what is pending; up again -------------------------------------------
# The migration before the deltas' (whatever numbers they have).
before_deltas=$(ls "$ROOT"/sql/migrations/*.up.sql | sed 's#.*/##' | sort |
                awk '/_project_count_deltas\.up\.sql$/ {print prev + 0; exit} {prev = $0}')
upd T1 "status = 'Done'"
task T8 "$D1" "$P2" Done >/dev/null
is "$(q "SELECT count(*) FROM synapse.project_count_deltas")" 2 "two deltas pending"
"$ROOT/scripts/migrate.sh" --db "$DB" goto "$before_deltas" >/dev/null 2>&1
is "$(q "SELECT relkind FROM pg_class WHERE oid = 'synapse.projects'::regclass") $(q "SELECT to_regclass('synapse.project_count_deltas') IS NULL")" "r t" \
   "down: synapse.projects is the table again, the deltas are gone"
is "$(counts)" "2/2 2/1 1/0" "down: the pending deltas were merged into it"
upd T8 "status = 'To Do'"
is "$(counts)" "2/2 2/0 1/0" "down: the statement trigger updates the project row again"
"$ROOT/scripts/migrate.sh" --db "$DB" up >/dev/null 2>&1
is "$(q "SELECT relkind FROM pg_class WHERE oid = 'synapse.projects'::regclass")/$(counts)" "v/2/2 2/0 1/0" "up again: the view, the same counts"
upd T8 "status = 'Done'"
is "$(counts)/$(q "SELECT count(*) FROM synapse.project_count_deltas")" "2/2 2/1 1/0/1" "up again: a delta appended, counted"
q "DELETE FROM synapse.tasks WHERE task_id IN ('T8', 'M1')"
upd T1 "status = 'To Do'"
psql_db postgres -c "DROP ROLE $API"

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
is "$(st "SELECT synapse.schedule_project_count_merge()")/$(st "SELECT synapse.unschedule_project_count_merge()")" 55000/55000 \
   "scheduling or unscheduling the merge without pg_cron in this database: 55000"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
