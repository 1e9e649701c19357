-- Undo migration 8: the counters are kept by migration 3's PL/pgSQL trigger again.
DROP FUNCTION IF EXISTS synapse.recount_project_tasks(uuid);
DROP TRIGGER IF EXISTS tasks_apply_project_counts ON synapse.tasks;
DROP TRIGGER IF EXISTS tasks_maintain_project_counts ON synapse.tasks;
CREATE TRIGGER tasks_maintain_project_counts
  AFTER INSERT OR DELETE OR UPDATE OF department_id, project_id, status, is_recurring, deleted_at
  ON synapse.tasks
  FOR EACH ROW EXECUTE FUNCTION synapse._tasks_maintain_project_counts();
COMMENT ON FUNCTION synapse._tasks_maintain_project_counts() IS
  'AFTER trigger on tasks: keeps projects.task_count/completed_task_count exact across inserts, moves between projects, status changes, soft deletes and deletes; templates are not counted.';
