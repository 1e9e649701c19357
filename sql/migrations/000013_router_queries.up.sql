-- requires: synapse_ext >= 0.2.0
-- Migration 13: a one-department reader's "my tasks" and search are router queries on
-- Citus (docs/scale-out.md, docs/citus.md finding 20).
--
-- my_tasks: migration 10 named the department of a Member or Manager in the assignments
-- subquery only; the tasks were joined by key. One node does not mind, but Citus planned
-- the subquery (it has a LIMIT) apart, as an intermediate result, and joined it with the
-- tasks of all 32 shards: about 20 ms a page instead of 2-3. Naming the department on the
-- tasks as well makes every table of the statement one shard, so Citus sends the whole
-- statement to the worker that holds the department.
-- search_tasks: its second step, the matched tasks read by key as the caller, joined the
-- matches with the tasks of all shards the same way. For a one-department reader the
-- matches are now materialized first and the tasks named by department: a router query.
-- (The matching step's own queries route on Citus once tests/citus/distribute.sql has
-- made their department test an equality; see finding 20.)
-- Same rows, same order, same errors on one node; an Admin's branches are unchanged.

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
  -- Where the index scan starts: the last row's due date (the page goes on from there).
  from_key timestamptz := CASE WHEN after_id IS NULL THEN '-infinity' ELSE due_key END;
  one_department uuid := CASE WHEN synapse._rls_departments_from() = synapse._rls_departments_to()
                              THEN synapse._rls_departments_from() END;
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

  -- The page's keys: the first page_size entries of task_assignees_my_open_idx after the
  -- last row's key (">= from_key" starts the index scan at its due date, in a cached plan
  -- too; the exact condition follows it). Then those tasks, read as the caller.
  -- Row-level security applies to both tables. The task's own facts are checked again:
  -- they are what the copies stand for. With one department readable (the policy's range
  -- is one department: a Member, a Manager) the query names it, for the assignments and
  -- for the tasks, so the index's order is the list's and on Citus the whole statement is
  -- one router query; an Admin's open assignments of all departments are sorted. Two
  -- statements rather than one with an OR, so that each keeps one cached plan.
  IF one_department IS NOT NULL THEN
    RETURN QUERY
      SELECT t.department_id, t.id, t.task_id, t.title, t.status, t.priority, t.due_date, t.project_id
        FROM (SELECT a.department_id, a.task_id, a.task_due_key, a.task_priority
                FROM synapse.task_assignees a
               WHERE a.user_id = me AND a.task_open
                 AND a.department_id = one_department
                 AND a.task_due_key >= from_key
                 AND (after_id IS NULL
                      OR a.task_due_key > due_key
                      OR a.task_priority < after_priority
                      OR (a.task_priority = after_priority AND a.task_id > after_id))
               ORDER BY a.task_due_key, a.task_priority DESC, a.task_id
               LIMIT page_size) k
        JOIN synapse.tasks t ON t.department_id = k.department_id AND t.id = k.task_id
       WHERE t.department_id = one_department
         AND synapse._task_is_open(t.status, t.deleted_at, t.is_recurring)
       ORDER BY k.task_due_key, k.task_priority DESC, k.task_id;
  ELSE
    RETURN QUERY
      SELECT t.department_id, t.id, t.task_id, t.title, t.status, t.priority, t.due_date, t.project_id
        FROM (SELECT a.department_id, a.task_id, a.task_due_key, a.task_priority
                FROM synapse.task_assignees a
               WHERE a.user_id = me AND a.task_open
                 AND a.task_due_key >= from_key
                 AND (after_id IS NULL
                      OR a.task_due_key > due_key
                      OR a.task_priority < after_priority
                      OR (a.task_priority = after_priority AND a.task_id > after_id))
               ORDER BY a.task_due_key, a.task_priority DESC, a.task_id
               LIMIT page_size) k
        JOIN synapse.tasks t ON t.department_id = k.department_id AND t.id = k.task_id
       WHERE synapse._task_is_open(t.status, t.deleted_at, t.is_recurring)
       ORDER BY k.task_due_key, k.task_priority DESC, k.task_id;
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION synapse.search_tasks(query text, max_results integer DEFAULT 50)
RETURNS TABLE (
  department_id uuid,
  id            uuid,
  task_id       varchar(100),
  title         varchar(500),
  status        synapse.task_status,
  priority      synapse.task_priority,
  due_date      timestamptz,
  project_id    uuid,
  is_recurring  boolean,
  rank          real,
  snippet       text,
  matched_by    text
)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET client_min_messages = warning
SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
  q        text := pg_catalog.left(coalesce(query, ''), 1000);
  tsq      tsquery := pg_catalog.websearch_to_tsquery('pg_catalog.english', q);
  fuzzy    text;
  excluded tsquery;
  has_user boolean := synapse._rls_departments_from() IS NOT NULL;
  one_department uuid := CASE WHEN synapse._rls_departments_from() = synapse._rls_departments_to()
                              THEN synapse._rls_departments_from() END;
BEGIN
  IF max_results IS NULL OR max_results < 1 OR max_results > 1000 THEN
    RAISE EXCEPTION 'search_tasks: max_results must be between 1 and 1000, got %', coalesce(max_results::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- querytree is 'T' when nothing in the query can use the index (only negations): such a
  -- query, like one without lexemes, finds nothing.
  IF pg_catalog.numnode(tsq) = 0 OR pg_catalog.querytree(tsq) = 'T' THEN
    RETURN;
  END IF;
  -- The fallback looks for the query's positive words only: without phrase quotes, OR and
  -- the words excluded with a minus, which still exclude.
  fuzzy := pg_catalog.left(pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
             pg_catalog.regexp_replace(q, '(^|\s)-\S*', ' ', 'g'),
             '"|(^|\s)OR(?=\s|$)', ' ', 'g'), '\s+', ' ', 'g')), 100);
  excluded := pg_catalog.websearch_to_tsquery('pg_catalog.english',
                (SELECT coalesce(pg_catalog.string_agg(pg_catalog.replace(m[1], '"', ' '), ' OR '), '')
                   FROM pg_catalog.regexp_matches(q, '(?:^|\s)-(\S+)', 'g') AS m));

  -- The matches first, materialized, then their tasks by key. For a one-department reader
  -- the tasks are named by department as well: each call is planned anew (force_custom_plan),
  -- so the condition folds to that equality (on Citus a router query to the department's
  -- shard, the matches an intermediate result) or, for anybody else, to true.
  RETURN QUERY
    WITH m AS MATERIALIZED (
      SELECT * FROM synapse._search_task_matches_for_user(tsq, fuzzy, excluded, max_results) WHERE has_user
      UNION ALL
      SELECT * FROM synapse._search_task_matches(tsq, fuzzy, excluded, max_results, NULL, NULL) WHERE NOT has_user
    )
    SELECT t.department_id, t.id, t.task_id, t.title, t.status, t.priority, t.due_date, t.project_id,
           t.is_recurring, m.rank,
           CASE m.matched_by
             WHEN 'fulltext' THEN
               pg_catalog.ts_headline('pg_catalog.english',
                 synapse._search_html_escape(t.title || coalesce(' — ' || t.description, '')), tsq,
                 'MaxWords=25, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "')
             ELSE synapse._search_html_escape(t.title)
           END,
           m.matched_by
      FROM m JOIN synapse.tasks t ON t.department_id = m.department_id AND t.id = m.id
     WHERE one_department IS NULL OR t.department_id = one_department
     ORDER BY m.rank DESC, t.due_date ASC NULLS LAST, t.id;
END
$$;
