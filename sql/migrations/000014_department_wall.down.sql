-- Undo migration 14: migration 13's policies, privileges, default privileges, views and
-- function definitions, exactly (tests/e2e/10_migrations.t compares the catalogs). The
-- default privileges go back for synapse_migrate and for the role running this down (the
-- role that ran migration 5, when that is the same one).

-- --- default privileges -------------------------------------------------------------------
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate IN SCHEMA synapse
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO synapse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate IN SCHEMA synapse
  GRANT EXECUTE ON FUNCTIONS TO synapse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate IN SCHEMA synapse
  GRANT SELECT ON TABLES TO synapse_readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA synapse
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO synapse_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA synapse
  GRANT EXECUTE ON FUNCTIONS TO synapse_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA synapse
  GRANT SELECT ON TABLES TO synapse_readonly;

-- --- policies and row-level security ---------------------------------------------------------
DROP POLICY departments_read ON synapse.departments;
DROP POLICY departments_insert ON synapse.departments;
DROP POLICY departments_update ON synapse.departments;
DROP POLICY departments_delete ON synapse.departments;
DROP POLICY users_read ON synapse.users;
DROP POLICY users_insert ON synapse.users;
DROP POLICY users_update ON synapse.users;
DROP POLICY users_delete ON synapse.users;
DROP POLICY users_readonly ON synapse.users;
DROP POLICY auth_sessions_read ON synapse.auth_sessions;
DROP POLICY auth_sessions_insert ON synapse.auth_sessions;
DROP POLICY auth_sessions_update ON synapse.auth_sessions;
DROP POLICY auth_sessions_readonly ON synapse.auth_sessions;
DROP POLICY email_integrations_read ON synapse.email_integrations;
DROP POLICY email_integrations_insert ON synapse.email_integrations;
DROP POLICY email_integrations_update ON synapse.email_integrations;
DROP POLICY email_integrations_delete ON synapse.email_integrations;
DROP POLICY email_integrations_worker_read ON synapse.email_integrations;
DROP POLICY email_integrations_worker_update ON synapse.email_integrations;
DROP POLICY email_integrations_readonly ON synapse.email_integrations;
DROP POLICY email_processing_log_read ON synapse.email_processing_log;
DROP POLICY email_processing_log_worker_read ON synapse.email_processing_log;
DROP POLICY email_processing_log_worker_insert ON synapse.email_processing_log;
DROP POLICY email_processing_log_worker_update ON synapse.email_processing_log;
DROP POLICY email_processing_log_readonly ON synapse.email_processing_log;
DROP POLICY generation_runs_read ON synapse.generation_runs;

-- Migration 6's assignee and dependency policies.
DROP POLICY task_assignees_insert ON synapse.task_assignees;
DROP POLICY task_assignees_update ON synapse.task_assignees;
DROP POLICY task_dependencies_insert ON synapse.task_dependencies;
CREATE POLICY task_assignees_insert ON synapse.task_assignees FOR INSERT
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id));
CREATE POLICY task_assignees_update ON synapse.task_assignees FOR UPDATE
  USING (synapse._rls_can_write_task_child(department_id, task_id))
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id));
CREATE POLICY task_dependencies_insert ON synapse.task_dependencies FOR INSERT
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id));

ALTER TABLE synapse.departments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE synapse.departments DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.users DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.auth_sessions DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.email_integrations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE synapse.email_integrations DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.email_processing_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE synapse.email_processing_log DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.generation_runs DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.search_words DISABLE ROW LEVEL SECURITY;

-- --- table, column and view privileges as migrations 5-13 left them ---------------------------
-- A table-level REVOKE takes the column privileges along.
REVOKE ALL ON synapse.users, synapse.auth_sessions, synapse.email_integrations FROM synapse_app, synapse_readonly;
GRANT SELECT, INSERT, UPDATE, DELETE ON synapse.users, synapse.auth_sessions, synapse.email_integrations TO synapse_app;
GRANT SELECT ON synapse.users, synapse.auth_sessions, synapse.email_integrations TO synapse_readonly;
GRANT INSERT, UPDATE, DELETE ON synapse.email_processing_log TO synapse_app;
REVOKE UPDATE ON synapse.comments, synapse.task_assignees, synapse.task_dependencies FROM synapse_app;
GRANT UPDATE ON synapse.comments, synapse.task_assignees, synapse.task_dependencies TO synapse_app;
GRANT INSERT, UPDATE, DELETE ON synapse.generation_runs TO synapse_app;
GRANT SELECT ON synapse.generation_runs TO synapse_monitoring;
-- The run log's partitions had what default privileges gave.
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT t.relid FROM pg_catalog.pg_partition_tree('synapse.generation_runs') t WHERE t.isleaf LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', part);
    EXECUTE pg_catalog.format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO synapse_app', part);
    EXECUTE pg_catalog.format('GRANT SELECT ON %s TO synapse_readonly', part);
  END LOOP;
  EXECUTE pg_catalog.format('GRANT USAGE ON SEQUENCE %s TO synapse_app',
                            pg_catalog.pg_get_serial_sequence('synapse.generation_runs', 'id'));
END
$$;

-- Migration 12's generation_health, then every view back to its owner's rights.
CREATE OR REPLACE VIEW synapse.generation_health AS
SELECT last.started_at AS last_run_started_at,
       last.finished_at AS last_run_finished_at,
       last.status AS last_run_status,
       (SELECT count(*) FROM synapse.generation_runs r WHERE r.started_at > now() - interval '1 hour') AS runs_last_hour,
       (SELECT coalesce(sum(r.tasks_generated), 0) FROM synapse.generation_runs r
         WHERE r.started_at > now() - interval '1 hour') AS generated_last_hour,
       (SELECT count(*) FROM synapse.generation_overdue_templates) AS overdue_templates,
       (SELECT max(o.overdue_by) FROM synapse.generation_overdue_templates o) AS most_overdue_by,
       (SELECT count(*) FROM synapse.generation_failing_templates) AS failing_templates
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (SELECT started_at, finished_at, status FROM synapse.generation_recent_runs LIMIT 1) AS last ON true;
DO $$
DECLARE
  v regclass;
BEGIN
  FOR v IN SELECT c.oid FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind = 'v' LOOP
    EXECUTE pg_catalog.format('ALTER VIEW %s RESET (security_invoker)', v);
  END LOOP;
END
$$;
-- The generation views had what default privileges gave (migration 7 added the readers);
-- the monitoring views only synapse_monitoring (migration 11).
GRANT SELECT, INSERT, UPDATE, DELETE ON synapse.generation_recent_runs, synapse.generation_overdue_templates,
                                        synapse.generation_failing_templates, synapse.generation_health
   TO synapse_app;
GRANT SELECT ON synapse.generation_recent_runs, synapse.generation_overdue_templates,
                synapse.generation_failing_templates, synapse.generation_health
   TO synapse_readonly, synapse_monitoring;

-- --- functions ----------------------------------------------------------------------------------
DROP FUNCTION synapse._generation_health();
DROP FUNCTION synapse.login_lookup(text);
DROP FUNCTION synapse.revoke_auth_session(bytea);
DROP FUNCTION synapse.refresh_auth_session(bytea);
DROP FUNCTION synapse._rls_owns_email_integration(uuid);
DROP FUNCTION synapse._rls_may_be_assigned(uuid, uuid);
DROP TRIGGER users_admin_only_changes ON synapse.users;
DROP FUNCTION synapse._users_admin_only_changes();
DROP FUNCTION synapse._require_trigger_use(text, text, text[], text[], name, name, text, text, text);

-- The definitions of migrations 2-10 (the trigger functions without their table check),
-- migration 6's set_current_user and migration 5's current_user_id.
CREATE OR REPLACE FUNCTION synapse._set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION synapse._users_refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'users are never deleted (user %): soft-delete with UPDATE synapse.users SET deleted_at = now()', OLD.id
    USING ERRCODE = 'restrict_violation',
          HINT = 'Tasks, comments and sessions keep referring to their authors; a soft delete keeps that history.';
END
$$;

CREATE OR REPLACE FUNCTION synapse._tasks_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
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

CREATE OR REPLACE FUNCTION synapse._tasks_maintain_project_counts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  old_counted boolean := false;
  new_counted boolean := false;
BEGIN
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

CREATE OR REPLACE FUNCTION synapse.set_current_user(p_user uuid) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_department uuid;
  v_role synapse.user_role;
BEGIN
  IF p_user IS NULL THEN
    SET LOCAL synapse.current_user_id = '';
    SET LOCAL synapse.current_department_id = '';
    SET LOCAL synapse.current_user_role = '';
    RETURN;
  END IF;
  SELECT u.department_id, u.role INTO v_department, v_role
    FROM synapse.users u WHERE u.id = p_user AND u.deleted_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'synapse.set_current_user: % is not an active user', p_user
      USING ERRCODE = 'invalid_authorization_specification';
  END IF;
  EXECUTE pg_catalog.format('SET LOCAL synapse.current_user_id = %L', p_user);
  EXECUTE pg_catalog.format('SET LOCAL synapse.current_department_id = %L', coalesce(v_department::text, ''));
  EXECUTE pg_catalog.format('SET LOCAL synapse.current_user_role = %L', v_role);
END
$$;

CREATE OR REPLACE FUNCTION synapse.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  -- After a transaction that used SET LOCAL, the setting reads as '' (not missing).
  SELECT NULLIF(pg_catalog.current_setting('synapse.current_user_id', true), '')::pg_catalog.uuid
$$;

COMMENT ON FUNCTION synapse.set_current_user(uuid) IS
  'Sets the Synapse user, with their department and role as of now, for the rest of the current transaction only (SET LOCAL); NULL clears it. Call it first in every transaction; raises 28000 for an unknown or deleted user. A role or department change applies from the next call.';
COMMENT ON FUNCTION synapse.current_user_id() IS
  'The Synapse user the current transaction acts for (set by synapse.set_current_user), or NULL: then row-level security shows nothing.';

-- EXECUTE: every function to synapse_app (migration 5; the extension's made later through
-- its default privileges), PUBLIC on the migrations' own, synapse_readonly on search and
-- "my tasks", the monitoring helper to synapse_monitoring only (migration 11).
REVOKE ALL ON PROCEDURE synapse.run_recurring_generation(integer, timestamptz) FROM synapse_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA synapse TO synapse_app;
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'synapse'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                               WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO PUBLIC', f);
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION synapse._monitoring_slowest_statements(integer) FROM PUBLIC, synapse_app;
REVOKE ALL ON FUNCTION synapse.current_user_id(), synapse._rls_current_user(),
                       synapse._rls_departments_from(), synapse._rls_departments_to()
  FROM synapse_readonly;
GRANT EXECUTE ON FUNCTION synapse._title_words(text),
                          synapse._search_department_matches(tsquery, text, tsquery, integer, uuid)
  TO synapse_readonly;
REVOKE ALL ON FUNCTION
    synapse._rls_current_user(), synapse._rls_departments_from(), synapse._rls_departments_to(),
    synapse._template_occurrence_from(jsonb, timestamptz, timestamptz, date[], timestamptz, integer),
    synapse._template_next_after_completion(jsonb, timestamptz, timestamptz, integer, date[], timestamptz, integer),
    synapse._search_keys_query(uuid, tsquery, boolean),
    synapse._tasks_count_in_projects(), synapse._tasks_apply_project_counts()
  FROM synapse_migrate;

-- --- the mail poller's group --------------------------------------------------------------------
-- Its privileges here go; the role itself unless another database still uses it (roles are
-- cluster-wide).
DROP OWNED BY synapse_worker;
DO $$
BEGIN
  DROP ROLE synapse_worker;
EXCEPTION WHEN dependent_objects_still_exist THEN
  RAISE NOTICE 'role synapse_worker is still used by another database; kept';
END
$$;
