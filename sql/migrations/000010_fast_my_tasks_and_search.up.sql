-- requires: synapse_ext >= 0.2.0
-- Migration 10: issue 11's speed targets at a million tasks ("my tasks" first page and
-- search, with row-level security on).
--
-- "My tasks". Migration 9 read all of a user's assignments (about 950 at a million tasks)
-- and probed the task of each to sort them by due date: ~2 ms of index probes before the
-- first row. Now each assignment carries the three facts of its task that the list sorts
-- and filters by (open or not, due date, priority), so one index of task_assignees holds a
-- user's open assignments already in the list's order and a page is the first page_size
-- entries of it. The copies are kept exact by two triggers:
--   - BEFORE INSERT, and UPDATE of the task key, on task_assignees: read them from the task,
--     with FOR SHARE, which waits for a concurrent change of the task to commit and then
--     reads its new version (READ COMMITTED), so an assignment added while its task changes
--     is never left with the old values;
--   - AFTER UPDATE of those columns on tasks: copy them to the task's assignments (the task
--     row stays locked by the UPDATE until commit, so no assignment can be added meanwhile
--     with older values).
-- Both are SECURITY DEFINER (owned by synapse_migrate, which row-level security does not
-- restrict): whoever may assign someone or change a task keeps the copies right, as the
-- counter triggers do for projects. A task's key cannot change while it has assignments
-- (the foreign key has no ON UPDATE CASCADE), so the copies never point elsewhere.

ALTER TABLE synapse.task_assignees
  ADD COLUMN task_open boolean NOT NULL DEFAULT false,
  ADD COLUMN task_due_key timestamptz NOT NULL DEFAULT 'infinity',
  ADD COLUMN task_priority synapse.task_priority;
COMMENT ON COLUMN synapse.task_assignees.task_open IS
  'Copy kept by triggers: the task is open work (To Do, In Progress or Blocked, not soft-deleted, not a recurring template). For "my tasks".';
COMMENT ON COLUMN synapse.task_assignees.task_due_key IS
  'Copy kept by triggers: the task''s due_date, +infinity when it has none (the sort key of "my tasks": no due date last).';
COMMENT ON COLUMN synapse.task_assignees.task_priority IS
  'Copy kept by triggers: the task''s priority. For "my tasks".';

-- The definition of "open" in one place (my_tasks, the triggers, the backfill).
CREATE FUNCTION synapse._task_is_open(status synapse.task_status, deleted_at timestamptz, is_recurring boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN status IN ('To Do', 'In Progress', 'Blocked') AND deleted_at IS NULL AND NOT is_recurring;
COMMENT ON FUNCTION synapse._task_is_open(synapse.task_status, timestamptz, boolean) IS
  'my_tasks helper: is a task with this status, deleted_at and is_recurring open work (To Do, In Progress, Blocked; live; not a template)?';

UPDATE synapse.task_assignees a
   SET task_open = synapse._task_is_open(t.status, t.deleted_at, t.is_recurring),
       task_due_key = coalesce(t.due_date, 'infinity'), task_priority = t.priority
  FROM synapse.tasks t
 WHERE t.department_id = a.department_id AND t.id = a.task_id;

CREATE FUNCTION synapse._task_assignees_copy_task() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  SELECT synapse._task_is_open(t.status, t.deleted_at, t.is_recurring), coalesce(t.due_date, 'infinity'), t.priority
    INTO NEW.task_open, NEW.task_due_key, NEW.task_priority
    FROM synapse.tasks t
   WHERE t.department_id = NEW.department_id AND t.id = NEW.task_id
     FOR SHARE;
  -- No task: the foreign key check after this trigger reports it (23503).
  NEW.task_open := coalesce(NEW.task_open, false);
  NEW.task_due_key := coalesce(NEW.task_due_key, 'infinity');
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION synapse._task_assignees_copy_task() IS
  'BEFORE INSERT/UPDATE trigger on task_assignees: copies the task''s open state, due date and priority into the assignment (for my_tasks), waiting for a concurrent change of the task.';
CREATE TRIGGER task_assignees_copy_task
  BEFORE INSERT OR UPDATE OF department_id, task_id, task_open, task_due_key, task_priority
  ON synapse.task_assignees
  FOR EACH ROW EXECUTE FUNCTION synapse._task_assignees_copy_task();

CREATE FUNCTION synapse._tasks_copy_to_assignees() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  UPDATE synapse.task_assignees a
     SET task_open = synapse._task_is_open(NEW.status, NEW.deleted_at, NEW.is_recurring),
         task_due_key = coalesce(NEW.due_date, 'infinity'), task_priority = NEW.priority
   WHERE a.department_id = NEW.department_id AND a.task_id = NEW.id;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION synapse._tasks_copy_to_assignees() IS
  'AFTER UPDATE trigger on tasks: copies a changed open state, due date or priority to the task''s assignments (for my_tasks).';
-- Only when one of the copied facts changes (the WHEN clause costs no function call).
CREATE TRIGGER tasks_copy_to_assignees
  AFTER UPDATE OF status, deleted_at, is_recurring, due_date, priority ON synapse.tasks
  FOR EACH ROW
  WHEN (synapse._task_is_open(OLD.status, OLD.deleted_at, OLD.is_recurring)
          IS DISTINCT FROM synapse._task_is_open(NEW.status, NEW.deleted_at, NEW.is_recurring)
        OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.priority IS DISTINCT FROM NEW.priority)
  EXECUTE FUNCTION synapse._tasks_copy_to_assignees();

-- A user's open assignments of one department in the list's order: due date (none last),
-- priority (Urgent first), task id. The department comes second because the read policy
-- of a Member or Manager is one department: my_tasks then has equality on both leading
-- columns and reads the page straight off the index. The due key is a plain column
-- rather than coalesce(due date, infinity): a row-level security query may use only
-- leakproof conditions as index conditions, and COALESCE does not count as one. Replaces tasks_open_key_idx, which
-- only migration 9's my_tasks used.
CREATE INDEX task_assignees_my_open_idx
  ON synapse.task_assignees (user_id, department_id, task_due_key, task_priority DESC, task_id)
  WHERE task_open;
DROP INDEX synapse.tasks_open_key_idx;

-- Same signature, rows and order as migration 9's (its comment there describes them).
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
  -- is one department: a Member, a Manager) the query names it, so the index's order is
  -- the list's; an Admin's open assignments of all departments are sorted. Two
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
       WHERE synapse._task_is_open(t.status, t.deleted_at, t.is_recurring)
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

ALTER FUNCTION synapse._task_is_open(synapse.task_status, timestamptz, boolean) OWNER TO synapse_migrate;
-- They must be: SECURITY DEFINER reads and writes past row-level security as the owner.
ALTER FUNCTION synapse._task_assignees_copy_task() OWNER TO synapse_migrate;
ALTER FUNCTION synapse._tasks_copy_to_assignees() OWNER TO synapse_migrate;
GRANT EXECUTE ON FUNCTION synapse._task_is_open(synapse.task_status, timestamptz, boolean) TO synapse_app, synapse_readonly;

-- Search. Migration 9 found a department's matches through GIN indexes on (department_id,
-- search_vector) and (department_id, title): each search intersected the department's
-- 50,000-entry posting list with the words' lists, then read and ranked every match, which
-- for a common word is thousands of rows (about 100 ms). Now:
--   keys     tasks_search_keys_idx indexes each task's lexemes prefixed with its
--            department, once as "<department>:<lexeme>" and, for title words, also as
--            "<department>!<lexeme>": one posting list per department and word, and one per
--            department and title word. (The uuid is of fixed length, so the two kinds
--            never collide.)
--   tiers    the candidates are the matches whose title alone matches the query, and only
--            when there are fewer of them than max_results, the other matches too; each
--            tier is read up to a bounded number of rows (max_results + 200, the candidate
--            bound) and only those are ranked. The result is the best max_results of the
--            candidates by the same rank as before (so a title hit still ranks above a
--            description hit); when a department has more title matches than the bound,
--            they are the best of the first bound of them in storage order, not of all.
--   typos    the fallback no longer compares the query with every title that shares a
--            trigram with it. synapse.search_words holds the distinct words of each
--            department's titles (kept by triggers on tasks); each query word is matched
--            to its closest title words (pg_trgm similarity >= 0.2, at most 3), and the
--            titles containing those words (all query words first, then any) are the
--            candidates, bounded the same way. They are accepted and ranked exactly as
--            before: word_similarity(query words, title) >= 0.45.
-- The all-departments path (an Admin, synapse_readonly) keeps migration 9's matching.

-- The keys and the index query are the extension's (synapse._search_keys,
-- synapse._search_keys_query, sql/search.sql and src/search.rs): the keys are made for
-- every inserted task, in Rust. PostgreSQL evaluates an index expression as the table's
-- owner when it builds the index, REINDEXes or ANALYZEs (autovacuum too): synapse_migrate
-- must execute them once synapse_ext 0.3.0 takes EXECUTE from PUBLIC on its internals.
GRANT EXECUTE ON FUNCTION synapse._search_keys(uuid, tsvector), synapse._search_key_array(text, text[], text[])
  TO synapse_migrate;
CREATE INDEX tasks_search_keys_idx ON synapse.tasks USING gin (synapse._search_keys(department_id, search_vector));
-- Migration 9's trigram index served only the fallback's one-department path, which now
-- goes through search_words; the all-departments fallback reads titles by this one.
DROP INDEX synapse.tasks_department_title_trgm_idx;
CREATE INDEX tasks_title_trgm_idx ON synapse.tasks USING gin (title public.gin_trgm_ops);

-- The words of each department's titles, for the typo fallback: lower case, split at
-- anything but letters and digits. Words are added, never removed (a word no title has
-- any more only adds a candidate term that finds nothing). Read only by the SECURITY
-- DEFINER matching step: it tells another department's words.
CREATE TABLE synapse.search_words (
  department_id uuid NOT NULL,
  word          text NOT NULL,
  CONSTRAINT search_words_pkey PRIMARY KEY (department_id, word)
);
COMMENT ON TABLE synapse.search_words IS
  'The distinct lower-case words of each department''s task titles (kept by triggers on tasks), for the typo fallback of search_tasks.';
CREATE INDEX search_words_trgm_idx ON synapse.search_words USING gin (department_id, word public.gin_trgm_ops);

-- The words of a title as search_words keeps them. A SQL body, so it is inlined.
CREATE FUNCTION synapse._title_words(title text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 5 AS $$
  SELECT w FROM pg_catalog.regexp_split_to_table(pg_catalog.lower(title), '[^[:alnum:]]+') AS w
   WHERE w <> '' AND pg_catalog.length(w) <= 100
$$;
COMMENT ON FUNCTION synapse._title_words(text) IS
  'search_tasks helper: the words of a title as synapse.search_words keeps them (lower case, split at anything but letters and digits, at most 100 characters).';

INSERT INTO synapse.search_words (department_id, word)
SELECT DISTINCT t.department_id, w FROM synapse.tasks t, synapse._title_words(t.title) AS w
ON CONFLICT DO NOTHING;

-- New tasks: once per statement, from its transition table (a bulk insert adds each word
-- once). A changed title or department: per row, only when it changed. Words are added in
-- sorted order: two statements adding the same new words wait for each other in one order,
-- never in a cycle. The words are gathered first and added one row at a time: on Citus
-- each insert is then a router query to the word's shard (an INSERT ... SELECT from the
-- transition table is planned apart from the trigger, where that table is not visible, and
-- one from arrays fails while isolate_tenant_to_new_shard moves the shard; docs/citus.md).
CREATE FUNCTION synapse._tasks_add_search_words() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  words record;
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    FOR words IN SELECT DISTINCT n.department_id AS department_id, w AS word
                   FROM new_tasks n, synapse._title_words(n.title) AS w ORDER BY 1, 2 LOOP
      INSERT INTO synapse.search_words (department_id, word) VALUES (words.department_id, words.word)
      ON CONFLICT DO NOTHING;
    END LOOP;
  ELSE
    FOR words IN SELECT DISTINCT w AS word FROM synapse._title_words(NEW.title) AS w ORDER BY 1 LOOP
      INSERT INTO synapse.search_words (department_id, word) VALUES (NEW.department_id, words.word)
      ON CONFLICT DO NOTHING;
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION synapse._tasks_add_search_words() IS
  'AFTER INSERT (per statement) and UPDATE OF title, department_id (per row) trigger on tasks: adds the title''s words to synapse.search_words for the typo fallback of search_tasks.';
CREATE TRIGGER tasks_add_search_words AFTER INSERT ON synapse.tasks
  REFERENCING NEW TABLE AS new_tasks
  FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_add_search_words();
CREATE TRIGGER tasks_add_search_words_on_change AFTER UPDATE OF title, department_id ON synapse.tasks
  FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.department_id IS DISTINCT FROM NEW.department_id)
  EXECUTE FUNCTION synapse._tasks_add_search_words();

-- Step 1 for one department (the read policy of a Member, a Manager): keys, rank and kind
-- of the best max_results candidates, as described at the top. The queries take their
-- values as parameters; their plans do not depend on them (the keys index for the
-- candidates, the primary key for nothing else), so PL/pgSQL's cached plans serve.
CREATE FUNCTION synapse._search_department_matches(tsq tsquery, fuzzy text, excluded tsquery, max_results integer,
                                                   department uuid)
RETURNS TABLE (department_id uuid, id uuid, rank real, matched_by text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET pg_trgm.similarity_threshold = 0.2
AS $$
#variable_conflict use_column
DECLARE
  -- How many candidates each tier examines: a few more than it returns. Fewer for typos,
  -- whose test (word_similarity) costs about ten times a rank.
  bound integer := max_results + 200;
  fuzzy_bound integer := max_results + 50;
  title_keys tsquery;
  all_keys tsquery;
  fuzzy_all tsquery;
  fuzzy_any tsquery;
BEGIN
  IF tsq IS NOT NULL THEN
    title_keys := synapse._search_keys_query(department, tsq, true);
    all_keys := synapse._search_keys_query(department, tsq, false);
  END IF;
  IF all_keys IS NOT NULL THEN
    -- Each tier: the first `bound` live tasks the keys index gives, then the exact test.
    RETURN QUERY
      WITH title_hits AS MATERIALIZED (
        SELECT c.* FROM (
          SELECT t.id, t.due_date, t.search_vector FROM synapse.tasks t
           WHERE synapse._search_keys(t.department_id, t.search_vector) @@ title_keys
             AND pg_catalog.uuid_eq(t.department_id, department) AND t.deleted_at IS NULL
           LIMIT bound) c
         WHERE pg_catalog.ts_match_vq(c.search_vector, tsq)
           AND pg_catalog.ts_match_vq(pg_catalog.ts_filter(c.search_vector, '{a}'), tsq)
      ), other_hits AS MATERIALIZED (
        SELECT c.* FROM (
          SELECT t.id, t.due_date, t.search_vector FROM synapse.tasks t
           WHERE (SELECT count(*) FROM title_hits) < max_results
             AND synapse._search_keys(t.department_id, t.search_vector) @@ all_keys
             AND pg_catalog.uuid_eq(t.department_id, department) AND t.deleted_at IS NULL
           LIMIT bound) c
         WHERE pg_catalog.ts_match_vq(c.search_vector, tsq)
      ), hits AS (
        SELECT * FROM title_hits
        UNION ALL
        SELECT * FROM other_hits o WHERE o.id NOT IN (SELECT h.id FROM title_hits h)
      )
      SELECT department, h.id, pg_catalog.ts_rank_cd('{0.05, 0.1, 0.2, 1.0}', h.search_vector, tsq) AS rank, 'fulltext'
        FROM hits h
       ORDER BY rank DESC, h.due_date ASC NULLS LAST, h.id
       LIMIT max_results;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  IF fuzzy IS NULL OR fuzzy = '' THEN
    RETURN;
  END IF;

  -- Each query word's closest title words: "(w1 | w1') & (w2 | …)" and "w1 | w1' | w2 | …".
  -- The words are letters and digits only, so they are safe to_tsquery operands.
  SELECT pg_catalog.to_tsquery('pg_catalog.english', pg_catalog.string_agg('(' || alternatives || ')', ' & ')),
         pg_catalog.to_tsquery('pg_catalog.english', pg_catalog.string_agg(alternatives, ' | '))
    INTO fuzzy_all, fuzzy_any
    FROM (SELECT pg_catalog.string_agg(c.word, ' | ') AS alternatives
            FROM (SELECT q.word, q.n FROM synapse._title_words(fuzzy) WITH ORDINALITY AS q(word, n) LIMIT 8) q
            CROSS JOIN LATERAL (
              SELECT w.word FROM synapse.search_words w
               WHERE w.department_id = department AND w.word OPERATOR(public.%) q.word
               ORDER BY public.similarity(w.word, q.word) DESC, w.word
               LIMIT 3) c
           GROUP BY q.n) per_word;
  fuzzy_all := synapse._search_keys_query(department, fuzzy_all, true);
  fuzzy_any := synapse._search_keys_query(department, fuzzy_any, true);
  IF fuzzy_any IS NULL THEN
    RETURN;
  END IF;
  -- The tiers as above; accepted as migration 9 did: word_similarity >= 0.45 (<%).
  RETURN QUERY
    WITH all_words AS MATERIALIZED (
      SELECT c.id, c.due_date, c.rank FROM (
        SELECT t.id, t.due_date, t.search_vector, public.word_similarity(fuzzy, t.title) AS rank FROM synapse.tasks t
         WHERE synapse._search_keys(t.department_id, t.search_vector) @@ fuzzy_all
           AND pg_catalog.uuid_eq(t.department_id, department) AND t.deleted_at IS NULL
         LIMIT fuzzy_bound) c
       WHERE c.rank >= 0.45
         AND (excluded IS NULL OR pg_catalog.numnode(excluded) = 0 OR NOT pg_catalog.ts_match_vq(c.search_vector, excluded))
    ), any_word AS MATERIALIZED (
      SELECT c.id, c.due_date, c.rank FROM (
        SELECT t.id, t.due_date, t.search_vector, public.word_similarity(fuzzy, t.title) AS rank FROM synapse.tasks t
         WHERE (SELECT count(*) FROM all_words) < max_results
           AND synapse._search_keys(t.department_id, t.search_vector) @@ fuzzy_any
           AND pg_catalog.uuid_eq(t.department_id, department) AND t.deleted_at IS NULL
         LIMIT fuzzy_bound) c
       WHERE c.rank >= 0.45
         AND (excluded IS NULL OR pg_catalog.numnode(excluded) = 0 OR NOT pg_catalog.ts_match_vq(c.search_vector, excluded))
    ), hits AS (
      SELECT * FROM all_words
      UNION ALL
      SELECT * FROM any_word a WHERE a.id NOT IN (SELECT h.id FROM all_words h)
    )
    SELECT department, h.id, h.rank, 'trigram' FROM hits h
     ORDER BY h.rank DESC, h.due_date ASC NULLS LAST, h.id
     LIMIT max_results;
END
$$;
COMMENT ON FUNCTION synapse._search_department_matches(tsquery, text, tsquery, integer, uuid) IS
  'search_tasks helper: keys, rank and kind (fulltext, trigram) of the best max_results matches in one department, ranked among a bounded candidate set (title matches first) found through tasks_search_keys_idx; typos through the department''s title words.';

-- The definer step hands a one-department read policy to the function above.
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
  IF dept_from = dept_to THEN
    RETURN QUERY SELECT * FROM synapse._search_department_matches(tsq, fuzzy, excluded, max_results, dept_from);
  ELSE
    RETURN QUERY SELECT * FROM synapse._search_task_matches(tsq, fuzzy, excluded, max_results, dept_from, dept_to);
  END IF;
END
$$;

ALTER TABLE synapse.search_words OWNER TO synapse_migrate;
ALTER FUNCTION synapse._title_words(text) OWNER TO synapse_migrate;
ALTER FUNCTION synapse._tasks_add_search_words() OWNER TO synapse_migrate;
ALTER FUNCTION synapse._search_department_matches(tsquery, text, tsquery, integer, uuid) OWNER TO synapse_migrate;
GRANT EXECUTE ON FUNCTION synapse._title_words(text),
                          synapse._search_department_matches(tsquery, text, tsquery, integer, uuid)
  TO synapse_app, synapse_readonly;
-- search_words: nobody but the owner (the definer step) reads it.
REVOKE ALL ON synapse.search_words FROM synapse_app, synapse_readonly, synapse_monitoring;
