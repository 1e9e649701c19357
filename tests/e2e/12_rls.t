#!/usr/bin/env bash
# Row-level security: what needs connections or transactions of its own, so cannot run
# inside the pgTAP file 12_rls.sql (reads and writes per department and role, the identity's
# rules, the groups' limits, the read policy's plan), through real connections of a LOGIN
# role in synapse_app acting for seed users: an identity that ends with its transaction
# (COMMIT, ROLLBACK, autocommit), a transaction that sets it and reads takes no transaction
# id, identity settings set by hand before the library loaded, and a role or department
# change made by an Admin in a concurrent session.
source "$(dirname "$0")/lib.sh"
DB=synapse_t12_rls
API=t12_api; REPORT=t12_report
rls_db "$DB" "$API" "$REPORT"
q() { psql_db "$DB" -c "$1"; }
uid() { q "SELECT md5('dev:user:$1')::uuid"; }
SOFIA=$(uid sofia); PRIYA=$(uid priya)
ENG=$(q "SELECT md5('dev:dept:eng')::uuid"); MKT=$(q "SELECT md5('dev:dept:mkt')::uuid")

# as ROLE USER_UUID SQL [END] / state ...: see login_as and login_state in lib.sh.
as() { login_as "$DB" "$@"; }
state() { login_state "$DB" "$@"; }

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
is "$(as "$API" "$SOFIA" "SELECT count(*) > 0, pg_current_xact_id_if_assigned() IS NULL FROM synapse.tasks")" "t|t" \
   "setting the identity and reading take no transaction id (a read-only transaction stays one: a hot standby serves it)"

# --- identity settings set by hand before the extension loaded -------------------------------------------
# A fresh connection has not loaded synapse_ext yet: a setting is a placeholder anyone may
# set, and the extension drops a value its setter had no right to (a WARNING) when it loads.
is "$(as "$API" "" "SET LOCAL synapse.current_user_id = '$SOFIA'; SET LOCAL synapse.current_department_id = '$ENG';
                    SET LOCAL synapse.current_user_role = 'Member'; SELECT count(*) FROM synapse.tasks" | tail -1)" 0 \
   "the settings set by hand before the extension loaded give no identity: nothing visible"
is "$(as "$API" "" "SET LOCAL synapse.current_user_id = '$SOFIA'; SET LOCAL synapse.current_department_id = 'engineering';
                    SET LOCAL synapse.current_user_role = 'Member'; SELECT count(*) FROM synapse.tasks" | tail -1)" 0 \
   "a malformed value set before the extension loaded is dropped as well: nothing visible"

# --- a role or department change, by an Admin in another session -----------------------------------------
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
out=$(psql -X -q -At -d "$DB" -U "$API" <<SQL 2>/dev/null
BEGIN;
SELECT synapse.set_current_user('$PRIYA') \g /dev/null
COMMIT;
SELECT current_setting('synapse.current_user_id') || '|' || current_setting('synapse.current_department_id')
       || '|' || current_setting('synapse.current_user_role');
SQL
)
is "$out" "||" "after COMMIT all three identity settings are empty"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
psql_db postgres -c "DROP ROLE IF EXISTS $API" -c "DROP ROLE IF EXISTS $REPORT"
done_testing
