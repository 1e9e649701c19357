-- Undo migration 9.
DROP FUNCTION IF EXISTS synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer);
DROP FUNCTION IF EXISTS synapse.search_tasks(text, integer);
DROP FUNCTION IF EXISTS synapse._search_task_matches_for_user(tsquery, text, tsquery, integer);
DROP FUNCTION IF EXISTS synapse._search_task_matches(tsquery, text, tsquery, integer, uuid, uuid);
DROP FUNCTION IF EXISTS synapse._search_html_escape(text);
DROP INDEX IF EXISTS synapse.tasks_open_key_idx;
DROP INDEX IF EXISTS synapse.task_assignees_user_task_idx;
CREATE INDEX IF NOT EXISTS task_assignees_user_id_idx ON synapse.task_assignees (user_id);
DROP INDEX IF EXISTS synapse.tasks_department_title_trgm_idx;
DROP INDEX IF EXISTS synapse.tasks_department_search_idx;
CREATE INDEX IF NOT EXISTS tasks_search_vector_idx ON synapse.tasks USING gin (search_vector);
CREATE INDEX IF NOT EXISTS tasks_title_trgm_idx ON synapse.tasks USING gin (title public.gin_trgm_ops);
DROP EXTENSION IF EXISTS btree_gin;
