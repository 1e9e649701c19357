-- requires: synapse_ext >= 0.3.0
-- Migration 14: the department wall (issue 21, docs/security.md). Whoever can run SQL on an
-- application connection stays inside what the current Synapse user may see and do,
-- whatever the application's bugs:
--   identity   set_current_user and current_user_id become thin wrappers over the
--              extension's _set_current_user and _rls_current_user (0.3.0): the identity is
--              read from synapse.users by the extension and cannot be set by hand;
--   tables     every table has row-level security: users, sessions and mailboxes only the
--              own (an Admin changes roles and departments), departments written by Admins,
--              the run log read-only; assignees belong to the task's department; column
--              privileges keep password_hash, refresh_token_hash and the mail tokens from
--              the application and from reporting;
--   views      security_invoker, read-only; monitoring sees health figures, not task text;
--   functions  EXECUTE only for the groups that call them; every trigger function refuses
--              a table or a firing it was not written for (42809);
--   sessions   the refresh flow and the local login through narrow SECURITY DEFINER
--              functions that take the token hash or the email.
-- A new group synapse_worker is the mail poller's (and may run generation).
-- Down restores migration 13's catalog exactly (tests/e2e/10_migrations.t compares them).

-- --- the mail poller's group -----------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'synapse_worker') THEN
    CREATE ROLE synapse_worker NOLOGIN;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA synapse TO synapse_worker;

-- --- identity: the extension's, nothing else ---------------------------------------------------
-- No SET clause on the wrapper: leaving a function with SET clauses rolls back the settings
-- changed inside it, which would undo the identity _set_current_user sets (SET LOCAL).
CREATE OR REPLACE FUNCTION synapse.set_current_user(p_user uuid) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM synapse._set_current_user(p_user);
END
$$;
COMMENT ON FUNCTION synapse.set_current_user(uuid) IS
  'Sets the Synapse user, with their department and role as of now, for the rest of the current transaction only; NULL clears it. Call it first in every transaction; 28000 for an unknown or deleted user, 42501 when the database requires a signed token (synapse.set_current_user_token). A role or department change applies from the next call.';

CREATE OR REPLACE FUNCTION synapse.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT synapse._rls_current_user()
$$;
COMMENT ON FUNCTION synapse.current_user_id() IS
  'The Synapse user the current transaction acts for (set by synapse.set_current_user or synapse.set_current_user_token), or NULL: then row-level security shows nothing.';

-- --- trigger functions: only on their own table, at their own time ---------------------------------
-- A trigger function runs on whatever table it is attached to; a SECURITY DEFINER one with its
-- owner's rights. Each refuses (42809) any table but its own (schema synapse; on Citus a shard,
-- the same name followed by _<shard id>) and any firing it was not written for. The bodies
-- below the check are unchanged.
--
-- The check, written once: each trigger function passes its name, what it is, its tables and
-- firings ('WHEN LEVEL OPERATION') and its TG_ variables. IMMUTABLE: it reads nothing. No SET
-- search_path (it would cost every firing a configuration change): everything it calls is
-- qualified.
CREATE FUNCTION synapse._require_trigger_use(trigger_function text, intended_use text, own_tables text[],
                                             own_firings text[], tg_table_schema name, tg_table_name name,
                                             tg_when text, tg_level text, tg_op text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF tg_table_schema OPERATOR(pg_catalog.=) 'synapse'
     AND pg_catalog.regexp_replace(tg_table_name::text, '(.)_[0-9]+$', '\1') OPERATOR(pg_catalog.=) ANY (own_tables)
     AND (tg_when OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) tg_level OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) tg_op)
         OPERATOR(pg_catalog.=) ANY (own_firings) THEN
    RETURN;
  END IF;
  RAISE EXCEPTION '% is %, not of %.% (% % FOR EACH %)',
    trigger_function, intended_use, tg_table_schema, tg_table_name, tg_when, tg_op, tg_level
    USING ERRCODE = 'wrong_object_type';
END
$$;
COMMENT ON FUNCTION synapse._require_trigger_use(text, text, text[], text[], name, name, text, text, text) IS
  'Internal (the migration set''s trigger functions): raises 42809 unless the trigger fires on one of its own tables of schema synapse (or a Citus shard of one) in one of its own firings.';

CREATE OR REPLACE FUNCTION synapse._set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._set_updated_at()', 'the BEFORE UPDATE row trigger of synapse.departments, users, projects, tasks, comments and email_integrations',
    '{departments,users,projects,tasks,comments,email_integrations}', '{"BEFORE ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION synapse._users_refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._users_refuse_delete()', 'the BEFORE DELETE row trigger of synapse.users',
    '{users}', '{"BEFORE ROW DELETE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  RAISE EXCEPTION 'users are never deleted (user %): soft-delete with UPDATE synapse.users SET deleted_at = now()', OLD.id
    USING ERRCODE = 'restrict_violation',
          HINT = 'Tasks, comments and sessions keep referring to their authors; a soft delete keeps that history.';
END
$$;

CREATE OR REPLACE FUNCTION synapse._tasks_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._tasks_before_write()', 'the BEFORE INSERT OR UPDATE row trigger of synapse.tasks',
    '{tasks}', '{"BEFORE ROW INSERT","BEFORE ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  -- completed_at follows status, so "completed when" needs no client cooperation (the
  -- completion anchor of recurring series computes from it).
  IF NEW.status = 'Done' THEN
    NEW.completed_at := coalesce(NEW.completed_at, pg_catalog.now());
  ELSE
    NEW.completed_at := NULL;
  END IF;
  -- A template's series starts at its first occurrence unless told otherwise.
  IF NEW.is_recurring AND NEW.recurrence_start IS NULL THEN
    NEW.recurrence_start := NEW.next_occurrence;
  END IF;
  RETURN NEW;
END
$$;

-- Unused since migration 8 (kept for its down), SECURITY DEFINER: it updates any project's counters.
CREATE OR REPLACE FUNCTION synapse._tasks_maintain_project_counts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  old_counted boolean := false;
  new_counted boolean := false;
BEGIN
  PERFORM synapse._require_trigger_use('synapse._tasks_maintain_project_counts()', 'an AFTER row trigger of synapse.tasks',
    '{tasks}', '{"AFTER ROW INSERT","AFTER ROW UPDATE","AFTER ROW DELETE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    old_counted := OLD.project_id IS NOT NULL AND NOT OLD.is_recurring AND OLD.deleted_at IS NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    new_counted := NEW.project_id IS NOT NULL AND NOT NEW.is_recurring AND NEW.deleted_at IS NULL;
  END IF;

  IF old_counted AND new_counted
     AND OLD.department_id = NEW.department_id AND OLD.project_id = NEW.project_id THEN
    IF (OLD.status = 'Done') IS DISTINCT FROM (NEW.status = 'Done') THEN
      UPDATE synapse.projects
         SET completed_task_count = completed_task_count + CASE WHEN NEW.status = 'Done' THEN 1 ELSE -1 END
       WHERE department_id = NEW.department_id AND id = NEW.project_id;
    END IF;
    RETURN NULL;
  END IF;

  IF old_counted THEN
    UPDATE synapse.projects
       SET task_count = task_count - 1,
           completed_task_count = completed_task_count - CASE WHEN OLD.status = 'Done' THEN 1 ELSE 0 END
     WHERE department_id = OLD.department_id AND id = OLD.project_id;
  END IF;
  IF new_counted THEN
    UPDATE synapse.projects
       SET task_count = task_count + 1,
           completed_task_count = completed_task_count + CASE WHEN NEW.status = 'Done' THEN 1 ELSE 0 END
     WHERE department_id = NEW.department_id AND id = NEW.project_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION synapse._tasks_schedule_template() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  from_ts timestamptz;
BEGIN
  PERFORM synapse._require_trigger_use('synapse._tasks_schedule_template()', 'the BEFORE INSERT OR UPDATE row trigger of synapse.tasks',
    '{tasks}', '{"BEFORE ROW INSERT","BEFORE ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  IF NEW.recurrence_count < 1 THEN
    RETURN NEW;  -- tasks_recurrence_count_check rejects the row (23514)
  END IF;
  IF TG_OP = 'INSERT' OR NOT OLD.is_recurring THEN
    IF NEW.next_occurrence IS NULL THEN
      from_ts := NEW.recurrence_start;
    ELSE
      RETURN NEW;
    END IF;
  ELSIF NEW.next_occurrence IS DISTINCT FROM OLD.next_occurrence
     OR (NEW.recurrence_pattern IS NOT DISTINCT FROM OLD.recurrence_pattern
         AND NEW.recurrence_start IS NOT DISTINCT FROM OLD.recurrence_start
         AND NEW.skip_dates IS NOT DISTINCT FROM OLD.skip_dates
         AND NEW.recurrence_end_date IS NOT DISTINCT FROM OLD.recurrence_end_date
         AND NEW.recurrence_count IS NOT DISTINCT FROM OLD.recurrence_count) THEN
    RETURN NEW;
  ELSIF OLD.next_occurrence IS NULL AND NEW.recurrence_pattern ->> 'anchor' = 'completion' THEN
    RETURN NEW;

  ELSE
    from_ts := least(coalesce(OLD.next_occurrence, pg_catalog.now()), pg_catalog.now());
  END IF;
  NEW.next_occurrence := synapse._template_occurrence_from(
    NEW.recurrence_pattern, NEW.recurrence_start, from_ts,
    NEW.skip_dates, NEW.recurrence_end_date, NEW.recurrence_count);
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION synapse._tasks_schedule_after_completion() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._tasks_schedule_after_completion()', 'the AFTER UPDATE row trigger of synapse.tasks',
    '{tasks}', '{"AFTER ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  UPDATE synapse.tasks t
     SET next_occurrence = synapse._template_next_after_completion(
           t.recurrence_pattern, t.recurrence_start, NEW.completed_at, t.recurrence_generated_count,
           t.skip_dates, t.recurrence_end_date, t.recurrence_count)
   WHERE t.department_id = NEW.department_id AND t.id = NEW.recurrence_parent_id
     AND t.is_recurring AND t.deleted_at IS NULL AND t.next_occurrence IS NULL
     AND t.recurrence_pattern ->> 'anchor' = 'completion';
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION synapse._task_assignees_copy_task() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._task_assignees_copy_task()', 'the BEFORE INSERT OR UPDATE row trigger of synapse.task_assignees',
    '{task_assignees}', '{"BEFORE ROW INSERT","BEFORE ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  SELECT synapse._task_is_open(t.status, t.deleted_at, t.is_recurring), coalesce(t.due_date, 'infinity'), t.priority
    INTO NEW.task_open, NEW.task_due_key, NEW.task_priority
    FROM synapse.tasks t
   WHERE t.department_id = NEW.department_id AND t.id = NEW.task_id
     FOR SHARE;
  -- No task: the foreign key check after this trigger reports it (23503).
  NEW.task_open := coalesce(NEW.task_open, false);
  NEW.task_due_key := coalesce(NEW.task_due_key, 'infinity');
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION synapse._tasks_copy_to_assignees() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._tasks_copy_to_assignees()', 'the AFTER UPDATE row trigger of synapse.tasks',
    '{tasks}', '{"AFTER ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  UPDATE synapse.task_assignees a
     SET task_open = synapse._task_is_open(NEW.status, NEW.deleted_at, NEW.is_recurring),
         task_due_key = coalesce(NEW.due_date, 'infinity'), task_priority = NEW.priority
   WHERE a.department_id = NEW.department_id AND a.task_id = NEW.id;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION synapse._tasks_add_search_words() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  words record;
BEGIN
  PERFORM synapse._require_trigger_use('synapse._tasks_add_search_words()', 'the AFTER INSERT statement and AFTER UPDATE row trigger of synapse.tasks',
    '{tasks}', '{"AFTER STATEMENT INSERT","AFTER ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  IF TG_LEVEL = 'STATEMENT' THEN
    FOR words IN SELECT DISTINCT n.department_id AS department_id, w AS word
                   FROM new_tasks n, synapse._title_words(n.title) AS w ORDER BY 1, 2 LOOP
      INSERT INTO synapse.search_words (department_id, word) VALUES (words.department_id, words.word)
      ON CONFLICT DO NOTHING;
    END LOOP;
  ELSE
    FOR words IN SELECT DISTINCT w AS word FROM synapse._title_words(NEW.title) AS w ORDER BY 1 LOOP
      INSERT INTO synapse.search_words (department_id, word) VALUES (NEW.department_id, words.word)
      ON CONFLICT DO NOTHING;
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;

-- --- users: nobody changes their own role or department ------------------------------------------
-- A policy sees the new row only, not what it was: which columns changed is a trigger's
-- question. Row-level security does not bind the table owner or a superuser (migrations,
-- the seed, the extension), and neither does this rule.
CREATE FUNCTION synapse._users_admin_only_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._users_admin_only_changes()', 'the BEFORE UPDATE row trigger of synapse.users',
    '{users}', '{"BEFORE ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  IF pg_catalog.row_security_active(TG_RELID) AND NOT synapse._rls_is_admin()
     AND (NEW.role, NEW.department_id, NEW.deleted_at, NEW.auth_provider, NEW.auth_provider_id)
         IS DISTINCT FROM (OLD.role, OLD.department_id, OLD.deleted_at, OLD.auth_provider, OLD.auth_provider_id) THEN
    RAISE EXCEPTION 'only an Admin changes a user''s role, department, sign-in provider or deactivation (user %)', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION synapse._users_admin_only_changes() IS
  'BEFORE UPDATE trigger on users: under row-level security only an Admin changes role, department_id, deleted_at, auth_provider or auth_provider_id (42501); a user edits the rest of the own row.';
CREATE TRIGGER users_admin_only_changes BEFORE UPDATE ON synapse.users
  FOR EACH ROW EXECUTE FUNCTION synapse._users_admin_only_changes();

-- --- policy helpers that read a table --------------------------------------------------------------
-- PL/pgSQL (Citus cannot plan a parameterised SQL function's query inside a shard query,
-- docs/citus.md) and SECURITY INVOKER: the caller's own read policies already show the rows
-- they need (a department's users and the Admins; the own mailboxes).
CREATE FUNCTION synapse._rls_may_be_assigned(p_department uuid, p_user uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM synapse.users u
                  WHERE u.id = p_user AND u.deleted_at IS NULL
                    AND (u.role = 'Admin' OR u.department_id = p_department));
END
$$;
COMMENT ON FUNCTION synapse._rls_may_be_assigned(uuid, uuid) IS
  'RLS helper: may this user be assigned to a task of this department? An active user of the department, or an Admin.';

CREATE FUNCTION synapse._rls_owns_email_integration(p_integration uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM synapse.email_integrations i
                  WHERE i.integration_id = p_integration AND i.user_id = synapse._rls_current_user());
END
$$;
COMMENT ON FUNCTION synapse._rls_owns_email_integration(uuid) IS
  'RLS helper: is this mailbox the current user''s? (the read policy of email_processing_log)';

-- --- sessions and login, before any identity exists -------------------------------------------------
-- SECURITY DEFINER (owned by synapse_migrate, which row-level security does not bind on users
-- and auth_sessions): each reads or changes exactly the row its argument names.
CREATE FUNCTION synapse.refresh_auth_session(token_hash bytea) RETURNS uuid
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  session_user_id uuid;
BEGIN
  UPDATE synapse.auth_sessions s
     SET last_used_at = pg_catalog.now()
    FROM synapse.users u
   WHERE s.refresh_token_hash = token_hash AND s.revoked_at IS NULL AND s.expires_at > pg_catalog.now()
     AND u.id = s.user_id AND u.deleted_at IS NULL
  RETURNING s.user_id INTO session_user_id;
  RETURN session_user_id;
END
$$;
COMMENT ON FUNCTION synapse.refresh_auth_session(bytea) IS
  'The refresh flow: the user of the session whose refresh token has this SHA-256 hash when it is live (not revoked, not expired, its user active), recording last_used_at; NULL otherwise. Needs no identity and shows no other row.';

CREATE FUNCTION synapse.revoke_auth_session(token_hash bytea) RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  UPDATE synapse.auth_sessions s SET revoked_at = pg_catalog.now()
   WHERE s.refresh_token_hash = token_hash AND s.revoked_at IS NULL;
  RETURN FOUND;
END
$$;
COMMENT ON FUNCTION synapse.revoke_auth_session(bytea) IS
  'Logout: revokes the session whose refresh token has this SHA-256 hash; true when a live one was revoked. Whoever holds the token may end its session, nobody else''s.';

CREATE FUNCTION synapse.login_lookup(email text)
RETURNS TABLE (user_id uuid, department_id uuid, auth_provider varchar, password_hash text)
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- lower(email) among active users: the unique index users_email_active_key.
  RETURN QUERY
    SELECT u.id, u.department_id, u.auth_provider, u.password_hash
      FROM synapse.users u
     WHERE pg_catalog.lower(u.email) = pg_catalog.lower(login_lookup.email) AND u.deleted_at IS NULL;
END
$$;
COMMENT ON FUNCTION synapse.login_lookup(text) IS
  'Login, before any identity exists: the active user with this email (case-insensitive): id, department, sign-in provider and, for a local account, its password_hash to verify; no row when there is none. The one place a password_hash leaves the database (docs/security.md).';

-- --- generation health for monitoring: figures only ---------------------------------------------
-- Counts over every department's templates, run as the owner, without titles or error texts
-- (the overdue and failing views show those, to the readers row-level security lets see them).
CREATE FUNCTION synapse._generation_health()
RETURNS TABLE (last_run_started_at timestamptz, last_run_finished_at timestamptz, last_run_backend_pid integer,
               runs_last_hour bigint, generated_last_hour bigint, overdue_templates bigint,
               most_overdue_by interval, failing_templates bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN QUERY
    SELECT last.started_at, last.finished_at, last.backend_pid,
           (SELECT count(*) FROM synapse.generation_runs r WHERE r.started_at > now() - interval '1 hour'),
           (SELECT coalesce(sum(r.tasks_generated), 0) FROM synapse.generation_runs r
             WHERE r.started_at > now() - interval '1 hour'),
           (SELECT count(*) FROM synapse.generation_overdue_templates),
           (SELECT max(o.overdue_by) FROM synapse.generation_overdue_templates o),
           (SELECT count(*) FROM synapse.generation_failing_templates)
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (SELECT r.started_at, r.finished_at, r.backend_pid FROM synapse.generation_runs r
                          ORDER BY r.started_at DESC LIMIT 1) AS last ON true;
END
$$;
COMMENT ON FUNCTION synapse._generation_health() IS
  'generation_health helper (SECURITY DEFINER): the last run''s times and backend, runs and instances in the last hour, overdue and failing templates of every department, as numbers.';

-- Same columns as before. The run's status is decided here, as the reader: whether its
-- backend still runs is in pg_stat_activity, which shows other users' backends to
-- pg_read_all_stats (synapse_monitoring) and not to the function's owner.
CREATE OR REPLACE VIEW synapse.generation_health AS
SELECT h.last_run_started_at, h.last_run_finished_at,
       CASE WHEN h.last_run_started_at IS NULL THEN NULL
            WHEN h.last_run_finished_at IS NOT NULL THEN 'finished'
            WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                          WHERE a.pid = h.last_run_backend_pid AND a.backend_start <= h.last_run_started_at) THEN 'running'
            ELSE 'interrupted' END AS last_run_status,
       h.runs_last_hour, h.generated_last_hour, h.overdue_templates, h.most_overdue_by, h.failing_templates
  FROM synapse._generation_health() h;

-- Every view reads with its reader's rights (row-level security and privileges apply).
DO $$
DECLARE
  v regclass;
BEGIN
  FOR v IN SELECT c.oid FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind = 'v' LOOP
    EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_invoker = true)', v);
  END LOOP;
END
$$;

-- --- row-level security on every table --------------------------------------------------------------
-- FORCE where no code running as the owner reads the table (docs/security.md): there an owner
-- login is bound too. Not on users, auth_sessions, projects, tasks, task_assignees,
-- search_words and the run log, which SECURITY DEFINER helpers, the counters, generation and
-- the extension's identity lookup read or write as the owner; nor on any table Citus
-- distributes by department (comments, task_dependencies too): its online shard moves and
-- splits replicate into the shards as a member of the owner, which PostgreSQL refuses
-- while row-level security binds the owner (docs/citus.md, finding 22).
ALTER TABLE synapse.departments ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.departments FORCE ROW LEVEL SECURITY;
ALTER TABLE synapse.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.auth_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.email_integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.email_integrations FORCE ROW LEVEL SECURITY;
ALTER TABLE synapse.email_processing_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.email_processing_log FORCE ROW LEVEL SECURITY;
ALTER TABLE synapse.generation_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.search_words ENABLE ROW LEVEL SECURITY;

-- departments: everyone reads (generation reads them as the owner), only an Admin writes.
CREATE POLICY departments_read ON synapse.departments FOR SELECT USING (true);
CREATE POLICY departments_insert ON synapse.departments FOR INSERT TO synapse_app
  WITH CHECK (synapse._rls_is_admin());
CREATE POLICY departments_update ON synapse.departments FOR UPDATE TO synapse_app
  USING (synapse._rls_is_admin()) WITH CHECK (synapse._rls_is_admin());
CREATE POLICY departments_delete ON synapse.departments FOR DELETE TO synapse_app
  USING (synapse._rls_is_admin());

-- users: the own row, the own department's users and the Admins (task authors and
-- assignees); an Admin everyone; nobody without a current user. A user edits the own row
-- (the trigger above keeps role, department, provider and deactivation to Admins); only an
-- Admin creates users.
CREATE POLICY users_read ON synapse.users FOR SELECT TO synapse_app
  USING (id = synapse._rls_current_user() OR synapse._rls_can_read(department_id)
         OR (role = 'Admin' AND synapse._rls_current_user() IS NOT NULL));
CREATE POLICY users_insert ON synapse.users FOR INSERT TO synapse_app
  WITH CHECK (synapse._rls_is_admin());
CREATE POLICY users_update ON synapse.users FOR UPDATE TO synapse_app
  USING (id = synapse._rls_current_user() OR synapse._rls_is_admin())
  WITH CHECK (id = synapse._rls_current_user() OR synapse._rls_is_admin());
CREATE POLICY users_delete ON synapse.users FOR DELETE TO synapse_app
  USING (synapse._rls_is_admin());
CREATE POLICY users_readonly ON synapse.users FOR SELECT TO synapse_readonly USING (true);

-- auth_sessions: the current user's only. Refreshing and logging out by token go through
-- refresh_auth_session / revoke_auth_session.
CREATE POLICY auth_sessions_read ON synapse.auth_sessions FOR SELECT TO synapse_app
  USING (user_id = synapse._rls_current_user());
CREATE POLICY auth_sessions_insert ON synapse.auth_sessions FOR INSERT TO synapse_app
  WITH CHECK (user_id = synapse._rls_current_user());
CREATE POLICY auth_sessions_update ON synapse.auth_sessions FOR UPDATE TO synapse_app
  USING (user_id = synapse._rls_current_user()) WITH CHECK (user_id = synapse._rls_current_user());
CREATE POLICY auth_sessions_readonly ON synapse.auth_sessions FOR SELECT TO synapse_readonly USING (true);

-- Mailboxes: the owner's; the poller (synapse_worker) reads them all and records its syncs.
CREATE POLICY email_integrations_read ON synapse.email_integrations FOR SELECT TO synapse_app
  USING (user_id = synapse._rls_current_user());
CREATE POLICY email_integrations_insert ON synapse.email_integrations FOR INSERT TO synapse_app
  WITH CHECK (user_id = synapse._rls_current_user());
CREATE POLICY email_integrations_update ON synapse.email_integrations FOR UPDATE TO synapse_app
  USING (user_id = synapse._rls_current_user()) WITH CHECK (user_id = synapse._rls_current_user());
CREATE POLICY email_integrations_delete ON synapse.email_integrations FOR DELETE TO synapse_app
  USING (user_id = synapse._rls_current_user());
CREATE POLICY email_integrations_worker_read ON synapse.email_integrations FOR SELECT TO synapse_worker USING (true);
CREATE POLICY email_integrations_worker_update ON synapse.email_integrations FOR UPDATE TO synapse_worker
  USING (true) WITH CHECK (true);
CREATE POLICY email_integrations_readonly ON synapse.email_integrations FOR SELECT TO synapse_readonly USING (true);

CREATE POLICY email_processing_log_read ON synapse.email_processing_log FOR SELECT TO synapse_app
  USING (synapse._rls_owns_email_integration(integration_id));
CREATE POLICY email_processing_log_worker_read ON synapse.email_processing_log FOR SELECT TO synapse_worker USING (true);
CREATE POLICY email_processing_log_worker_insert ON synapse.email_processing_log FOR INSERT TO synapse_worker
  WITH CHECK (true);
CREATE POLICY email_processing_log_worker_update ON synapse.email_processing_log FOR UPDATE TO synapse_worker
  USING (true) WITH CHECK (true);
CREATE POLICY email_processing_log_readonly ON synapse.email_processing_log FOR SELECT TO synapse_readonly USING (true);

-- The run log: read by whoever has SELECT on it; written by generation as the owner.
CREATE POLICY generation_runs_read ON synapse.generation_runs FOR SELECT
  TO synapse_app, synapse_worker, synapse_readonly USING (true);
-- The run log's partitions (generation_runs_default, pg_partman's months) and search_words
-- have no policy: only their owner (and the SECURITY DEFINER code it runs) reads them; the
-- log is read through its parent table.

-- Assignees belong to the task's department (or are Admins), and an assignment or a
-- dependency is recorded in the current user's name.
DROP POLICY task_assignees_insert ON synapse.task_assignees;
DROP POLICY task_assignees_update ON synapse.task_assignees;
DROP POLICY task_dependencies_insert ON synapse.task_dependencies;
CREATE POLICY task_assignees_insert ON synapse.task_assignees FOR INSERT
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id)
              AND synapse._rls_may_be_assigned(department_id, user_id)
              AND (assigned_by IS NULL OR assigned_by = synapse._rls_current_user()));
CREATE POLICY task_assignees_update ON synapse.task_assignees FOR UPDATE
  USING (synapse._rls_can_write_task_child(department_id, task_id))
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id)
              AND synapse._rls_may_be_assigned(department_id, user_id));
CREATE POLICY task_dependencies_insert ON synapse.task_dependencies FOR INSERT
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id)
              AND (created_by IS NULL OR created_by = synapse._rls_current_user()));

-- --- table and column privileges ----------------------------------------------------------------
-- Secrets: password_hash, refresh_token_hash and the encrypted mail tokens are readable by
-- nobody but the owner (login_lookup hands out one hash; the poller reads mail tokens).
-- Authorship (comments.user_id, assigned_by, created_by) and what a row belongs to are not
-- changed after the insert.
REVOKE SELECT, INSERT, UPDATE ON synapse.users FROM synapse_app;
GRANT SELECT (id, email, name, role, department_id, avatar_url, auth_provider, auth_provider_id, last_login_at,
              created_at, updated_at, deleted_at),
      INSERT,
      UPDATE (email, name, password_hash, role, department_id, avatar_url, auth_provider, auth_provider_id,
              last_login_at, deleted_at)
   ON synapse.users TO synapse_app;
REVOKE SELECT ON synapse.users FROM synapse_readonly;
GRANT SELECT (id, email, name, role, department_id, avatar_url, auth_provider, auth_provider_id, last_login_at,
              created_at, updated_at, deleted_at)
   ON synapse.users TO synapse_readonly;

REVOKE ALL ON synapse.auth_sessions FROM synapse_app, synapse_readonly;
GRANT SELECT (id, user_id, user_agent, ip_address, created_at, last_used_at, expires_at, revoked_at),
      INSERT, UPDATE (revoked_at)
   ON synapse.auth_sessions TO synapse_app;
GRANT SELECT (id, user_id, user_agent, ip_address, created_at, last_used_at, expires_at, revoked_at)
   ON synapse.auth_sessions TO synapse_readonly;

REVOKE SELECT, UPDATE ON synapse.email_integrations FROM synapse_app;
REVOKE SELECT ON synapse.email_integrations FROM synapse_readonly;
GRANT SELECT (integration_id, user_id, provider, email, token_expires_at, encryption_key_id, status, last_sync,
              last_sync_message_id, error_message, error_count, sync_enabled, sync_frequency_minutes,
              folders_to_monitor, auto_create_tasks, min_confidence_score, default_priority, default_status,
              created_at, updated_at)
   ON synapse.email_integrations TO synapse_app, synapse_readonly;
GRANT UPDATE (provider, email, access_token_encrypted, refresh_token_encrypted, token_expires_at, encryption_key_id,
              status, last_sync, last_sync_message_id, error_message, error_count, sync_enabled,
              sync_frequency_minutes, folders_to_monitor, auto_create_tasks, min_confidence_score,
              default_priority, default_status)
   ON synapse.email_integrations TO synapse_app;
GRANT SELECT,
      UPDATE (access_token_encrypted, refresh_token_encrypted, token_expires_at, encryption_key_id, status,
              last_sync, last_sync_message_id, error_message, error_count)
   ON synapse.email_integrations TO synapse_worker;

REVOKE INSERT, UPDATE, DELETE ON synapse.email_processing_log FROM synapse_app;
GRANT SELECT, INSERT, UPDATE ON synapse.email_processing_log TO synapse_worker;

REVOKE UPDATE ON synapse.comments FROM synapse_app;
GRANT UPDATE (content, deleted_at) ON synapse.comments TO synapse_app;
REVOKE UPDATE ON synapse.task_assignees FROM synapse_app;
GRANT UPDATE (task_id, user_id) ON synapse.task_assignees TO synapse_app;
REVOKE UPDATE ON synapse.task_dependencies FROM synapse_app;
GRANT UPDATE (task_id, depends_on_task_id) ON synapse.task_dependencies TO synapse_app;

REVOKE INSERT, UPDATE, DELETE ON synapse.generation_runs FROM synapse_app;
REVOKE ALL ON synapse.generation_runs FROM synapse_monitoring;
GRANT SELECT ON synapse.generation_runs TO synapse_worker;
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT t.relid FROM pg_catalog.pg_partition_tree('synapse.generation_runs') t WHERE t.isleaf LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
    EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM synapse_app, synapse_readonly', part);
  END LOOP;
  EXECUTE pg_catalog.format('REVOKE ALL ON SEQUENCE %s FROM synapse_app',
                            pg_catalog.pg_get_serial_sequence('synapse.generation_runs', 'id'));
END
$$;

-- Views: read-only, each for the groups that read it.
DO $$
DECLARE
  v regclass;
BEGIN
  FOR v IN SELECT c.oid FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind = 'v' LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM PUBLIC, synapse_app, synapse_readonly, synapse_monitoring', v);
  END LOOP;
END
$$;
GRANT SELECT ON synapse.generation_recent_runs TO synapse_app, synapse_worker, synapse_readonly;
GRANT SELECT ON synapse.generation_overdue_templates, synapse.generation_failing_templates TO synapse_app, synapse_readonly;
GRANT SELECT ON synapse.generation_health TO synapse_monitoring, synapse_readonly;
GRANT SELECT ON synapse.monitoring_connections, synapse.monitoring_cache_hit_ratio, synapse.monitoring_table_sizes,
                synapse.monitoring_index_sizes, synapse.monitoring_unused_indexes, synapse.monitoring_dead_tuples,
                synapse.monitoring_slowest_statements, synapse.monitoring_statements_source,
                synapse.monitoring_replication, synapse.monitoring_generation, synapse.monitoring_alerts
   TO synapse_monitoring;

-- --- functions: EXECUTE only where it is called ------------------------------------------------------
-- Migration 5 granted every function to synapse_app and PUBLIC kept EXECUTE on the
-- migrations' functions. Now nobody but the owner, then explicitly per group. The
-- extension's public API keeps PUBLIC (the extension decides it, as it revokes PUBLIC on
-- its internals). A trigger function needs EXECUTE only to be attached (CREATE TRIGGER):
-- none is granted.
DO $$
DECLARE
  f record;
BEGIN
  FOR f IN SELECT p.oid::regprocedure AS sig,
                  EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                           WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') AS in_extension
             FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'synapse'::regnamespace LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON ROUTINE %s FROM synapse_app, synapse_readonly, synapse_monitoring', f.sig);
    IF NOT f.in_extension THEN
      EXECUTE pg_catalog.format('REVOKE ALL ON ROUTINE %s FROM PUBLIC', f.sig);
    END IF;
  END LOOP;
END
$$;

-- The application: acting for a user, the policies' helpers (evaluated as the caller), search
-- and "my tasks" with their invoker steps, the invoker triggers' helpers, sessions, generation.
GRANT EXECUTE ON FUNCTION
    synapse.set_current_user(uuid), synapse._set_current_user(uuid), synapse.current_user_id(),
    synapse._rls_current_user(), synapse._rls_is_admin(),
    synapse._rls_departments_from(), synapse._rls_departments_to(),
    synapse._rls_can_read(uuid), synapse._rls_can_write(uuid, uuid),
    synapse._rls_can_write_task(uuid, uuid, uuid), synapse._rls_can_write_task_child(uuid, uuid),
    synapse._rls_is_task_assignee(uuid, uuid), synapse._rls_is_task_participant(uuid, uuid),
    synapse._rls_may_be_assigned(uuid, uuid), synapse._rls_owns_email_integration(uuid),
    synapse.search_tasks(text, integer), synapse._search_html_escape(text),
    synapse._search_task_matches(tsquery, text, tsquery, integer, uuid, uuid),
    synapse._search_task_matches_for_user(tsquery, text, tsquery, integer),
    synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer),
    synapse._task_is_open(synapse.task_status, timestamptz, boolean),
    synapse._template_occurrence_from(jsonb, timestamptz, timestamptz, date[], timestamptz, integer),
    -- tasks_search_keys_idx's expression, evaluated as the writer (inlined or not).
    synapse._search_keys(uuid, tsvector), synapse._search_key_array(text, text[], text[]),
    synapse.recount_project_tasks(uuid),
    synapse.login_lookup(text), synapse.refresh_auth_session(bytea), synapse.revoke_auth_session(bytea)
  TO synapse_app;
-- Generation, for the application (any client may run a batch) and the worker.
GRANT EXECUTE ON FUNCTION
    synapse.generate_recurring_tasks(integer, timestamptz),
    synapse._generation_run_begin(timestamptz, integer),
    synapse._generate_recurring_batch(bigint, integer, timestamptz),
    synapse._generation_run_end(bigint)
  TO synapse_app, synapse_worker;
GRANT EXECUTE ON PROCEDURE synapse.run_recurring_generation(integer, timestamptz) TO synapse_app, synapse_worker;
GRANT EXECUTE ON FUNCTION synapse.current_user_id(), synapse._rls_current_user() TO synapse_worker;
-- Reporting: search and "my tasks" (everything without a user), the read policies' helpers.
GRANT EXECUTE ON FUNCTION
    synapse.current_user_id(), synapse._rls_current_user(),
    synapse._rls_departments_from(), synapse._rls_departments_to(),
    synapse.search_tasks(text, integer), synapse._search_html_escape(text),
    synapse._search_task_matches(tsquery, text, tsquery, integer, uuid, uuid),
    synapse._search_task_matches_for_user(tsquery, text, tsquery, integer),
    synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer),
    synapse._task_is_open(synapse.task_status, timestamptz, boolean),
    synapse._generation_health()
  TO synapse_readonly;
GRANT EXECUTE ON FUNCTION synapse._generation_health(), synapse._monitoring_slowest_statements(integer)
  TO synapse_monitoring;
-- The owner runs the SECURITY DEFINER helpers (and, on Citus, their shard queries) and
-- generation; these extension internals are what they call. _search_keys and
-- _search_key_array again for a database that applied migration 10 before it granted them
-- (its down leaves them: they are migration 10's).
GRANT EXECUTE ON FUNCTION
    synapse._rls_current_user(), synapse._rls_departments_from(), synapse._rls_departments_to(),
    synapse._template_occurrence_from(jsonb, timestamptz, timestamptz, date[], timestamptz, integer),
    synapse._template_next_after_completion(jsonb, timestamptz, timestamptz, integer, date[], timestamptz, integer),
    synapse._search_keys(uuid, tsvector), synapse._search_keys_query(uuid, tsquery, boolean),
    synapse._search_key_array(text, text[], text[])
  TO synapse_migrate;
-- Every trigger function's table check, run as whoever writes (or the SECURITY DEFINER
-- function's owner).
GRANT EXECUTE ON FUNCTION synapse._require_trigger_use(text, text, text[], text[], name, name, text, text, text)
  TO synapse_app, synapse_worker, synapse_migrate;
-- CREATE TRIGGER needs EXECUTE on the trigger function: the owner attaches the extension's
-- counter triggers again whenever Citus creates a shard of synapse.tasks (a shard move, a
-- tenant isolation) and when a later migration recreates them.
GRANT EXECUTE ON FUNCTION synapse._tasks_count_in_projects(), synapse._tasks_apply_project_counts() TO synapse_migrate;

ALTER FUNCTION synapse._users_admin_only_changes() OWNER TO synapse_migrate;
ALTER FUNCTION synapse._rls_may_be_assigned(uuid, uuid) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._rls_owns_email_integration(uuid) OWNER TO synapse_migrate;
-- These must be: SECURITY DEFINER reads past row-level security as the owner.
ALTER FUNCTION synapse.refresh_auth_session(bytea) OWNER TO synapse_migrate;
ALTER FUNCTION synapse.revoke_auth_session(bytea) OWNER TO synapse_migrate;
ALTER FUNCTION synapse.login_lookup(text) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._generation_health() OWNER TO synapse_migrate;

-- --- what later migrations create --------------------------------------------------------------------
-- No privilege by default: a migration grants what each group needs and adds the table's
-- policies (tests/security checks that every table has row-level security and that no
-- migration function is executable by PUBLIC). Sequences keep USAGE for the application.
DO $$
DECLARE
  r regrole;
BEGIN
  FOR r IN SELECT DISTINCT a.defaclrole::regrole FROM pg_catalog.pg_default_acl a
            WHERE a.defaclnamespace = 'synapse'::regnamespace LOOP
    EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA synapse REVOKE ALL ON TABLES FROM synapse_app, synapse_readonly', r);
    EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA synapse REVOKE ALL ON FUNCTIONS FROM synapse_app', r);
  END LOOP;
END
$$;
-- PUBLIC's EXECUTE can only be taken away for all schemas of a role (per-schema default
-- privileges add to the global ones): for synapse_migrate, which creates nothing elsewhere.
-- A migration run by a superuser revokes PUBLIC on its new functions itself.
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
