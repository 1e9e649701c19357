-- Undo migration 9.
DROP FUNCTION IF EXISTS synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer);
DROP FUNCTION IF EXISTS synapse.search_tasks(text, integer);
DROP FUNCTION IF EXISTS synapse._search_html_escape(text);
