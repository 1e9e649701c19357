-- Undo migration 10: migration 9's my_tasks, matching step and indexes again.
DROP TRIGGER IF EXISTS tasks_add_search_words ON synapse.tasks;
DROP TRIGGER IF EXISTS tasks_add_search_words_on_change ON synapse.tasks;
DROP FUNCTION IF EXISTS synapse._tasks_add_search_words();
DROP TABLE IF EXISTS synapse.search_words;

CREATE OR REPLACE FUNCTION synapse._search_task_matches_for_user(tsq tsquery, fuzzy text, excluded tsquery, max_results integer)
RETURNS TABLE (department_id uuid, id uuid, rank real, matched_by text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  dept_from uuid := synapse._rls_departments_from();
  dept_to uuid := synapse._rls_departments_to();
BEGIN
  IF dept_from IS NULL OR dept_to IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT * FROM synapse._search_task_matches(tsq, fuzzy, excluded, max_results, dept_from, dept_to);
END
$$;
DROP FUNCTION IF EXISTS synapse._search_department_matches(tsquery, text, tsquery, integer, uuid);
DROP FUNCTION IF EXISTS synapse._title_words(text);
DROP INDEX IF EXISTS synapse.tasks_title_trgm_idx;
CREATE INDEX IF NOT EXISTS tasks_department_title_trgm_idx ON synapse.tasks USING gin (department_id, title public.gin_trgm_ops);
DROP INDEX IF EXISTS synapse.tasks_search_keys_idx;
REVOKE ALL ON FUNCTION synapse._search_keys(uuid, tsvector), synapse._search_key_array(text, text[], text[])
  FROM synapse_migrate;

CREATE OR REPLACE FUNCTION synapse.my_tasks(
  after_due      timestamptz           DEFAULT NULL,
  after_priority synapse.task_priority DEFAULT NULL,
  after_id       uuid                  DEFAULT NULL,
  page_size      integer               DEFAULT 50)
RETURNS TABLE (
  department_id uuid,
  id            uuid,
  task_id       varchar(100),
  title         varchar(500),
  status        synapse.task_status,
  priority      synapse.task_priority,
  due_date      timestamptz,
  project_id    uuid
)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
#variable_conflict use_column
DECLARE
  me uuid := synapse.current_user_id();
  -- NULL due dates sort last: compare on the due date with NULL read as +infinity.
  due_key timestamptz := coalesce(after_due, 'infinity');
BEGIN
  IF page_size IS NULL OR page_size < 1 OR page_size > 500 THEN
    RAISE EXCEPTION 'my_tasks: page_size must be between 1 and 500, got %', coalesce(page_size::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF after_id IS NOT NULL AND after_priority IS NULL THEN
    RAISE EXCEPTION 'my_tasks: after_priority is required with after_id (pass the last row''s due_date, priority and id)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF me IS NULL THEN
    RETURN;
  END IF;

  -- The page's keys from index-only scans (the user's assignments, then tasks_open_key_idx
  -- for each), the rows for those keys only.
  RETURN QUERY
    SELECT t.department_id, t.id, t.task_id, t.title, t.status, t.priority, t.due_date, t.project_id
      FROM (SELECT o.department_id, o.id, o.due_date, o.priority
              FROM synapse.task_assignees a
              JOIN synapse.tasks o ON o.department_id = a.department_id AND o.id = a.task_id
             WHERE a.user_id = me
               AND o.status IN ('To Do', 'In Progress', 'Blocked') AND o.deleted_at IS NULL AND NOT o.is_recurring
               AND (after_id IS NULL
                    OR coalesce(o.due_date, 'infinity') > due_key
                    OR (coalesce(o.due_date, 'infinity') = due_key
                        AND (o.priority < after_priority OR (o.priority = after_priority AND o.id > after_id))))
             ORDER BY coalesce(o.due_date, 'infinity'), o.priority DESC, o.id
             LIMIT page_size) k
      JOIN synapse.tasks t ON t.department_id = k.department_id AND t.id = k.id
     ORDER BY coalesce(k.due_date, 'infinity'), k.priority DESC, k.id;
END
$$;
CREATE INDEX IF NOT EXISTS tasks_open_key_idx ON synapse.tasks (department_id, id) INCLUDE (due_date, priority)
  WHERE status IN ('To Do', 'In Progress', 'Blocked') AND deleted_at IS NULL AND NOT is_recurring;
DROP INDEX IF EXISTS synapse.task_assignees_my_open_idx;
DROP TRIGGER IF EXISTS tasks_copy_to_assignees ON synapse.tasks;
DROP TRIGGER IF EXISTS task_assignees_copy_task ON synapse.task_assignees;
DROP FUNCTION IF EXISTS synapse._tasks_copy_to_assignees();
DROP FUNCTION IF EXISTS synapse._task_assignees_copy_task();
ALTER TABLE synapse.task_assignees DROP COLUMN IF EXISTS task_open, DROP COLUMN IF EXISTS task_due_key,
                                   DROP COLUMN IF EXISTS task_priority;
DROP FUNCTION IF EXISTS synapse._task_is_open(synapse.task_status, timestamptz, boolean);
