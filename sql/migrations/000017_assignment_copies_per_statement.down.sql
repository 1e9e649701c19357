-- Undo migration 17: migration 10's row trigger reads every inserted assignment's task
-- again, and the copies get their defaults back.
DROP TRIGGER task_assignees_check_copies ON synapse.task_assignees;
DROP TRIGGER task_assignees_copy_task_on_insert ON synapse.task_assignees;
DROP TRIGGER task_assignees_copy_task ON synapse.task_assignees;
CREATE TRIGGER task_assignees_copy_task
  BEFORE INSERT OR UPDATE OF department_id, task_id, task_open, task_due_key, task_priority
  ON synapse.task_assignees
  FOR EACH ROW EXECUTE FUNCTION synapse._task_assignees_copy_task();
ALTER TABLE synapse.task_assignees
  ALTER COLUMN task_open SET DEFAULT false,
  ALTER COLUMN task_due_key SET DEFAULT 'infinity';
DROP FUNCTION synapse._task_assignees_check_copies();
