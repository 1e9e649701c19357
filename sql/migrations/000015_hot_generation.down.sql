-- Undo migration 15: the indexes on next_occurrence of migrations 3 and 7 and the default
-- fillfactor come back, the schedule and its trigger go. Pages written at fillfactor 90 keep
-- their free space until they are rewritten.
ALTER TABLE synapse.tasks RESET (fillfactor);
DROP INDEX synapse.tasks_templates_idx;
CREATE INDEX tasks_recurring_due_idx ON synapse.tasks (next_occurrence)
  WHERE is_recurring AND next_occurrence IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX tasks_recurring_claim_idx ON synapse.tasks (department_id, next_occurrence)
  WHERE is_recurring AND deleted_at IS NULL AND next_occurrence IS NOT NULL;
DROP TRIGGER tasks_keep_template_schedule_on_delete ON synapse.tasks;
DROP TRIGGER tasks_keep_template_schedule_on_change ON synapse.tasks;
DROP TRIGGER tasks_keep_template_schedule ON synapse.tasks;
DROP FUNCTION synapse._tasks_keep_template_schedule();
DROP TABLE synapse.template_schedule;
