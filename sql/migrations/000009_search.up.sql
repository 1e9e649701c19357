-- requires: synapse_ext >= 0.1.0
-- Migration 9: ranked task search and "my tasks" (issue 11), the two queries the front end
-- runs most, as functions over the tables.
--
-- Both are SECURITY INVOKER (the default): they read synapse.tasks with the caller's
-- privileges, so the row-level security policies apply exactly as to a hand-written
-- SELECT. A member finds only the own department's tasks, nobody finds anything without
-- synapse.set_current_user, synapse_readonly everything (without a user set; with one it
-- searches as that user). PL/pgSQL because each has
-- a branch (the trigram fallback; the first page or the next one) and validates its
-- count argument; no EXCEPTION block (a subtransaction would make them parallel unsafe).

-- The snippet's text, HTML-escaped so the only markup in a snippet is ts_headline's <b>.
CREATE FUNCTION synapse._search_html_escape(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;');
COMMENT ON FUNCTION synapse._search_html_escape(text) IS
  'search_tasks helper: escapes & < > so a snippet is safe to render as HTML.';

-- search_tasks: full text first, trigram similarity on titles when full text finds nothing.
--
--   syntax    websearch_to_tsquery('english'): words (ANDed, stemmed), "quoted phrases",
--             OR, -word. It never raises on any text. A query that keeps no lexeme (empty,
--             only stop words, only punctuation) or has no positive term ("-report") finds
--             nothing, and does not fall back either.
--   rank      ts_rank_cd over the weighted search_vector (title A, description B), with
--             weights {D 0.05, C 0.1, B 0.2, A 1.0}: a title hit ranks above a description
--             hit. Ties: due date (none last), then id, so a result list is stable.
--   fallback  when full text finds nothing: pg_trgm word similarity of the query's positive
--             words (no quotes or OR; -words still exclude) to the title (q <% title,
--             threshold 0.45 set on the function): "quartely reprot" finds "Quarterly
--             report"; rank = word_similarity. Only the first 100 characters of those words
--             are used (a typo search is short; a long text would make the index read every
--             trigram posting list for nothing).
--   snippet   ts_headline of title and description with the query's words in <b>…</b>;
--             the task's own text is HTML-escaped first (& < >), so a snippet is safe to
--             render as HTML. Computed for the returned rows only. Trigram matches get the
--             escaped title.
--   notices   websearch_to_tsquery's NOTICE about a query of stop words only is not passed
--             on (client_min_messages = warning inside the function).
--   limits    only the first 1,000 characters of the query are searched; max_results must
--             be 1..1000 (22023 otherwise).
--   rows      soft-deleted tasks (deleted_at) are never found. Recurring templates are found
--             like any task (is_recurring tells them apart): "where is the weekly deploy"
--             is a fair question.
--
-- Row-level security and speed. @@ and <% are not leakproof, so under a policy PostgreSQL
-- may not use them as index conditions: it would read the whole department (50,000 rows at
-- a million tasks) and test each. So matching is done in two steps:
--   1. _search_task_matches finds the keys and ranks, restricted to a department range it
--      is given, through the department-first GIN indexes below. With a current user,
--      search_tasks calls it through _search_task_matches_for_user, SECURITY DEFINER, which
--      passes exactly the read policy's range (synapse._rls_departments_from/_to: the own
--      department, everything for an Admin) and nothing without a user. Without a user
--      (synapse_readonly's reports) search_tasks calls it directly, as the caller, and the
--      policies decide (nothing for synapse_app, everything for synapse_readonly).
--   2. search_tasks, SECURITY INVOKER, reads those tasks by primary key as the caller, so
--      the policies apply to every row it returns whichever way step 1 went.

-- The department-first indexes: one GIN scan answers "this department's tasks that match"
-- (btree_gin makes uuid indexable by GIN). They replace migration 3's single-column ones;
-- a search over all departments uses them as well (GIN serves any subset of its columns).
-- "My tasks" reads a user's assignments by an index-only scan that carries the task's key
-- (replacing the plain user_id index; it still covers the foreign key) ...
CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public;
DROP INDEX synapse.tasks_search_vector_idx;
DROP INDEX synapse.tasks_title_trgm_idx;
CREATE INDEX tasks_department_search_idx ON synapse.tasks USING gin (department_id, search_vector);
CREATE INDEX tasks_department_title_trgm_idx ON synapse.tasks USING gin (department_id, title public.gin_trgm_ops);
DROP INDEX synapse.task_assignees_user_id_idx;
CREATE INDEX task_assignees_user_task_idx ON synapse.task_assignees (user_id, department_id, task_id);
-- ... and orders them by due date and priority from this one, without reading the tasks.
CREATE INDEX tasks_open_key_idx ON synapse.tasks (department_id, id) INCLUDE (due_date, priority)
  WHERE status IN ('To Do', 'In Progress', 'Blocked') AND deleted_at IS NULL AND NOT is_recurring;

-- Step 1. Custom plans every call (plan_cache_mode), so the planner sees the department as
-- a constant: one department is an equality on the first index column, all departments no
-- condition at all (a range over a GIN column is slow).
CREATE FUNCTION synapse._search_task_matches(tsq tsquery, fuzzy text, excluded tsquery, max_results integer,
                                             dept_from uuid, dept_to uuid)
RETURNS TABLE (department_id uuid, id uuid, rank real, matched_by text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET pg_trgm.word_similarity_threshold = 0.45
SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
  one_department uuid := CASE WHEN dept_from = dept_to THEN dept_from END;
  all_departments boolean := dept_from IS NULL
                             OR (dept_from = '00000000-0000-0000-0000-000000000000'
                                 AND dept_to = 'ffffffff-ffff-ffff-ffff-ffffffffffff');
BEGIN
  IF tsq IS NOT NULL THEN
    RETURN QUERY
      SELECT t.department_id, t.id, pg_catalog.ts_rank_cd('{0.05, 0.1, 0.2, 1.0}', t.search_vector, tsq) AS rank,
             'fulltext'
        FROM synapse.tasks t
       WHERE t.search_vector @@ tsq AND t.deleted_at IS NULL
         AND (all_departments OR (one_department IS NOT NULL AND t.department_id = one_department)
              OR (one_department IS NULL AND t.department_id BETWEEN dept_from AND dept_to))
       ORDER BY rank DESC, t.due_date ASC NULLS LAST, t.id
       LIMIT max_results;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  IF fuzzy IS NULL OR fuzzy = '' THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT t.department_id, t.id, public.word_similarity(fuzzy, t.title) AS rank, 'trigram'
      FROM synapse.tasks t
     WHERE fuzzy OPERATOR(public.<%) t.title AND t.deleted_at IS NULL
       AND (excluded IS NULL OR pg_catalog.numnode(excluded) = 0 OR NOT t.search_vector @@ excluded)
       AND (all_departments OR (one_department IS NOT NULL AND t.department_id = one_department)
            OR (one_department IS NULL AND t.department_id BETWEEN dept_from AND dept_to))
     ORDER BY rank DESC, t.due_date ASC NULLS LAST, t.id
     LIMIT max_results;
END
$$;
COMMENT ON FUNCTION synapse._search_task_matches(tsquery, text, tsquery, integer, uuid, uuid) IS
  'search_tasks helper: keys, rank and kind (fulltext, trigram) of the best max_results matches within a department range (NULL: as row-level security lets the caller see); full text first, trigram similarity on titles when it finds nothing.';

CREATE FUNCTION synapse._search_task_matches_for_user(tsq tsquery, fuzzy text, excluded tsquery, max_results integer)
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
COMMENT ON FUNCTION synapse._search_task_matches_for_user(tsquery, text, tsquery, integer) IS
  'search_tasks helper (SECURITY DEFINER): the matching keys and ranks within the departments the tasks read policy gives the current user (the own one, all for an Admin); nothing without a user. search_tasks then reads the rows as the caller.';

-- Step 2: parse the query, find the matches, read the rows as the caller, add snippets.
CREATE FUNCTION synapse.search_tasks(query text, max_results integer DEFAULT 50)
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

  RETURN QUERY
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
      FROM (SELECT * FROM synapse._search_task_matches_for_user(tsq, fuzzy, excluded, max_results) WHERE has_user
            UNION ALL
            SELECT * FROM synapse._search_task_matches(tsq, fuzzy, excluded, max_results, NULL, NULL) WHERE NOT has_user) m
      JOIN synapse.tasks t ON t.department_id = m.department_id AND t.id = m.id
     ORDER BY m.rank DESC, t.due_date ASC NULLS LAST, t.id;
END
$$;
COMMENT ON FUNCTION synapse.search_tasks(text, integer) IS
  'Ranked task search visible to the current user (row-level security applies): web-search syntax (words, "phrases", OR, -word, English stemming), title hits above description hits, a highlighted HTML-safe snippet; falls back to trigram similarity on titles (typos) when full text finds nothing. Never raises on the query text; max_results 1..1000 (22023 otherwise). Skips soft-deleted tasks; templates included.';

-- my_tasks: the current user's open work, keyset-paginated.
--
--   rows   tasks the current user (synapse.current_user_id()) is assigned to, in the
--          active statuses of tasks_active_due_idx ('To Do', 'In Progress', 'Blocked'), not
--          soft-deleted; templates are not work to do (their instances are) and are left
--          out. Nothing without a current user.
--   order  due date ascending with no due date last, then priority (Urgent first), then id.
--          The order is total, so pages neither skip nor repeat a task.
--   pages  the first page: no after_ arguments. The next: pass the last row's due_date,
--          priority and id (after_due NULL when that row had no due date). Each page is
--          one range condition on the same sort key, as cheap as the first.
--   limit  page_size 1..500 (22023 otherwise); after_id given without after_priority is
--          22023 too.
CREATE FUNCTION synapse.my_tasks(
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
COMMENT ON FUNCTION synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer) IS
  'The current user''s open tasks (assigned; To Do, In Progress, Blocked; not templates), by due date (none last), priority (Urgent first), id; keyset pages: pass the last row''s due_date, priority and id for the next page. page_size 1..500 (22023 otherwise). Empty without a current user.';

-- Ownership and access as in migration 5: synapse_migrate owns, the application executes.
ALTER FUNCTION synapse.search_tasks(text, integer) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._search_html_escape(text) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._search_task_matches(tsquery, text, tsquery, integer, uuid, uuid) OWNER TO synapse_migrate;
-- It must be: SECURITY DEFINER reads past row-level security as the owning role.
ALTER FUNCTION synapse._search_task_matches_for_user(tsquery, text, tsquery, integer) OWNER TO synapse_migrate;
ALTER FUNCTION synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer) OWNER TO synapse_migrate;
GRANT EXECUTE ON FUNCTION synapse.search_tasks(text, integer), synapse._search_html_escape(text),
                          synapse._search_task_matches(tsquery, text, tsquery, integer, uuid, uuid),
                          synapse._search_task_matches_for_user(tsquery, text, tsquery, integer),
                          synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer)
  TO synapse_app, synapse_readonly;
