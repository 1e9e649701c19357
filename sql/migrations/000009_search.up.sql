-- Migration 9: ranked task search and "my tasks" (issue 11), the two queries the front end
-- runs most, as functions over the tables.
--
-- Both are SECURITY INVOKER (the default): they read synapse.tasks with the caller's
-- privileges, so the row-level security policies apply exactly as to a hand-written
-- SELECT. A member finds only the own department's tasks, nobody finds anything without
-- synapse.set_current_user, synapse_readonly finds everything. PL/pgSQL because each has
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
--             words (no quotes or OR; -words still exclude) to the title (q <% title, threshold 0.45 set
--             on the function): "quartely reprot" finds "Quarterly report". Served by
--             tasks_title_trgm_idx; rank = word_similarity. Only the first 100 characters
--             of those words are used (a typo search is short; a long text would make the
--             index read every trigram posting list for nothing).
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
SET pg_trgm.word_similarity_threshold = 0.45
SET client_min_messages = warning
AS $$
#variable_conflict use_column
DECLARE
  q   text := pg_catalog.left(coalesce(query, ''), 1000);
  tsq tsquery;
  fuzzy text;
  excluded tsquery;
BEGIN
  IF max_results IS NULL OR max_results < 1 OR max_results > 1000 THEN
    RAISE EXCEPTION 'search_tasks: max_results must be between 1 and 1000, got %', coalesce(max_results::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  tsq := pg_catalog.websearch_to_tsquery('pg_catalog.english', q);
  -- querytree is 'T' when nothing in the query can use the index (only negations).
  IF pg_catalog.numnode(tsq) > 0 AND pg_catalog.querytree(tsq) <> 'T' THEN
    RETURN QUERY
      SELECT r.department_id, r.id, r.task_id, r.title, r.status, r.priority, r.due_date, r.project_id,
             r.is_recurring, r.rank,
             pg_catalog.ts_headline('pg_catalog.english',
               synapse._search_html_escape(r.title || coalesce(' — ' || r.description, '')), tsq,
               'MaxWords=25, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "'),
             'fulltext'
        FROM (SELECT t.department_id, t.id, t.task_id, t.title, t.description, t.status, t.priority,
                     t.due_date, t.project_id, t.is_recurring,
                     pg_catalog.ts_rank_cd('{0.05, 0.1, 0.2, 1.0}', t.search_vector, tsq) AS rank
                FROM synapse.tasks t
               WHERE t.search_vector @@ tsq AND t.deleted_at IS NULL
               ORDER BY rank DESC, t.due_date ASC NULLS LAST, t.id
               LIMIT max_results) r
       ORDER BY r.rank DESC, r.due_date ASC NULLS LAST, r.id;
    IF FOUND THEN
      RETURN;
    END IF;
    -- The fallback looks for the query's positive words only: without phrase quotes, OR,
    -- and the words excluded with a minus.
    fuzzy := pg_catalog.left(pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
               pg_catalog.regexp_replace(q, '(^|\s)-\S*', ' ', 'g'),
               '"|(^|\s)OR(?=\s|$)', ' ', 'g'), '\s+', ' ', 'g')), 100);
    -- ... and still honours them: a task with an excluded word is not found.
    excluded := pg_catalog.websearch_to_tsquery('pg_catalog.english',
                  (SELECT coalesce(pg_catalog.string_agg(pg_catalog.replace(m[1], '"', ' '), ' OR '), '')
                     FROM pg_catalog.regexp_matches(q, '(?:^|\s)-(\S+)', 'g') AS m));
  END IF;
  -- Only a query with something to find falls back: stop words or negations alone find
  -- nothing.
  IF fuzzy IS NULL OR fuzzy = '' THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT t.department_id, t.id, t.task_id, t.title, t.status, t.priority, t.due_date, t.project_id,
           t.is_recurring, public.word_similarity(fuzzy, t.title) AS rank,
           synapse._search_html_escape(t.title), 'trigram'
      FROM synapse.tasks t
     WHERE fuzzy OPERATOR(public.<%) t.title AND t.deleted_at IS NULL
       AND (pg_catalog.numnode(excluded) = 0 OR NOT t.search_vector @@ excluded)
     ORDER BY rank DESC, t.due_date ASC NULLS LAST, t.id
     LIMIT max_results;
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

  RETURN QUERY
    SELECT t.department_id, t.id, t.task_id, t.title, t.status, t.priority, t.due_date, t.project_id
      FROM synapse.task_assignees a
      JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
     WHERE a.user_id = me
       AND t.status IN ('To Do', 'In Progress', 'Blocked') AND t.deleted_at IS NULL AND NOT t.is_recurring
       AND (after_id IS NULL
            OR coalesce(t.due_date, 'infinity') > due_key
            OR (coalesce(t.due_date, 'infinity') = due_key
                AND (t.priority < after_priority OR (t.priority = after_priority AND t.id > after_id))))
     ORDER BY coalesce(t.due_date, 'infinity'), t.priority DESC, t.id
     LIMIT page_size;
END
$$;
COMMENT ON FUNCTION synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer) IS
  'The current user''s open tasks (assigned; To Do, In Progress, Blocked; not templates), by due date (none last), priority (Urgent first), id; keyset pages: pass the last row''s due_date, priority and id for the next page. page_size 1..500 (22023 otherwise). Empty without a current user.';

-- Ownership and access as in migration 5: synapse_migrate owns, the application executes.
ALTER FUNCTION synapse.search_tasks(text, integer) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._search_html_escape(text) OWNER TO synapse_migrate;
ALTER FUNCTION synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer) OWNER TO synapse_migrate;
GRANT EXECUTE ON FUNCTION synapse.search_tasks(text, integer), synapse._search_html_escape(text),
                          synapse.my_tasks(timestamptz, synapse.task_priority, uuid, integer)
  TO synapse_app, synapse_readonly;
