-- Undo migration 7. The instances already generated stay: they are ordinary tasks.
DROP VIEW IF EXISTS synapse.generation_health;
DROP VIEW IF EXISTS synapse.generation_failing_templates;
DROP VIEW IF EXISTS synapse.generation_overdue_templates;
DROP VIEW IF EXISTS synapse.generation_recent_runs;
DROP TRIGGER IF EXISTS tasks_schedule_after_completion ON synapse.tasks;
DROP FUNCTION IF EXISTS synapse._tasks_schedule_after_completion();
DROP TRIGGER IF EXISTS tasks_schedule_template ON synapse.tasks;
DROP FUNCTION IF EXISTS synapse._tasks_schedule_template();
DROP INDEX IF EXISTS synapse.tasks_recurring_claim_idx;
DROP TABLE IF EXISTS synapse.generation_runs;
REVOKE USAGE ON SCHEMA synapse FROM synapse_monitoring;
