-- requires: synapse_ext >= 0.1.0
-- Migration 5: group roles, privileges and row-level security.
--
-- Roles are NOLOGIN groups without passwords: operators create login roles and grant
-- them a group (GRANT synapse_app TO api_login). No secret belongs in a migration.

-- Roles are cluster-wide (another database may have created them already), so create
-- only what is missing.
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['synapse_app', 'synapse_migrate', 'synapse_readonly', 'synapse_monitoring'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END
$$;

-- synapse_migrate owns the schema and everything in it that is not part of an extension,
-- so a login role in that group can run later DDL migrations. Being the owner, it is not
-- subject to row-level security (no FORCE), which migrations and back-fills need; the
-- SECURITY DEFINER helpers below are owned by it for the same reason.
DO $$
DECLARE
  obj record;
BEGIN
  EXECUTE 'ALTER SCHEMA synapse OWNER TO synapse_migrate';
  FOR obj IN
    SELECT c.oid, c.relkind
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'synapse'::regnamespace
       AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
       -- sequences owned by a table follow it
       AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO synapse_migrate',
                   CASE obj.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                    WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                                    ELSE 'TABLE' END,
                   obj.oid::regclass);
  END LOOP;
  FOR obj IN
    SELECT t.oid FROM pg_catalog.pg_type t
     WHERE t.typnamespace = 'synapse'::regnamespace AND t.typtype IN ('e', 'd')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO synapse_migrate', obj.oid::regtype);
  END LOOP;
  -- Functions are handed over at the end of this file, once the ones below exist.
END
$$;

-- The identity of the Synapse user a transaction acts for. NULL when unset, so every
-- policy below compares against NULL and lets nothing through.
CREATE FUNCTION synapse.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  -- After a transaction that used SET LOCAL, the setting reads as '' (not missing).
  SELECT NULLIF(pg_catalog.current_setting('synapse.current_user_id', true), '')::pg_catalog.uuid
$$;
COMMENT ON FUNCTION synapse.current_user_id() IS
  'The Synapse user the current transaction acts for (set by synapse.set_current_user), or NULL: then row-level security shows nothing.';

-- Transaction-local by construction: behind PgBouncer in transaction mode a session-wide
-- SET would leak one client's identity into the next client's transactions.
-- Why SET LOCAL through EXECUTE rather than set_config(..., true): on Citus the SET LOCAL
-- is propagated to the shards (citus.propagate_set_commands = 'local') where the policies
-- run, set_config is not. The value is a uuid (validated by its type) and quoted with %L.
-- No SET clause (e.g. search_path) on this function: a function with SET clauses rolls
-- back every setting changed inside it on exit, which would undo the SET LOCAL.
CREATE FUNCTION synapse.set_current_user(p_user uuid) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF p_user IS NULL THEN
    SET LOCAL synapse.current_user_id = '';
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM synapse.users u WHERE u.id = p_user AND u.deleted_at IS NULL) THEN
    RAISE EXCEPTION 'synapse.set_current_user: % is not an active user', p_user
      USING ERRCODE = 'invalid_authorization_specification';
  END IF;
  EXECUTE pg_catalog.format('SET LOCAL synapse.current_user_id = %L', p_user);
END
$$;
COMMENT ON FUNCTION synapse.set_current_user(uuid) IS
  'Sets the Synapse user for the rest of the current transaction only (SET LOCAL); NULL clears it. Call it first in every transaction; raises 28000 for an unknown or deleted user.';

-- Lookup helpers used by the policies. SECURITY DEFINER (owned by synapse_migrate, which
-- RLS does not apply to) so a policy on one table can consult another without recursing
-- into that table's policies; fixed search_path so callers cannot redirect them.
CREATE FUNCTION synapse._current_user_department() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.department_id FROM synapse.users u
   WHERE u.id = synapse.current_user_id() AND u.deleted_at IS NULL
$$;
COMMENT ON FUNCTION synapse._current_user_department() IS
  'RLS helper: the current user''s department, NULL without a current user.';

CREATE FUNCTION synapse._current_user_role() RETURNS synapse.user_role
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.role FROM synapse.users u
   WHERE u.id = synapse.current_user_id() AND u.deleted_at IS NULL
$$;
COMMENT ON FUNCTION synapse._current_user_role() IS
  'RLS helper: the current user''s role, NULL without a current user.';

-- The two write helpers are PL/pgSQL, not LANGUAGE sql, for Citus (docs/citus.md): they
-- take parameters and query distributed tables (task_assignees, tasks), and Citus cannot
-- plan a parameterised SQL function's query inside a shard query ("could not create
-- distributed plan ... use of parameters in SQL functions"); the same query in PL/pgSQL
-- is planned fine. Keep them PL/pgSQL (tests/citus/check.sh checks this).
CREATE FUNCTION synapse._can_write_task(p_department uuid, p_task uuid, p_creator uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN coalesce((
    SELECT bool_or(
             u.role = 'Admin'
             OR (u.department_id = p_department
                 AND (u.role = 'Manager'
                      OR u.id = p_creator
                      OR EXISTS (SELECT 1 FROM synapse.task_assignees a
                                  WHERE a.department_id = p_department AND a.task_id = p_task
                                    AND a.user_id = u.id))))
      FROM synapse.users u
     WHERE u.id = synapse.current_user_id() AND u.deleted_at IS NULL), false);
END
$$;
COMMENT ON FUNCTION synapse._can_write_task(uuid, uuid, uuid) IS
  'RLS helper: may the current user change this task? Admin anywhere; in the task''s department its Manager, its creator or an assignee.';

CREATE FUNCTION synapse._can_write_task_child(p_department uuid, p_task uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN coalesce((SELECT synapse._can_write_task(t.department_id, t.id, t.creator_id)
                     FROM synapse.tasks t
                    WHERE t.department_id = p_department AND t.id = p_task), false);
END
$$;
COMMENT ON FUNCTION synapse._can_write_task_child(uuid, uuid) IS
  'RLS helper for assignees and dependencies: the current user may change them when they may change the task itself.';

-- Row-level security. Reads: the current user's department, everything for an Admin.
-- Writes: see _can_write_task. No current user: nothing. Not FORCEd: the owner
-- (synapse_migrate) and superusers are exempt, as migrations need.
ALTER TABLE synapse.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.task_assignees ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.task_dependencies ENABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.comments ENABLE ROW LEVEL SECURITY;

-- The policies call the helpers directly, with no subquery anywhere (no (SELECT ...)
-- wrapper, no EXISTS): Citus refuses to create a policy containing a subquery on a
-- distributed table ("Subqueries are not supported in policies on distributed tables"),
-- and these five tables are distributed by department on Citus (docs/citus.md).
-- Trade-off: a (SELECT f()) wrapper ran each helper once per statement (an InitPlan);
-- called directly, the helpers in a policy run once per row the scan returns, so a
-- sequential scan calls them for every row of the table. A query filtered by department
-- (department_id = <value>, or = synapse._current_user_department(), evaluated once as
-- the index scan key) reads only that department's rows through the index, so the
-- per-row policy cost stays bounded by one department (on Citus: one shard).
CREATE POLICY projects_read ON synapse.projects FOR SELECT
  USING (synapse._current_user_role() = 'Admin'
         OR department_id = synapse._current_user_department());
CREATE POLICY projects_insert ON synapse.projects FOR INSERT
  WITH CHECK (synapse._current_user_role() = 'Admin'
              OR (department_id = synapse._current_user_department()
                  AND (synapse._current_user_role() = 'Manager'
                       OR owner_id = synapse.current_user_id())));
CREATE POLICY projects_update ON synapse.projects FOR UPDATE
  USING (synapse._current_user_role() = 'Admin'
         OR (department_id = synapse._current_user_department()
             AND (synapse._current_user_role() = 'Manager'
                  OR owner_id = synapse.current_user_id())))
  WITH CHECK (synapse._current_user_role() = 'Admin'
              OR (department_id = synapse._current_user_department()
                  AND (synapse._current_user_role() = 'Manager'
                       OR owner_id = synapse.current_user_id())));
CREATE POLICY projects_delete ON synapse.projects FOR DELETE
  USING (synapse._current_user_role() = 'Admin'
         OR (department_id = synapse._current_user_department()
             AND (synapse._current_user_role() = 'Manager'
                  OR owner_id = synapse.current_user_id())));

CREATE POLICY tasks_read ON synapse.tasks FOR SELECT
  USING (synapse._current_user_role() = 'Admin'
         OR department_id = synapse._current_user_department());
CREATE POLICY tasks_insert ON synapse.tasks FOR INSERT
  WITH CHECK (synapse._can_write_task(department_id, id, creator_id));
CREATE POLICY tasks_update ON synapse.tasks FOR UPDATE
  USING (synapse._can_write_task(department_id, id, creator_id))
  WITH CHECK (synapse._can_write_task(department_id, id, creator_id));
CREATE POLICY tasks_delete ON synapse.tasks FOR DELETE
  USING (synapse._can_write_task(department_id, id, creator_id));

CREATE POLICY task_assignees_read ON synapse.task_assignees FOR SELECT
  USING (synapse._current_user_role() = 'Admin'
         OR department_id = synapse._current_user_department());
CREATE POLICY task_assignees_write ON synapse.task_assignees FOR ALL
  USING (synapse._can_write_task_child(department_id, task_id))
  WITH CHECK (synapse._can_write_task_child(department_id, task_id));

CREATE POLICY task_dependencies_read ON synapse.task_dependencies FOR SELECT
  USING (synapse._current_user_role() = 'Admin'
         OR department_id = synapse._current_user_department());
CREATE POLICY task_dependencies_write ON synapse.task_dependencies FOR ALL
  USING (synapse._can_write_task_child(department_id, task_id))
  WITH CHECK (synapse._can_write_task_child(department_id, task_id));

-- Comments: anyone who can read a task may comment on it as themselves; a comment is
-- changed by its author, the department's Manager or an Admin.
CREATE POLICY comments_read ON synapse.comments FOR SELECT
  USING (synapse._current_user_role() = 'Admin'
         OR department_id = synapse._current_user_department());
CREATE POLICY comments_insert ON synapse.comments FOR INSERT
  WITH CHECK (user_id = synapse.current_user_id()
              AND (synapse._current_user_role() = 'Admin'
                   OR department_id = synapse._current_user_department()));
CREATE POLICY comments_update ON synapse.comments FOR UPDATE
  USING (synapse._current_user_role() = 'Admin'
         OR (department_id = synapse._current_user_department()
             AND (user_id = synapse.current_user_id()
                  OR synapse._current_user_role() = 'Manager')))
  WITH CHECK (synapse._current_user_role() = 'Admin'
              OR (department_id = synapse._current_user_department()
                  AND (user_id = synapse.current_user_id()
                       OR synapse._current_user_role() = 'Manager')));
CREATE POLICY comments_delete ON synapse.comments FOR DELETE
  USING (synapse._current_user_role() = 'Admin'
         OR (department_id = synapse._current_user_department()
             AND (user_id = synapse.current_user_id()
                  OR synapse._current_user_role() = 'Manager')));

-- Reporting reads everything: synapse_readonly is granted to analytics logins by
-- operators on purpose. (Do not grant it to the application's login.)
CREATE POLICY projects_readonly ON synapse.projects FOR SELECT TO synapse_readonly USING (true);
CREATE POLICY tasks_readonly ON synapse.tasks FOR SELECT TO synapse_readonly USING (true);
CREATE POLICY task_assignees_readonly ON synapse.task_assignees FOR SELECT TO synapse_readonly USING (true);
CREATE POLICY task_dependencies_readonly ON synapse.task_dependencies FOR SELECT TO synapse_readonly USING (true);
CREATE POLICY comments_readonly ON synapse.comments FOR SELECT TO synapse_readonly USING (true);

-- Privileges: least privilege per group.
GRANT USAGE, CREATE ON SCHEMA synapse TO synapse_migrate;
GRANT USAGE ON SCHEMA synapse TO synapse_app, synapse_readonly;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA synapse TO synapse_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA synapse TO synapse_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA synapse TO synapse_app;
GRANT SELECT ON ALL TABLES IN SCHEMA synapse TO synapse_readonly;
GRANT pg_read_all_stats TO synapse_monitoring;

-- Future objects follow, whether a later migration runs as (a member of) synapse_migrate
-- or as the role running this one.
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate IN SCHEMA synapse
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO synapse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate IN SCHEMA synapse
  GRANT USAGE ON SEQUENCES TO synapse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate IN SCHEMA synapse
  GRANT EXECUTE ON FUNCTIONS TO synapse_app;
ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate IN SCHEMA synapse
  GRANT SELECT ON TABLES TO synapse_readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA synapse
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO synapse_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA synapse
  GRANT USAGE ON SEQUENCES TO synapse_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA synapse
  GRANT EXECUTE ON FUNCTIONS TO synapse_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA synapse
  GRANT SELECT ON TABLES TO synapse_readonly;

-- Hand the non-extension functions (triggers, RLS helpers) to synapse_migrate too.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'synapse'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO synapse_migrate', f);
  END LOOP;
END
$$;
