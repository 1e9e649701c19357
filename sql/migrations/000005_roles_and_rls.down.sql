-- Undo migration 5: policies, functions, privileges, ownership, and the roles.

DROP POLICY IF EXISTS comments_readonly ON synapse.comments;
DROP POLICY IF EXISTS comments_delete ON synapse.comments;
DROP POLICY IF EXISTS comments_update ON synapse.comments;
DROP POLICY IF EXISTS comments_insert ON synapse.comments;
DROP POLICY IF EXISTS comments_read ON synapse.comments;
DROP POLICY IF EXISTS task_dependencies_readonly ON synapse.task_dependencies;
DROP POLICY IF EXISTS task_dependencies_write ON synapse.task_dependencies;
DROP POLICY IF EXISTS task_dependencies_read ON synapse.task_dependencies;
DROP POLICY IF EXISTS task_assignees_readonly ON synapse.task_assignees;
DROP POLICY IF EXISTS task_assignees_write ON synapse.task_assignees;
DROP POLICY IF EXISTS task_assignees_read ON synapse.task_assignees;
DROP POLICY IF EXISTS tasks_readonly ON synapse.tasks;
DROP POLICY IF EXISTS tasks_delete ON synapse.tasks;
DROP POLICY IF EXISTS tasks_update ON synapse.tasks;
DROP POLICY IF EXISTS tasks_insert ON synapse.tasks;
DROP POLICY IF EXISTS tasks_read ON synapse.tasks;
DROP POLICY IF EXISTS projects_readonly ON synapse.projects;
DROP POLICY IF EXISTS projects_delete ON synapse.projects;
DROP POLICY IF EXISTS projects_update ON synapse.projects;
DROP POLICY IF EXISTS projects_insert ON synapse.projects;
DROP POLICY IF EXISTS projects_read ON synapse.projects;

ALTER TABLE synapse.comments DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.task_dependencies DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.task_assignees DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.tasks DISABLE ROW LEVEL SECURITY;
ALTER TABLE synapse.projects DISABLE ROW LEVEL SECURITY;

DROP FUNCTION IF EXISTS synapse._can_write_task_child(uuid, uuid);
DROP FUNCTION IF EXISTS synapse._can_write_task(uuid, uuid, uuid);
DROP FUNCTION IF EXISTS synapse._current_user_role();
DROP FUNCTION IF EXISTS synapse._current_user_department();
DROP FUNCTION IF EXISTS synapse.set_current_user(uuid);
DROP FUNCTION IF EXISTS synapse.current_user_id();

-- Privileges and ownership in this database go back; each role is then dropped unless
-- another database of the cluster still uses it (roles are cluster-wide), in which case
-- it is kept with a notice. REASSIGN/DROP OWNED act on the current database only.
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['synapse_app', 'synapse_readonly', 'synapse_monitoring', 'synapse_migrate'] LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r);
    IF r = 'synapse_migrate' THEN
      -- Back to the role running this migration, as before migration 5.
      EXECUTE format('REASSIGN OWNED BY %I TO CURRENT_USER', r);
    END IF;
    -- Revokes its privileges and default privileges here (it owns nothing any more).
    EXECUTE format('DROP OWNED BY %I', r);
    BEGIN
      EXECUTE format('DROP ROLE %I', r);
    EXCEPTION WHEN dependent_objects_still_exist THEN
      RAISE NOTICE 'role % is still used by another database; kept', r;
    END;
  END LOOP;
END
$$;
