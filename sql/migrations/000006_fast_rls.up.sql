-- requires: synapse_ext >= 0.1.0
-- Migration 6: row-level security at near-zero cost per row (issue 16).
--
-- Migration 5's policies called two SECURITY DEFINER helpers that each queried users for
-- every row a scan returned (about 17 µs per row), and on Citus every call was a nested
-- distributed query. Now synapse.set_current_user resolves the identity once per
-- transaction: besides synapse.current_user_id it records the user's department and role
-- as transaction-local settings (synapse.current_department_id, synapse.current_user_role).
-- The policies call helpers of the extension (src/sql/identity.rs) that compare against
-- those settings, parsed once per change of a setting rather than once per row:
--   reads   department_id BETWEEN synapse._rls_departments_from() AND synapse._rls_departments_to()
--           (the own department, every uuid for an Admin, NULL = nothing without a user);
--           an index condition evaluated once per scan, so a department's rows are read
--           through the department index and no function runs per row;
--   writes  synapse._rls_can_write(department_id, owner): Admin; in the own department its
--           Manager or the row's owner. Only where that says no and the row is in the own
--           department do the task policies query task_assignees (the assignee rule),
--           in a CASE so the order is guaranteed.
-- A role or department change of a user takes effect from the next set_current_user, in
-- practice the user's next transaction; a deactivated user is refused from then on.
-- Policies still contain no subquery (Citus refuses them, docs/citus.md).

-- Transaction-local by construction, as before (PgBouncer in transaction mode); SET LOCAL
-- through EXECUTE so that Citus propagates it to the shards (citus.propagate_set_commands
-- = 'local'), which set_config does not. Values are a uuid and an enum label, quoted with
-- %L. No SET clause on this function: it would undo the SET LOCALs on exit. The extension
-- validates each setting (a malformed one is refused with 22023).
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
COMMENT ON FUNCTION synapse.set_current_user(uuid) IS
  'Sets the Synapse user, with their department and role as of now, for the rest of the current transaction only (SET LOCAL); NULL clears it. Call it first in every transaction; raises 28000 for an unknown or deleted user. A role or department change applies from the next call.';

-- The assignee rule, the one write rule that needs a query. PL/pgSQL for Citus (a
-- parameterised SQL function cannot be planned inside a shard query, docs/citus.md);
-- SECURITY DEFINER (owned by synapse_migrate, exempt from RLS) so it reads the rows
-- whatever the caller's policies. Only asked where the cheap rule said no and the row is
-- in the caller's department: they answer "is the current user involved", not "may they".
CREATE FUNCTION synapse._rls_is_task_assignee(p_department uuid, p_task uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM synapse.task_assignees a
                  WHERE a.department_id = p_department AND a.task_id = p_task
                    AND a.user_id = synapse.current_user_id());
END
$$;
COMMENT ON FUNCTION synapse._rls_is_task_assignee(uuid, uuid) IS
  'RLS helper: is the current user an assignee of this task? Asked by the write policies of tasks only after the cheap rule (synapse._rls_can_write) said no within the user''s department.';

CREATE FUNCTION synapse._rls_is_task_participant(p_department uuid, p_task uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM synapse.tasks t
                  WHERE t.department_id = p_department AND t.id = p_task
                    AND t.creator_id = synapse.current_user_id())
      OR synapse._rls_is_task_assignee(p_department, p_task);
END
$$;
COMMENT ON FUNCTION synapse._rls_is_task_participant(uuid, uuid) IS
  'RLS helper: did the current user create this task, or are they assigned to it? Asked by the write policies of assignees and dependencies only after the cheap rule said no within the user''s department.';

-- The whole write rule for a task and for a row hanging off a task, as SQL expressions
-- the planner inlines into the policies (no SECURITY DEFINER, no SET clause, one
-- expression): the CASE fixes the order, so the query runs only where the cheap rule says
-- no and the row is in the user's own department. _rls_can_write(d, NULL) is the Admin or
-- the department's Manager.
CREATE FUNCTION synapse._rls_can_write_task(p_department uuid, p_task uuid, p_creator uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN synapse._rls_can_write(p_department, p_creator) THEN true
              WHEN synapse._rls_can_read(p_department) THEN synapse._rls_is_task_assignee(p_department, p_task)
              ELSE false END
$$;
COMMENT ON FUNCTION synapse._rls_can_write_task(uuid, uuid, uuid) IS
  'RLS helper: may the current user change this task? Admin anywhere; in the task''s department its Manager, its creator or an assignee (queried last).';

CREATE FUNCTION synapse._rls_can_write_task_child(p_department uuid, p_task uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN synapse._rls_can_write(p_department, NULL) THEN true
              WHEN synapse._rls_can_read(p_department) THEN synapse._rls_is_task_participant(p_department, p_task)
              ELSE false END
$$;
COMMENT ON FUNCTION synapse._rls_can_write_task_child(uuid, uuid) IS
  'RLS helper for assignees and dependencies: the current user may change them when they may change the task itself (Admin, Manager, creator, assignee).';

-- The policies, replaced one by one: same names and commands as migration 5, except the
-- child tables' write policies, split by command so that a SELECT sees only the read
-- policy (a FOR ALL policy is OR-ed into every SELECT).
DROP POLICY projects_read ON synapse.projects;
DROP POLICY projects_insert ON synapse.projects;
DROP POLICY projects_update ON synapse.projects;
DROP POLICY projects_delete ON synapse.projects;
DROP POLICY tasks_read ON synapse.tasks;
DROP POLICY tasks_insert ON synapse.tasks;
DROP POLICY tasks_update ON synapse.tasks;
DROP POLICY tasks_delete ON synapse.tasks;
DROP POLICY task_assignees_read ON synapse.task_assignees;
DROP POLICY task_assignees_write ON synapse.task_assignees;
DROP POLICY task_dependencies_read ON synapse.task_dependencies;
DROP POLICY task_dependencies_write ON synapse.task_dependencies;
DROP POLICY comments_read ON synapse.comments;
DROP POLICY comments_insert ON synapse.comments;
DROP POLICY comments_update ON synapse.comments;
DROP POLICY comments_delete ON synapse.comments;

CREATE POLICY projects_read ON synapse.projects FOR SELECT
  USING (department_id BETWEEN synapse._rls_departments_from() AND synapse._rls_departments_to());
CREATE POLICY projects_insert ON synapse.projects FOR INSERT
  WITH CHECK (synapse._rls_can_write(department_id, owner_id));
CREATE POLICY projects_update ON synapse.projects FOR UPDATE
  USING (synapse._rls_can_write(department_id, owner_id))
  WITH CHECK (synapse._rls_can_write(department_id, owner_id));
CREATE POLICY projects_delete ON synapse.projects FOR DELETE
  USING (synapse._rls_can_write(department_id, owner_id));

CREATE POLICY tasks_read ON synapse.tasks FOR SELECT
  USING (department_id BETWEEN synapse._rls_departments_from() AND synapse._rls_departments_to());
CREATE POLICY tasks_insert ON synapse.tasks FOR INSERT
  WITH CHECK (synapse._rls_can_write_task(department_id, id, creator_id));
CREATE POLICY tasks_update ON synapse.tasks FOR UPDATE
  USING (synapse._rls_can_write_task(department_id, id, creator_id))
  WITH CHECK (synapse._rls_can_write_task(department_id, id, creator_id));
CREATE POLICY tasks_delete ON synapse.tasks FOR DELETE
  USING (synapse._rls_can_write_task(department_id, id, creator_id));

CREATE POLICY task_assignees_read ON synapse.task_assignees FOR SELECT
  USING (department_id BETWEEN synapse._rls_departments_from() AND synapse._rls_departments_to());
CREATE POLICY task_assignees_insert ON synapse.task_assignees FOR INSERT
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id));
CREATE POLICY task_assignees_update ON synapse.task_assignees FOR UPDATE
  USING (synapse._rls_can_write_task_child(department_id, task_id))
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id));
CREATE POLICY task_assignees_delete ON synapse.task_assignees FOR DELETE
  USING (synapse._rls_can_write_task_child(department_id, task_id));

CREATE POLICY task_dependencies_read ON synapse.task_dependencies FOR SELECT
  USING (department_id BETWEEN synapse._rls_departments_from() AND synapse._rls_departments_to());
CREATE POLICY task_dependencies_insert ON synapse.task_dependencies FOR INSERT
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id));
CREATE POLICY task_dependencies_update ON synapse.task_dependencies FOR UPDATE
  USING (synapse._rls_can_write_task_child(department_id, task_id))
  WITH CHECK (synapse._rls_can_write_task_child(department_id, task_id));
CREATE POLICY task_dependencies_delete ON synapse.task_dependencies FOR DELETE
  USING (synapse._rls_can_write_task_child(department_id, task_id));

-- Comments: anyone who reads the task comments as themselves; a comment is changed by
-- its author, the department's Manager or an Admin.
CREATE POLICY comments_read ON synapse.comments FOR SELECT
  USING (department_id BETWEEN synapse._rls_departments_from() AND synapse._rls_departments_to());
CREATE POLICY comments_insert ON synapse.comments FOR INSERT
  WITH CHECK (user_id = synapse.current_user_id() AND synapse._rls_can_read(department_id));
CREATE POLICY comments_update ON synapse.comments FOR UPDATE
  USING (synapse._rls_can_write(department_id, user_id))
  WITH CHECK (synapse._rls_can_write(department_id, user_id));
CREATE POLICY comments_delete ON synapse.comments FOR DELETE
  USING (synapse._rls_can_write(department_id, user_id));

-- Migration 5's lookup helpers are unused now.
DROP FUNCTION synapse._can_write_task_child(uuid, uuid);
DROP FUNCTION synapse._can_write_task(uuid, uuid, uuid);
DROP FUNCTION synapse._current_user_role();
DROP FUNCTION synapse._current_user_department();

-- The new helpers belong to synapse_migrate like every other migration function (the
-- assignee helpers must: they are SECURITY DEFINER to read past RLS as the owner).
-- EXECUTE follows the default privileges of migration 5; granted explicitly as well.
ALTER FUNCTION synapse._rls_is_task_assignee(uuid, uuid) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._rls_is_task_participant(uuid, uuid) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._rls_can_write_task(uuid, uuid, uuid) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._rls_can_write_task_child(uuid, uuid) OWNER TO synapse_migrate;
GRANT EXECUTE ON FUNCTION synapse._rls_is_task_assignee(uuid, uuid), synapse._rls_is_task_participant(uuid, uuid),
                          synapse._rls_can_write_task(uuid, uuid, uuid), synapse._rls_can_write_task_child(uuid, uuid)
  TO synapse_app;
