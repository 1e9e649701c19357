-- Undo migration 3.
DROP TABLE IF EXISTS synapse.comments;
DROP TABLE IF EXISTS synapse.task_dependencies;
DROP TABLE IF EXISTS synapse.task_assignees;
DROP TABLE IF EXISTS synapse.tasks;
DROP FUNCTION IF EXISTS synapse._tasks_maintain_project_counts();
DROP FUNCTION IF EXISTS synapse._tasks_before_write();
DROP SEQUENCE IF EXISTS synapse.task_external_id_seq;
DROP TYPE IF EXISTS synapse.task_priority;
DROP TYPE IF EXISTS synapse.task_status;
