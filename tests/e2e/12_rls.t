#!/usr/bin/env bash
# Row-level security, seen from real connections of LOGIN roles that are members of
# synapse_app (and synapse_readonly), acting for different Synapse users on the seed
# data: department isolation for reads and writes, the creator/assignee/manager/admin
# write rule, nothing visible without synapse.set_current_user, and an identity that ends
# with its transaction.
source "$(dirname "$0")/lib.sh"
DB=synapse_t12_rls
API=t12_api; REPORT=t12_report
rls_db "$DB" "$API" "$REPORT"
q() { psql_db "$DB" -c "$1"; }
uid() { q "SELECT md5('dev:user:$1')::uuid"; }
SOFIA=$(uid sofia); LIAM=$(uid liam); BHARATH=$(uid bharath); PRIYA=$(uid priya); RAGHU=$(uid raghu)
ENG=$(q "SELECT md5('dev:dept:eng')::uuid"); MKT=$(q "SELECT md5('dev:dept:mkt')::uuid")

# as ROLE USER_UUID SQL [END] / state ...: see login_as and login_state in lib.sh.
as() { login_as "$DB" "$@"; }
state() { login_state "$DB" "$@"; }
# changed USER_UUID SQL: rows a data-changing statement affected, for $API (rolled back).
changed() { as "$API" "$1" "WITH x AS ($2 RETURNING 1) SELECT count(*) FROM x" ROLLBACK; }
title_of() { q "SELECT title FROM synapse.tasks WHERE task_id = '$1'"; }

# --- nothing without a current user ---------------------------------------------------------
for t in tasks projects task_assignees task_dependencies comments; do
  is "$(as "$API" "" "SELECT count(*) FROM synapse.$t")" 0 "no current user: $t shows nothing"
done
is "$(changed "" "UPDATE synapse.tasks SET title = 'x'")" 0 "no current user: updates nothing"

# --- reads: own department only, Admin everything -------------------------------------------
is "$(as "$API" "$SOFIA" "SELECT count(*) || ' ' || count(DISTINCT department_id) || ' ' || bool_and(department_id = '$ENG') FROM synapse.tasks")" \
   "13 1 true" "a member reads exactly her department's 13 tasks"
is "$(as "$API" "$SOFIA" "SELECT count(*) FROM synapse.tasks WHERE task_id = 'MKT-201'")" 0 "another department's task is invisible"
is "$(as "$API" "$SOFIA" "SELECT count(*) FROM synapse.comments WHERE department_id <> '$ENG'")" 0 "another department's comments are invisible"
is "$(as "$API" "$SOFIA" "SELECT count(*) FROM synapse.projects")" 2 "projects of her department only"
is "$(as "$API" "$RAGHU" "SELECT count(*) || ' ' || bool_and(department_id = '$MKT') FROM synapse.tasks")" "8 true" \
   "a manager reads his own department only"
is "$(as "$API" "$PRIYA" "SELECT count(*) || ' ' || count(DISTINCT department_id) FROM synapse.tasks")" "36 4" "an Admin reads all departments"

# --- writes across departments are impossible ----------------------------------------------------
before=$(title_of MKT-201)
is "$(changed "$SOFIA" "UPDATE synapse.tasks SET title = 'hijacked' WHERE task_id = 'MKT-201'")" 0 "cannot update another department's task"
is "$(changed "$SOFIA" "DELETE FROM synapse.tasks WHERE task_id = 'MKT-201'")" 0 "cannot delete another department's task"
is "$(changed "$BHARATH" "UPDATE synapse.tasks SET title = 'hijacked' WHERE department_id = '$MKT'")" 0 \
   "a manager cannot update another department's tasks"
as "$API" "$SOFIA" "UPDATE synapse.tasks SET title = 'hijacked' WHERE task_id = 'MKT-201'" >/dev/null
is "$(title_of MKT-201)" "$before" "the other department's task is unchanged"
is "$(state "$API" "$SOFIA" "INSERT INTO synapse.tasks (department_id, title, creator_id) VALUES ('$MKT', 'x', '$SOFIA')" ROLLBACK)" 42501 \
   "cannot create a task in another department"
is "$(state "$API" "$LIAM" "UPDATE synapse.tasks SET department_id = '$MKT' WHERE task_id = 'ENG-109'" ROLLBACK)" 42501 \
   "cannot move an own task into another department"
is "$(state "$API" "$SOFIA" "INSERT INTO synapse.task_assignees (department_id, task_id, user_id) SELECT department_id, id, md5('dev:user:chen')::uuid FROM synapse.tasks WHERE task_id = 'ENG-103'" ROLLBACK)" "" \
   "(control) she may assign a colleague to her own task"
is "$(state "$API" "$SOFIA" "INSERT INTO synapse.task_assignees (department_id, task_id, user_id) VALUES ('$MKT', md5('dev:task:MKT-201')::uuid, '$SOFIA')" ROLLBACK)" 42501 \
   "cannot assign herself to another department's task"
is "$(state "$API" "$SOFIA" "INSERT INTO synapse.comments (department_id, task_id, user_id, content) VALUES ('$MKT', md5('dev:task:MKT-201')::uuid, '$SOFIA', 'hi')" ROLLBACK)" 42501 \
   "cannot comment on another department's task"

# --- writes inside the department: creator, assignee, manager, admin ----------------------------------
is "$(state "$API" "$SOFIA" "INSERT INTO synapse.tasks (department_id, title, creator_id) VALUES ('$ENG', 'mine', '$SOFIA')" ROLLBACK)" "" \
   "a member creates a task as herself"
is "$(state "$API" "$SOFIA" "INSERT INTO synapse.tasks (department_id, title, creator_id) VALUES ('$ENG', 'forged', '$LIAM')" ROLLBACK)" 42501 \
   "a member cannot create a task in someone else's name"
is "$(changed "$SOFIA" "UPDATE synapse.tasks SET status = 'In Progress' WHERE task_id = 'ENG-103'")" 1 "the creator updates her task"
is "$(changed "$SOFIA" "UPDATE synapse.tasks SET status = 'In Review' WHERE task_id = 'ENG-101'")" 1 "an assignee updates the task"
is "$(changed "$SOFIA" "UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'ENG-104'")" 0 \
   "a member neither creator nor assignee cannot update it"
is "$(changed "$SOFIA" "DELETE FROM synapse.task_assignees WHERE task_id = md5('dev:task:ENG-104')::uuid")" 0 \
   "nor change its assignees"
is "$(changed "$BHARATH" "UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'ENG-104'")" 1 "the department's manager updates any of its tasks"
is "$(changed "$PRIYA" "UPDATE synapse.tasks SET priority = 'Low' WHERE task_id = 'MKT-201'")" 1 "an Admin updates any task"
is "$(state "$API" "$SOFIA" "INSERT INTO synapse.comments (department_id, task_id, user_id, content) VALUES ('$ENG', md5('dev:task:ENG-104')::uuid, '$LIAM', 'forged')" ROLLBACK)" 42501 \
   "a comment cannot be written in someone else's name"
is "$(changed "$SOFIA" "DELETE FROM synapse.comments WHERE id = md5('dev:comment:c3')::uuid")" 0 "a member cannot delete someone else's comment"
is "$(changed "$BHARATH" "DELETE FROM synapse.comments WHERE id = md5('dev:comment:c3')::uuid")" 1 "the manager can"

# Counters stay right under RLS (the trigger may update the project she cannot write).
as "$API" "$SOFIA" "UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'ENG-103'" >/dev/null
is "$(q "SELECT task_count || '/' || completed_task_count FROM synapse.projects WHERE id = md5('dev:project:api')::uuid")" 5/2 \
   "a member's change updates the project counters"

# --- the identity is transaction-local -----------------------------------------------------------------
out=$(psql -X -q -At -d "$DB" -U "$API" <<SQL 2>/dev/null
BEGIN;
SELECT synapse.set_current_user('$SOFIA') \g /dev/null
SELECT 'in', count(*) FROM synapse.tasks;
COMMIT;
SELECT 'after', count(*) FROM synapse.tasks;
SELECT 'setting', coalesce(current_setting('synapse.current_user_id', true), '<none>');
SELECT synapse.set_current_user('$SOFIA') \g /dev/null
SELECT 'autocommit', count(*) FROM synapse.tasks;
SQL
)
is "$out" "$(printf 'in|13\nafter|0\nsetting|\nautocommit|0')" \
   "the identity ends with COMMIT, and never outlives the statement's own transaction"
is "$(state "$API" "" "BEGIN; SELECT synapse.set_current_user('$SOFIA'); ROLLBACK; SELECT 1/(count(*) = 0)::int FROM synapse.tasks")" "" \
   "and with ROLLBACK"
is "$(state "$API" "00000000-0000-4000-8000-000000000000" "SELECT 1")" 28000 "an unknown user cannot be set"
is "$(as "$API" "$SOFIA" "SELECT count(*) > 0, pg_current_xact_id_if_assigned() IS NULL FROM synapse.tasks")" "t|t" \
   "setting the identity and reading take no transaction id (a read-only transaction stays one: a hot standby serves it)"

# --- other roles ---------------------------------------------------------------------------------------
is "$(as "$REPORT" "" "SELECT count(*) FROM synapse.tasks")" 36 "synapse_readonly reports over all departments"
is "$(state "$REPORT" "" "UPDATE synapse.tasks SET title = 'x'")" 42501 "synapse_readonly cannot write"
is "$(state "$API" "" "CREATE TABLE synapse.t12_x (id int)")" 42501 "synapse_app cannot create tables"
is "$(state "$API" "" "DROP TABLE synapse.comments")" 42501 "synapse_app cannot drop tables"
is "$(state "$API" "" "TRUNCATE synapse.tasks")" 42501 "synapse_app cannot truncate"
is "$(state "$API" "$PRIYA" "DELETE FROM synapse.users WHERE id = '$LIAM'")" 23001 "users cannot be hard-deleted, even by an Admin"

# --- the identity settings (read-only views since migration 14 and synapse_ext 0.3.0) -------------------
# Until migration 14 the application set them itself; now only the extension sets the
# identity (docs/security.md), and a value set by hand is refused or dropped.
# A fresh connection has not loaded synapse_ext yet: a setting is a placeholder anyone may
# set, and the extension drops a value its setter had no right to (a WARNING) when it loads.
is "$(as "$API" "" "SET LOCAL synapse.current_user_id = '$SOFIA'; SET LOCAL synapse.current_department_id = '$ENG';
                    SET LOCAL synapse.current_user_role = 'Member'; SELECT count(*) FROM synapse.tasks" | tail -1)" 0 \
   "the settings set by hand before the extension loaded give no identity: nothing visible"
is "$(as "$API" "$SOFIA" "SELECT current_setting('synapse.current_user_id') = '$SOFIA' AND current_setting('synapse.current_department_id') = '$ENG' AND current_setting('synapse.current_user_role') = 'Member'")" t \
   "set_current_user shows the user, department and role in the settings"
# Once synapse_ext is loaded in the session (any of its functions ran, e.g. a policy's
# helper), setting them is refused.
is "$(state "$API" "$SOFIA" "SELECT count(*) FROM synapse.tasks; SET LOCAL synapse.current_department_id = '$MKT'")" 42501 \
   "the department setting is read-only (42501)"
is "$(state "$API" "$SOFIA" "SELECT count(*) FROM synapse.tasks; SET LOCAL synapse.current_user_role = 'Admin'")" 42501 \
   "the role setting is read-only (42501)"
is "$(as "$API" "" "SET LOCAL synapse.current_user_id = '$SOFIA'; SET LOCAL synapse.current_department_id = 'engineering';
                    SET LOCAL synapse.current_user_role = 'Member'; SELECT count(*) FROM synapse.tasks" | tail -1)" 0 \
   "a malformed value set before the extension loaded is dropped as well: nothing visible"

out=$(psql -X -q -At -d "$DB" -U "$API" <<SQL 2>&1
BEGIN;
SELECT synapse.set_current_user('$SOFIA') \g /dev/null
SAVEPOINT s;
SELECT synapse.set_current_user('$PRIYA') \g /dev/null
SELECT 'admin', count(*) FROM synapse.tasks;
ROLLBACK TO SAVEPOINT s;
SELECT 'back', count(*) FROM synapse.tasks;
SAVEPOINT t;
SELECT synapse.set_current_user(NULL) \g /dev/null
RELEASE SAVEPOINT t;
SELECT 'cleared', count(*) FROM synapse.tasks;
COMMIT;
SQL
)
is "$out" "$(printf 'admin|36\nback|13\ncleared|0')" \
   "a set_current_user rolled back to a savepoint restores the previous identity; a released one stays"

# The change is an Admin's (migration 14: nobody changes their own role or department), in
# another session (\!) while Sofia's transaction runs.
out=$(psql -X -q -At -d "$DB" -U "$API" <<SQL 2>&1
BEGIN;
SELECT synapse.set_current_user('$SOFIA') \g /dev/null
\! psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -U "$API" -c "BEGIN" -c "SELECT synapse.set_current_user('$PRIYA')" -c "UPDATE synapse.users SET role = 'Admin', department_id = '$MKT' WHERE id = '$SOFIA'" -c "COMMIT" >/dev/null
SELECT 'same', count(*) || ' ' || bool_and(department_id = '$ENG') FROM synapse.tasks;
COMMIT;
BEGIN;
SELECT synapse.set_current_user('$SOFIA') \g /dev/null
SELECT 'next', count(*) FROM synapse.tasks;
COMMIT;
SQL
)
q "UPDATE synapse.users SET role = 'Member', department_id = '$ENG' WHERE id = '$SOFIA'" >/dev/null
is "$out" "$(printf 'same|13 true\nnext|36')" \
   "a role or department change takes effect from the user's next transaction"
q "UPDATE synapse.users SET deleted_at = now() WHERE id = '$LIAM'" >/dev/null
is "$(state "$API" "$LIAM" "SELECT 1")" 28000 "a deleted (deactivated) user is refused by set_current_user"
q "UPDATE synapse.users SET deleted_at = NULL WHERE id = '$LIAM'" >/dev/null
out=$(psql -X -q -At -d "$DB" -U "$API" <<SQL 2>/dev/null
BEGIN;
SELECT synapse.set_current_user('$PRIYA') \g /dev/null
COMMIT;
SELECT current_setting('synapse.current_user_id') || '|' || current_setting('synapse.current_department_id')
       || '|' || current_setting('synapse.current_user_role');
SQL
)
is "$out" "||" "after COMMIT all three identity settings are empty"

# Department-filtered reads go through the department index (policy and filter both index conditions).
plan=$(as "$API" "$SOFIA" "SET LOCAL enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT * FROM synapse.tasks WHERE department_id = '$ENG'")
grep -q "Index Cond: .*department_id = " <<<"$plan" && grep -q "_rls_departments_from()" <<<"$plan" && ! grep -q "Filter" <<<"$plan" &&
  ok "the read policy is an index condition, with no per-row filter" ||
  not_ok "the read policy is an index condition, with no per-row filter" "$plan"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
psql_db postgres -c "DROP ROLE IF EXISTS $API" -c "DROP ROLE IF EXISTS $REPORT"
done_testing
