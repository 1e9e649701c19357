-- Undo migration 6: migration 5's set_current_user, lookup helpers and policies, exactly
-- as migration 5 created them (copied from it), with the same owner and grants.

DROP POLICY projects_read ON synapse.projects;
DROP POLICY projects_insert ON synapse.projects;
DROP POLICY projects_update ON synapse.projects;
DROP POLICY projects_delete ON synapse.projects;
DROP POLICY tasks_read ON synapse.tasks;
DROP POLICY tasks_insert ON synapse.tasks;
DROP POLICY tasks_update ON synapse.tasks;
DROP POLICY tasks_delete ON synapse.tasks;
DROP POLICY task_assignees_read ON synapse.task_assignees;
DROP POLICY task_assignees_insert ON synapse.task_assignees;
DROP POLICY task_assignees_update ON synapse.task_assignees;
DROP POLICY task_assignees_delete ON synapse.task_assignees;
DROP POLICY task_dependencies_read ON synapse.task_dependencies;
DROP POLICY task_dependencies_insert ON synapse.task_dependencies;
DROP POLICY task_dependencies_update ON synapse.task_dependencies;
DROP POLICY task_dependencies_delete ON synapse.task_dependencies;
DROP POLICY comments_read ON synapse.comments;
DROP POLICY comments_insert ON synapse.comments;
DROP POLICY comments_update ON synapse.comments;
DROP POLICY comments_delete ON synapse.comments;

DROP FUNCTION synapse._rls_can_write_task_child(uuid, uuid);
DROP FUNCTION synapse._rls_can_write_task(uuid, uuid, uuid);
DROP FUNCTION synapse._rls_is_task_participant(uuid, uuid);
DROP FUNCTION synapse._rls_is_task_assignee(uuid, uuid);

CREATE OR REPLACE FUNCTION synapse.set_current_user(p_user uuid) RETURNS void
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

-- Owner and EXECUTE as migration 5 left them.
GRANT EXECUTE ON FUNCTION synapse._current_user_department(), synapse._current_user_role(),
                          synapse._can_write_task(uuid, uuid, uuid), synapse._can_write_task_child(uuid, uuid)
  TO synapse_app;
ALTER FUNCTION synapse._current_user_department() OWNER TO synapse_migrate;
ALTER FUNCTION synapse._current_user_role() OWNER TO synapse_migrate;
ALTER FUNCTION synapse._can_write_task(uuid, uuid, uuid) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._can_write_task_child(uuid, uuid) OWNER TO synapse_migrate;
