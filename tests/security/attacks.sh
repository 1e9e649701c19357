# The attacks of issue 21 and their neighbours, each refused with its SQLSTATE, by an
# attacker who can run any SQL on an application connection (a LOGIN member of
# synapse_app) acting for an Engineering Member, and by the other groups. Sourced by
# 10_trusted.t and 11_signed.t, which set MODE; everything else is the same in both modes.
wall_db "sec_$MODE" "$MODE"
uid() { q "SELECT md5('dev:user:$1')::uuid"; }
SOFIA=$(uid sofia); LIAM=$(uid liam); CHEN=$(uid chen); BHARATH=$(uid bharath); PRIYA=$(uid priya)
AISHA=$(uid aisha); RAGHU=$(uid raghu)
ENG=$(q "SELECT md5('dev:dept:eng')::uuid"); MKT=$(q "SELECT md5('dev:dept:mkt')::uuid")
task() { echo "md5('dev:task:$1')::uuid"; }

# Sessions, mailboxes and their log (the seed has none), templates overdue and failing.
q "INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, created_at, expires_at, revoked_at) VALUES
     ('$SOFIA', sha256('sofia-refresh'), now(), now() + interval '1 day', NULL),
     ('$LIAM', sha256('liam-refresh'), now(), now() + interval '1 day', NULL),
     ('$PRIYA', sha256('priya-refresh'), now(), now() + interval '1 day', NULL),
     ('$LIAM', sha256('liam-revoked'), now(), now() + interval '1 day', now()),
     ('$LIAM', sha256('liam-expired'), now() - interval '2 hours', now() - interval '1 hour', NULL)" >/dev/null
SOFIA_MAIL=$(q "INSERT INTO synapse.email_integrations (user_id, provider, email, access_token_encrypted, refresh_token_encrypted, encryption_key_id, status)
                VALUES ('$SOFIA', 'outlook', 'sofia.martins@example.com', '\\x01', '\\x02', 'kms-1', 'connected') RETURNING integration_id")
AISHA_MAIL=$(q "INSERT INTO synapse.email_integrations (user_id, provider, email, access_token_encrypted, refresh_token_encrypted, encryption_key_id, status)
                VALUES ('$AISHA', 'zoho-mail', 'aisha.bello@example.com', '\\x03', '\\x04', 'kms-1', 'connected') RETURNING integration_id")
q "INSERT INTO synapse.email_processing_log (integration_id, message_id, message_subject, processing_status) VALUES
     ('$SOFIA_MAIL', '<s1@example.com>', 'Sprint review', 'success'), ('$SOFIA_MAIL', '<s2@example.com>', 'Lunch', 'no_tasks'),
     ('$AISHA_MAIL', '<a1@example.com>', 'Campaign budget (confidential)', 'success')" >/dev/null
q "UPDATE synapse.tasks SET next_occurrence = now() - interval '1 day', recurrence_last_error = 'pattern failed for ' || title,
                           recurrence_last_error_at = now() WHERE is_recurring" >/dev/null
templates=$(q "SELECT count(*) FROM synapse.tasks WHERE is_recurring")

# --- the identity: only the extension sets it ---------------------------------------------------------
# The settings are read-only views of the extension's signed claim (docs/security.md). Once
# the library is loaded (LOAD_LIB) a SET is refused at once; before it is loaded a custom
# setting is a placeholder anyone may set, and loading the library drops a value the
# setter had no right to (a WARNING): what counts is that no identity results.
LOAD_LIB="SELECT synapse.current_user_id() IS NULL AS no_identity_yet"
refused "$APP" "$SOFIA" "SET LOCAL synapse.current_user_role = 'Admin'" 42501 "a member cannot make herself Admin with SET"
refused "$APP" "$SOFIA" "SET synapse.current_department_id = '$MKT'" 42501 "nor move herself with SET"
refused "$APP" "" "$LOAD_LIB; SELECT set_config('synapse.current_user_id', '$PRIYA', true)" 42501 "nor become an Admin with set_config"
refused "$APP" "" "$LOAD_LIB; SET LOCAL synapse.identity_claim = 'forged.claim'" 42501 "nor forge the claim behind them"
refused "$APP" "" "$LOAD_LIB; ALTER ROLE CURRENT_USER SET synapse.current_user_role = 'Admin'" 42501 "nor set it as a role default"
refused "$APP" "" "$LOAD_LIB; ALTER ROLE CURRENT_USER SET synapse.identity_require_token = off" 42501 "nor switch the token requirement off"
refused "$APP" "" "$LOAD_LIB; SET synapse.identity_keys = '{\"keys\":[]}'" 42501 "nor replace the token keys"
refused "$APP" "$SOFIA" "SELECT current_setting('synapse.identity_claim')" 42501 "the claim itself is not readable by the application"
# An Admin's genuine claim, taken from another session (as the superuser): a claim verifies
# only in the backend that signed it (synapse.identity_secret empty; Citus sets one).
claim=$(psql_db "$DB" -c "BEGIN" -c "$(identity_sql "$PRIYA")" -c "SELECT current_setting('synapse.identity_claim')" -c "COMMIT" | tail -1)
[ -n "$claim" ] && ok "(control) the superuser reads a claim" || not_ok "(control) the superuser reads a claim"
refused "$APP" "" "$LOAD_LIB; SELECT set_config('synapse.identity_claim', '$claim', true)" 42501 \
  "an Admin's claim replayed in another session is refused"
forge="SET synapse.current_user_id = '$PRIYA'; SET synapse.current_department_id = '$MKT'; SET synapse.current_user_role = 'Admin';
       SELECT set_config('synapse.identity_claim', '$claim', false)"
is "$(as "$APP" "" "$forge; SELECT count(*) FROM synapse.tasks" 2>/dev/null | tail -1)" 0 \
   "settings forged before the library is loaded give no identity (no task visible)"
is "$(PGOPTIONS="-c synapse.current_user_id=$PRIYA -c synapse.current_user_role=Admin -c synapse.identity_claim=$claim" \
        psql -X -q -At -d "$DB" -U "$APP" -c "SELECT count(*) FROM synapse.tasks" 2>/dev/null)" 0 \
   "nor settings passed as startup options"
refused "$APP" "" "SET ROLE synapse_migrate" 42501 "nor become the tables' owner"
refused "$APP" "" "SET SESSION AUTHORIZATION postgres" 42501 "nor the superuser"
refused "$APP" "" "CREATE FUNCTION synapse.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'" 42501 "nor create objects in schema synapse"
refused "$APP" "" "SELECT synapse.set_current_user('$(q "SELECT gen_random_uuid()")')" "$( [ "$MODE" = signed ] && echo 42501 || echo 28000)" \
  "an unknown user is no identity"
is "$(as "$APP" "" "SELECT count(*) FROM synapse.tasks")" 0 "without an identity no task is visible"

# --- users: nobody changes their own role or department -------------------------------------------
refused "$APP" "$SOFIA" "UPDATE synapse.users SET role = 'Admin' WHERE id = '$SOFIA'" 42501 "a member cannot make herself Admin"
refused "$APP" "$SOFIA" "UPDATE synapse.users SET department_id = '$MKT' WHERE id = '$SOFIA'" 42501 "nor move herself to another department"
refused "$APP" "$SOFIA" "UPDATE synapse.users u SET role = v.r FROM (VALUES ('Admin'::synapse.user_role)) v(r) WHERE u.id = '$SOFIA'" 42501 \
  "nor through UPDATE ... FROM"
refused "$APP" "$SOFIA" "INSERT INTO synapse.users (id, email, name, role) VALUES ('$SOFIA', 'sofia.martins@example.com', 'Sofia', 'Admin')
                         ON CONFLICT (id) DO UPDATE SET role = 'Admin'" 42501 "nor through INSERT ... ON CONFLICT DO UPDATE"
refused "$APP" "$SOFIA" "UPDATE synapse.users SET deleted_at = now() WHERE id = '$SOFIA'" 42501 "nor deactivate an account"
refused "$APP" "$SOFIA" "UPDATE synapse.users SET auth_provider_id = 'keycloak-priya' WHERE id = '$SOFIA'" 42501 \
  "nor take over another sign-in identity"
refused "$APP" "$SOFIA" "INSERT INTO synapse.users (email, name, role) VALUES ('evil@example.com', 'Evil', 'Admin')" 42501 \
  "nor create a user (an Admin) herself"
as "$APP" "$SOFIA" "UPDATE synapse.users SET role = 'Admin' WHERE id = '$SOFIA'" >/dev/null || true
is "$(as "$APP" "$SOFIA" "SELECT count(*) || ' ' || bool_and(department_id = '$ENG') FROM synapse.tasks")" "13 true" \
   "after the attempts her next identity still reads her department only"
is "$(changed "$APP" "$SOFIA" "UPDATE synapse.users SET name = 'Liam' WHERE id = '$LIAM'")" 0 "nor edit a colleague's profile"
is "$(changed "$APP" "$SOFIA" "UPDATE synapse.users SET role = 'Admin' WHERE id = '$LIAM'")" 0 "nor promote a colleague"
refused "$APP" "$BHARATH" "UPDATE synapse.users SET role = 'Admin' WHERE id = '$BHARATH'" 42501 "a manager cannot make himself Admin either"
is "$(changed "$APP" "$SOFIA" "UPDATE synapse.users SET name = 'Sofia M.', avatar_url = 'https://example.com/s.png' WHERE id = '$SOFIA'")" 1 \
   "(control) she edits her own profile"
is "$(changed "$APP" "$PRIYA" "UPDATE synapse.users SET role = 'Manager', department_id = '$MKT' WHERE id = '$SOFIA'")" 1 \
   "(control) an Admin changes a role and a department"
is "$(changed "$APP" "$SOFIA" "DELETE FROM synapse.users WHERE id = '$LIAM'")" 0 "a member deletes no user"
refused "$APP" "$PRIYA" "DELETE FROM synapse.users WHERE id = '$LIAM'" 23001 "and an Admin only soft-deletes"
is "$(as "$APP" "" "SELECT count(*) FROM synapse.users")" 0 "no user is visible without a current user"
is "$(as "$APP" "$SOFIA" "SELECT string_agg(name, ', ' ORDER BY name) FROM synapse.users")" \
   "Bharath Kumar, Chen Wei, Liam O'Connor, Priya Raman, Sofia Martins" "a member sees her department's users and the Admins"
is "$(as "$APP" "$PRIYA" "SELECT count(*) FROM synapse.users")" 12 "an Admin sees every user"
refused "$APP" "$SOFIA" "SELECT password_hash FROM synapse.users WHERE id = '$SOFIA'" 42501 "no password hash is readable, not even her own"
refused "$APP" "$SOFIA" "SELECT * FROM synapse.users" 42501 "SELECT * names the hash too"
refused "$APP" "$SOFIA" "COPY synapse.users TO STDOUT" 42501 "COPY of users out"
refused "$APP" "$PRIYA" "COPY synapse.departments (name) FROM STDIN" 0A000 "COPY into a table behind row-level security"
refused "$APP" "$PRIYA" "TRUNCATE synapse.users" 42501 "TRUNCATE users"
refused "$APP" "$PRIYA" "TRUNCATE synapse.auth_sessions" 42501 "TRUNCATE sessions"
refused "$APP" "$SOFIA" "DROP POLICY users_update ON synapse.users" 42501 "DROP POLICY"
refused "$APP" "$SOFIA" "ALTER POLICY users_update ON synapse.users USING (true)" 42501 "ALTER POLICY"
refused "$APP" "$SOFIA" "ALTER TABLE synapse.users DISABLE ROW LEVEL SECURITY" 42501 "ALTER TABLE ... DISABLE ROW LEVEL SECURITY"
refused "$APP" "$SOFIA" "CREATE POLICY mine ON synapse.users USING (true)" 42501 "CREATE POLICY"

# --- departments: readable, written by Admins ---------------------------------------------------------
is "$(as "$APP" "$SOFIA" "SELECT count(*) FROM synapse.departments")" 4 "every department is readable"
refused "$APP" "$SOFIA" "INSERT INTO synapse.departments (name) VALUES ('Shadow IT')" 42501 "a member creates no department"
is "$(changed "$APP" "$BHARATH" "UPDATE synapse.departments SET name = 'Eng' WHERE id = '$ENG'")" 0 "a manager renames no department"
is "$(changed "$APP" "$PRIYA" "UPDATE synapse.departments SET description = 'x' WHERE id = '$ENG'")" 1 "(control) an Admin edits one"

# --- sessions: only the current user's ------------------------------------------------------------------
refused "$APP" "$SOFIA" "INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, expires_at) VALUES ('$PRIYA', sha256('minted'), now() + interval '30 days')" 42501 \
  "a member cannot mint a refresh session for an Admin"
is "$(state "$APP" "$SOFIA" "INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, expires_at) VALUES ('$SOFIA', sha256('mine'), now() + interval '30 days') RETURNING id" ROLLBACK)" "" \
   "(control) she records a session of her own"
is "$(as "$APP" "$SOFIA" "SELECT count(*) || ' ' || bool_and(user_id = '$SOFIA') FROM synapse.auth_sessions")" "1 true" "she sees her session only"
refused "$APP" "$SOFIA" "SELECT refresh_token_hash FROM synapse.auth_sessions" 42501 "no refresh-token hash is readable"
is "$(changed "$APP" "$SOFIA" "UPDATE synapse.auth_sessions SET revoked_at = now() WHERE user_id = '$LIAM'")" 0 "she cannot revoke a colleague's session"
refused "$APP" "$SOFIA" "UPDATE synapse.auth_sessions SET expires_at = 'infinity'" 42501 "nor extend her own"
refused "$APP" "$SOFIA" "UPDATE synapse.auth_sessions SET user_id = '$PRIYA'" 42501 "nor hand it to someone else"
refused "$APP" "$SOFIA" "DELETE FROM synapse.auth_sessions" 42501 "nor delete sessions"
is "$(changed "$APP" "$SOFIA" "UPDATE synapse.auth_sessions SET revoked_at = now()")" 1 "(control) she revokes her own session"

# The refresh flow needs no identity and reads no other row: the token's hash names the session.
is "$(as "$APP" "" "SELECT synapse.refresh_auth_session(sha256('liam-refresh'))")" "$LIAM" "refresh_auth_session: a live token's user"
is "$(q "SELECT last_used_at IS NOT NULL FROM synapse.auth_sessions WHERE refresh_token_hash = sha256('liam-refresh')")" t "and records last_used_at"
is "$(as "$APP" "" "SELECT coalesce(synapse.refresh_auth_session(sha256('liam-revoked'))::text, 'none')
                       || ' ' || coalesce(synapse.refresh_auth_session(sha256('liam-expired'))::text, 'none')
                       || ' ' || coalesce(synapse.refresh_auth_session(sha256('guessed'))::text, 'none')")" "none none none" \
   "a revoked, an expired or an unknown token refreshes nothing"
is "$(as "$APP" "" "SELECT synapse.revoke_auth_session(sha256('priya-refresh'))::text || ' ' || synapse.revoke_auth_session(sha256('priya-refresh'))::text
                       || ' ' || coalesce(synapse.refresh_auth_session(sha256('priya-refresh'))::text, 'none')" ROLLBACK)" "true false none" \
   "revoke_auth_session ends the session its token names, once"
is "$(as "$APP" "$SOFIA" "SELECT synapse.revoke_auth_session(sha256('guessed'))")" f "a token nobody holds revokes nothing"
refused "$REPORT" "" "SELECT synapse.refresh_auth_session(sha256('liam-refresh'))" 42501 "only the application refreshes sessions"
refused "$MONITOR" "" "SELECT * FROM synapse.login_lookup('priya.raman@example.com')" 42501 "only the application looks a login up"

# Password login before any identity: the one row its email names.
q "INSERT INTO synapse.users (id, email, name, department_id, password_hash) VALUES
     (md5('sec:local')::uuid, 'local.user@example.com', 'Local User', '$ENG', '\$2b\$12\$notarealhash')" >/dev/null
is "$(as "$APP" "" "SELECT user_id || ' ' || department_id || ' ' || auth_provider || ' ' || password_hash FROM synapse.login_lookup('Local.User@example.com')")" \
   "$(q "SELECT md5('sec:local')::uuid") $ENG local \$2b\$12\$notarealhash" "login_lookup: the active user of an email (any case) with the hash to verify"
is "$(as "$APP" "" "SELECT count(*) FROM synapse.login_lookup('nobody@example.com')")" 0 "and no row for an unknown email"

# --- mailboxes and their log: only the owner's; the poller's group reads them all ------------------
is "$(as "$APP" "$SOFIA" "SELECT count(*) || ' ' || bool_and(user_id = '$SOFIA') FROM synapse.email_integrations")" "1 true" \
   "she sees her own mailbox only"
refused "$APP" "$SOFIA" "SELECT access_token_encrypted FROM synapse.email_integrations" 42501 "not even her own encrypted access token"
refused "$APP" "$SOFIA" "SELECT refresh_token_encrypted FROM synapse.email_integrations WHERE integration_id = '$AISHA_MAIL'" 42501 \
  "nor another user's encrypted refresh token"
refused "$APP" "$SOFIA" "UPDATE synapse.email_integrations SET user_id = '$SOFIA' WHERE integration_id = '$AISHA_MAIL'" 42501 \
  "she cannot move another user's mailbox to herself"
refused "$APP" "$SOFIA" "UPDATE synapse.email_integrations SET user_id = '$AISHA' WHERE integration_id = '$SOFIA_MAIL'" 42501 \
  "nor hers to another user"
is "$(changed "$APP" "$SOFIA" "UPDATE synapse.email_integrations SET email = 'sofia@evil.example', sync_enabled = false WHERE integration_id = '$AISHA_MAIL'")" 0 \
   "nor redirect another user's mailbox"
is "$(changed "$APP" "$SOFIA" "DELETE FROM synapse.email_integrations WHERE integration_id = '$AISHA_MAIL'")" 0 "nor disconnect it"
refused "$APP" "$SOFIA" "INSERT INTO synapse.email_integrations (user_id, provider, email) VALUES ('$AISHA', 'outlook', 'aisha@evil.example')" 42501 \
  "nor connect a mailbox in another user's name"
is "$(changed "$APP" "$SOFIA" "UPDATE synapse.email_integrations SET sync_frequency_minutes = 15, access_token_encrypted = '\\x09' WHERE integration_id = '$SOFIA_MAIL'")" 1 \
   "(control) she changes her own mailbox and stores a new token"
is "$(as "$APP" "$SOFIA" "SELECT count(*) || ' ' || string_agg(message_subject, ',' ORDER BY message_subject) FROM synapse.email_processing_log")" \
   "2 Lunch,Sprint review" "she reads her own mailbox's log only"
is "$(as "$APP" "$AISHA" "SELECT string_agg(message_subject, ',') FROM synapse.email_processing_log")" "Campaign budget (confidential)" \
   "and Aisha hers"
refused "$APP" "$SOFIA" "INSERT INTO synapse.email_processing_log (integration_id, message_id, processing_status) VALUES ('$SOFIA_MAIL', '<x@example.com>', 'success')" 42501 \
  "the application writes no log entry (the poller does)"
is "$(as "$WORKER" "" "SELECT count(*) || ' ' || count(access_token_encrypted) FROM synapse.email_integrations")" "2 2" \
   "the poller (synapse_worker) reads every mailbox with its tokens"
is "$(state "$WORKER" "" "INSERT INTO synapse.email_processing_log (integration_id, message_id, processing_status) VALUES ('$AISHA_MAIL', '<a2@example.com>', 'no_tasks');
                         UPDATE synapse.email_integrations SET last_sync = now(), error_count = 0, access_token_encrypted = '\\x05' WHERE integration_id = '$AISHA_MAIL'" ROLLBACK)" "" \
   "and records its syncs, new tokens and log entries"
refused "$WORKER" "" "UPDATE synapse.email_integrations SET user_id = '$SOFIA'" 42501 "the poller moves no mailbox"
refused "$WORKER" "" "INSERT INTO synapse.email_integrations (user_id, provider, email) VALUES ('$SOFIA', 'zoho-mail', 'x@example.com')" 42501 \
  "nor connects one"
refused "$WORKER" "" "SELECT count(*) FROM synapse.tasks" 42501 "nor reads tasks"

# --- assignees, dependencies and comments belong to the task's department ------------------------------
assign() { echo "INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by) VALUES ('$ENG', $(task "$1"), '$2', ${3:-NULL})"; }
refused "$APP" "$SOFIA" "$(assign ENG-103 "$AISHA")" 42501 "she cannot assign a Marketing user to her own task"
refused "$APP" "$BHARATH" "$(assign ENG-104 "$RAGHU")" 42501 "nor can her manager"
refused "$APP" "$PRIYA" "$(assign ENG-104 "$AISHA")" 42501 "nor an Admin"
is "$(state "$APP" "$SOFIA" "$(assign ENG-103 "$CHEN" "'$SOFIA'")" ROLLBACK)" "" "(control) she assigns a colleague, in her own name"
is "$(state "$APP" "$SOFIA" "$(assign ENG-103 "$PRIYA")" ROLLBACK)" "" "(control) or an Admin"
refused "$APP" "$SOFIA" "$(assign ENG-103 "$CHEN" "'$LIAM'")" 42501 "an assignment is not recorded in someone else's name"
refused "$APP" "$BHARATH" "UPDATE synapse.task_assignees SET user_id = '$AISHA' WHERE department_id = '$ENG' AND task_id = $(task ENG-101)" 42501 \
  "an assignment is not handed to another department's user"
refused "$APP" "$BHARATH" "UPDATE synapse.task_assignees SET assigned_by = '$PRIYA' WHERE department_id = '$ENG'" 42501 "nor its assigner rewritten"
refused "$APP" "$SOFIA" "INSERT INTO synapse.task_dependencies (department_id, task_id, depends_on_task_id, created_by) VALUES ('$ENG', $(task ENG-103), $(task ENG-101), '$LIAM')" 42501 \
  "a dependency is not recorded in someone else's name"
refused "$APP" "$SOFIA" "INSERT INTO synapse.comments (department_id, task_id, user_id, content) VALUES ('$ENG', $(task ENG-104), '$LIAM', 'forged')" 42501 \
  "a comment is not written as another user"
refused "$APP" "$BHARATH" "UPDATE synapse.comments SET user_id = '$AISHA' WHERE id = md5('dev:comment:c3')::uuid" 42501 \
  "nor a comment's author changed, even by the manager"
is "$(changed "$APP" "$BHARATH" "UPDATE synapse.comments SET content = 'edited by the manager' WHERE id = md5('dev:comment:c3')::uuid")" 1 \
   "(control) the manager edits a comment's text"

# --- views: as the reader, read-only; monitoring sees figures, not text -------------------------------
is "$(as "$APP" "$SOFIA" "SELECT count(*) > 0 AND bool_and(department_id = '$ENG') FROM synapse.generation_overdue_templates")" t \
   "a member reads only her department's overdue templates"
is "$(as "$APP" "$SOFIA" "SELECT count(*) FROM synapse.generation_failing_templates WHERE department_id <> '$ENG'")" 0 \
   "and only her department's failing ones"
refused "$APP" "$SOFIA" "UPDATE synapse.generation_overdue_templates SET title = 'renamed' WHERE department_id = '$MKT'" 42501 \
  "no template is renamed through a view"
refused "$APP" "$PRIYA" "DELETE FROM synapse.generation_failing_templates" 42501 "nor deleted through one, even by an Admin"
is "$(as "$REPORT" "" "SELECT count(*) FROM synapse.generation_overdue_templates")" "$templates" "reporting reads every department's templates"
refused "$MONITOR" "" "SELECT title FROM synapse.generation_overdue_templates" 42501 "monitoring reads no template titles"
refused "$MONITOR" "" "SELECT recurrence_last_error FROM synapse.generation_failing_templates" 42501 "nor their error texts"
refused "$MONITOR" "" "SELECT errors FROM synapse.generation_runs" 42501 "nor the run log's errors"
refused "$MONITOR" "" "SELECT title FROM synapse.tasks" 42501 "nor tasks"
refused "$MONITOR" "" "SELECT content FROM synapse.comments" 42501 "nor comments"
is "$(as "$MONITOR" "" "SELECT overdue_templates || ' ' || failing_templates FROM synapse.monitoring_generation")" "$templates $templates" \
   "monitoring counts every department's overdue and failing templates"
refused "$MONITOR" "" "UPDATE synapse.generation_overdue_templates SET title = 'x'" 42501 "and writes no view"

# --- the run log is read-only; internal tables closed ---------------------------------------------------
refused "$APP" "$PRIYA" "INSERT INTO synapse.generation_runs (as_of, batch_size, started_by) VALUES (now(), 1, 'function')" 42501 \
  "the application writes no run"
refused "$APP" "$PRIYA" "DELETE FROM synapse.generation_runs" 42501 "nor deletes runs"
refused "$APP" "$PRIYA" "SELECT count(*) FROM synapse.generation_runs_default" 42501 "nor reads the log's partition directly"
is "$(state "$APP" "$SOFIA" "SELECT count(*) FROM synapse.generation_runs")" "" "(control) it reads the run log"
refused "$APP" "$PRIYA" "SELECT count(*) FROM synapse.search_words" 42501 "search_words is the search step's own"
refused "$APP" "$PRIYA" "SELECT count(*) FROM synapse.template_schedule" 42501 "template_schedule is generation's own"
refused "$APP" "$PRIYA" "UPDATE synapse.template_schedule SET next_occurrence = now()" 42501 \
  "and no template is made due (or held back) through it"

# --- reporting reads task data, never secrets -----------------------------------------------------------
is "$(as "$REPORT" "" "SELECT count(*) FROM synapse.tasks")" 36 "reporting reads every task"
is "$(as "$REPORT" "" "SELECT count(*) FROM synapse.users WHERE deleted_at IS NULL")" 13 "and every user"
refused "$REPORT" "" "SELECT password_hash FROM synapse.users" 42501 "but no password hash"
refused "$REPORT" "" "SELECT refresh_token_hash FROM synapse.auth_sessions" 42501 "no refresh-token hash"
refused "$REPORT" "" "SELECT access_token_encrypted FROM synapse.email_integrations" 42501 "no encrypted access token"
refused "$REPORT" "" "SELECT refresh_token_encrypted FROM synapse.email_integrations" 42501 "no encrypted refresh token"
refused "$REPORT" "" "UPDATE synapse.users SET name = 'x'" 42501 "and writes nothing"

# --- functions: trigger functions stay on their tables; internals are not for everyone ---------------
triggers=$(q "SELECT string_agg(p.oid::regprocedure::text, ' ' ORDER BY p.oid::regprocedure::text) FROM pg_proc p
               WHERE p.pronamespace = 'synapse'::regnamespace AND p.prorettype = 'trigger'::regtype")
n=0 bad=""
for f in $triggers; do
  n=$((n + 1))
  st=$(state "$APP" "$SOFIA" "CREATE TEMP TABLE mine (department_id uuid, task_id uuid, id uuid, title text, user_id uuid);
                              CREATE TRIGGER steal BEFORE INSERT ON mine FOR EACH ROW EXECUTE FUNCTION synapse.$f" ROLLBACK)
  [ "$st" = 42501 ] || bad="$bad $f:$st"
done
is "$bad" "" "none of the $n trigger functions can be attached to the application's own temp table (42501)"
refused "$APP" "$SOFIA" "SELECT synapse._task_assignees_copy_task()" 42501 "nor called"
# The issue's attack, as a role that may attach it (the superuser): the function refuses anyway.
attack="CREATE TEMP TABLE mine (department_id uuid, task_id uuid, task_open boolean, task_due_key timestamptz, task_priority synapse.task_priority);
        CREATE TRIGGER steal BEFORE INSERT ON mine FOR EACH ROW EXECUTE FUNCTION synapse._task_assignees_copy_task();
        INSERT INTO mine (department_id, task_id) VALUES ('$MKT', $(task MKT-201)) RETURNING task_open, task_priority"
is "$(sqlstate_of "$DB" "BEGIN; $attack; ROLLBACK")" 42809 \
   "_task_assignees_copy_task attached to a temp table refuses to return another department's task state (42809)"
out=$(psql -X -q -v VERBOSITY=default -d "$DB" -c "BEGIN; $attack; ROLLBACK" 2>&1 || true)
grep -q "is the BEFORE INSERT OR UPDATE row trigger of synapse.task_assignees, not of pg_temp" <<<"$out" &&
  ok "and its message names the table it belongs to" || not_ok "and its message names the table it belongs to" "$out"
# Every trigger function of the schema: the migrations' PL/pgSQL ones and the extension's
# Rust counter triggers alike.
alltriggers=$(q "SELECT string_agg(p.proname, ' ' ORDER BY p.proname) FROM pg_proc p
                  WHERE p.pronamespace = 'synapse'::regnamespace AND p.prorettype = 'trigger'::regtype")
n=0 bad=""
for f in $alltriggers; do
  n=$((n + 1))
  st=$(sqlstate_of "$DB" "BEGIN; CREATE TEMP TABLE mine (LIKE synapse.tasks); ALTER TABLE mine ADD COLUMN user_id uuid;
                          CREATE TRIGGER t BEFORE INSERT ON mine FOR EACH ROW EXECUTE FUNCTION synapse.$f();
                          INSERT INTO mine (department_id, id, title, creator_id) VALUES ('$ENG', gen_random_uuid(), 'x', '$SOFIA'); ROLLBACK")
  [ "$st" = 42809 ] || bad="$bad $f:$st"
  st=$(sqlstate_of "$DB" "BEGIN; CREATE TRIGGER t AFTER DELETE ON synapse.projects FOR EACH STATEMENT EXECUTE FUNCTION synapse.$f();
                          DELETE FROM synapse.projects WHERE false; ROLLBACK")
  [ "$st" = 42809 ] || bad="$bad $f@projects:$st"
done
is "$bad" "" "each of the $n trigger functions refuses another table and another firing (42809)"
is "$(sqlstate_of "$DB" "BEGIN; CREATE TRIGGER t BEFORE DELETE ON synapse.tasks FOR EACH ROW EXECUTE FUNCTION synapse._tasks_before_write();
                         DELETE FROM synapse.tasks WHERE task_id = 'ENG-101'; ROLLBACK")" 42809 "and its own table at the wrong event"
refused "$APP" "$SOFIA" "SELECT synapse._generation_health()" 42501 "the generation figures helper is monitoring's and reporting's"
refused "$APP" "$SOFIA" "SELECT * FROM synapse._search_department_matches(to_tsquery('campaign'), 'campaign', NULL, 10, '$MKT')" 42501 \
  "the search step's definer-only helper is not callable with another department"
refused "$APP" "$SOFIA" "SELECT synapse._title_words('a b')" 42501 "nor its word splitter"
refused "$APP" "$SOFIA" "SELECT synapse._monitoring_slowest_statements(5)" 42501 "nor monitoring's statement reader"
refused "$REPORT" "" "SELECT synapse._set_current_user('$PRIYA')" 42501 "reporting cannot take an identity"
refused "$MONITOR" "" "SELECT synapse.set_current_user('$PRIYA')" 42501 "nor can monitoring"
refused "$REPORT" "" "SELECT synapse._generate_recurring_batch(1, 1, now())" 42501 "reporting runs no generation"
is "$(state "$WORKER" "" "SELECT * FROM synapse.generate_recurring_tasks(1, '2000-01-01')" ROLLBACK)" "" "(control) the worker may run a generation batch"

# A deactivated user (soft-deleted) is no identity in either mode.
q "INSERT INTO synapse.users (id, email, name, department_id, deleted_at) VALUES
     (md5('sec:gone')::uuid, 'gone@example.com', 'Gone', '$ENG', now())" >/dev/null
GONE=$(q "SELECT md5('sec:gone')::uuid")
if [ "$MODE" = signed ]; then
  refused "$APP" "" "SELECT synapse.set_current_user('$PRIYA')" 42501 "signed mode: set_current_user(uuid) is refused, a token is required"
  refused "$APP" "" "SELECT synapse._set_current_user('$PRIYA')" 42501 "signed mode: and so is the extension's _set_current_user"
  is "$(as "$APP" "$PRIYA" "SELECT synapse.current_user_id()")" "$PRIYA" "signed mode: a valid token sets the identity"
  token() { echo "SELECT synapse.set_current_user_token('$1')"; }
  good=$(jwt_mint "$KEYS" wall "$SOFIA")
  refused "$APP" "" "$(token "${good%.*}.$(jwt_mint "$KEYS" wall "$PRIYA" | sed 's/.*\.//')")" 28000 \
    "signed mode: a token whose signature belongs to another token is refused"
  refused "$APP" "" "$(token "$(cut -d. -f1 <<<"$good").$(printf '{"sub":"%s","aud":"synapse","exp":%d}' "$PRIYA" $(( $(date +%s) + 600 )) | b64url).$(cut -d. -f3 <<<"$good")")" 28000 \
    "signed mode: a token with its claims rewritten (sub an Admin) is refused"
  refused "$APP" "" "$(token "$(printf '{"alg":"none","typ":"JWT"}' | b64url).$(cut -d. -f2 <<<"$good").")" 28000 \
    "signed mode: an unsigned token (alg none) is refused"
  refused "$APP" "" "$(token "$(jwt_mint "$KEYS" wall "$SOFIA" synapse -120)")" 28000 "signed mode: an expired token is refused"
  refused "$APP" "" "$(token "$(jwt_mint "$KEYS" wall "$SOFIA" synapse 3600 600)")" 28000 "signed mode: a token not yet valid (nbf) is refused"
  refused "$APP" "" "$(token "$(jwt_mint "$KEYS" wall "$SOFIA" other-service)")" 28000 "signed mode: a token for another audience is refused"
  jwt_keygen "$KEYS" rogue >/dev/null
  refused "$APP" "" "$(token "$(jwt_mint "$KEYS" rogue "$PRIYA")")" 28000 "signed mode: a token signed by an unknown key is refused"
  refused "$APP" "" "$(token "$(jwt_mint "$KEYS" wall "$GONE")")" 28000 "signed mode: a valid token of a deactivated user is refused"
  refused "$APP" "" "$(token 'not-a-token')" 28000 "signed mode: garbage is refused"
else
  refused "$APP" "" "SELECT synapse.set_current_user('$GONE')" 28000 "a deactivated user is no identity"
fi

wall_db_drop
