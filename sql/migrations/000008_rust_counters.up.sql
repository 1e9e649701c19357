-- requires: synapse_ext >= 0.1.0
-- Migration 8: the project task counters kept by the extension's Rust trigger
-- (synapse._tasks_count_in_projects, src/sql/counters.rs) instead of migration 3's
-- PL/pgSQL function, with the same rules: a task counts towards its project when it has
-- one, is not a recurring template and is not soft-deleted; completed_task_count counts
-- those with status Done. The row trigger collects each row's changes; a statement
-- trigger applies them once per statement, one UPDATE per project, the lower
-- (department_id, project_id) first, so concurrent moves never deadlock and a bulk insert
-- updates each project once.
-- The trigger updates the counters as the owner of synapse.tasks (the role that ran the
-- migrations), as migration 3's SECURITY DEFINER function did: a member may change a task
-- without write access to its project.
-- Also synapse.recount_project_tasks(), which repairs counters from a fresh count.
-- Migration 3's function stays (unused): down switches the trigger back to it.

DROP TRIGGER tasks_maintain_project_counts ON synapse.tasks;
CREATE TRIGGER tasks_maintain_project_counts
  AFTER INSERT OR DELETE OR UPDATE OF department_id, project_id, status, is_recurring, deleted_at
  ON synapse.tasks
  FOR EACH ROW EXECUTE FUNCTION synapse._tasks_count_in_projects();
CREATE TRIGGER tasks_apply_project_counts
  AFTER INSERT OR DELETE OR UPDATE ON synapse.tasks
  FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_apply_project_counts();

COMMENT ON FUNCTION synapse._tasks_maintain_project_counts() IS
  'Unused since migration 8 (the counters are kept by synapse._tasks_count_in_projects); kept so that migration 8''s down can switch back to it.';

-- Sets task_count/completed_task_count of one project (NULL: every project) to a fresh
-- count. The projects are locked first (FOR NO KEY UPDATE, the lock the triggers' UPDATE
-- takes; a task's foreign-key check does not wait for it), in (department_id, id) order
-- like the trigger locks them, and counted afterwards by a new statement with a new snapshot: a task
-- change whose counter update committed before the lock is counted; one still
-- uncommitted updates the corrected counters after this transaction commits. Run it in
-- READ COMMITTED (REPEATABLE READ fails with 40001 when a counter changed meanwhile).
-- SECURITY INVOKER: the caller needs UPDATE on the projects (and sees them through
-- row-level security).
CREATE FUNCTION synapse.recount_project_tasks(project uuid DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  locked integer;
  corrected integer;
BEGIN
  SELECT count(*) INTO locked FROM (
    SELECT 1 FROM synapse.projects p
     WHERE project IS NULL OR p.id = project
     ORDER BY p.department_id, p.id
       FOR NO KEY UPDATE) AS l;
  IF project IS NOT NULL AND locked = 0 THEN
    RAISE EXCEPTION 'recount_project_tasks: no project %', project
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the id of an existing project (one you can see), or NULL for all.';
  END IF;
  WITH fresh AS (
    SELECT p.department_id, p.id,
           count(t.id)::integer AS tasks,
           (count(t.id) FILTER (WHERE t.status = 'Done'))::integer AS completed
      FROM synapse.projects p
      LEFT JOIN synapse.tasks t
        ON t.department_id = p.department_id AND t.project_id = p.id
       AND NOT t.is_recurring AND t.deleted_at IS NULL
     WHERE project IS NULL OR p.id = project
     GROUP BY p.department_id, p.id
  ), fixed AS (
    UPDATE synapse.projects p
       SET task_count = f.tasks, completed_task_count = f.completed
      FROM fresh f
     WHERE p.department_id = f.department_id AND p.id = f.id
       AND (p.task_count, p.completed_task_count) IS DISTINCT FROM (f.tasks, f.completed)
    RETURNING 1
  )
  SELECT count(*) INTO corrected FROM fixed;
  RETURN corrected;
END
$$;
COMMENT ON FUNCTION synapse.recount_project_tasks(uuid) IS
  'Repairs project counters: sets task_count/completed_task_count of the project (NULL: every project) to a fresh count of its live, non-template tasks; returns how many projects it corrected. 22023 for an unknown project.';
