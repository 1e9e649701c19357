-- synapse_ext 0.1.0 -> 0.2.0, run by ALTER EXTENSION synapse_ext UPDATE.
--
-- What a fresh CREATE EXTENSION of 0.2.0 defines differently from 0.1.0 (functions,
-- signatures, volatility, strictness, parallel safety, C symbols, comments). The shared
-- library is replaced by installing the release; this script brings the catalog along.
-- tests/upgrade/from_releases.t compares the result with a fresh CREATE EXTENSION and
-- prints any difference: every change to the SQL surface after 0.1.0 adds its statements
-- here (CREATE OR REPLACE FUNCTION keeps the objects that depend on a function: the pattern
-- CHECK, the generated search_vector, triggers, policies; never DROP one they use).
--
\echo Use "ALTER EXTENSION synapse_ext UPDATE TO '0.2.0'" to load this file. \quit

-- generate_recurring_tasks is no longer STRICT: a NULL as_of means now() (before, any NULL
-- argument silently returned no row and ran nothing); a NULL batch_size is 22023.
CREATE OR REPLACE FUNCTION generate_recurring_tasks(
	"batch_size" INT DEFAULT 100,
	"as_of" timestamp with time zone DEFAULT NULL
) RETURNS TABLE (
	"tasks_generated" INT,
	"tasks_failed" INT,
	"execution_time_ms" INT
)
VOLATILE PARALLEL UNSAFE CALLED ON NULL INPUT
LANGUAGE c
AS 'MODULE_PATHNAME', 'generate_recurring_tasks_wrapper';
COMMENT ON FUNCTION generate_recurring_tasks(integer, timestamptz) IS
  'One batch of recurring generation: up to batch_size due templates (next_occurrence <= as_of; as_of NULL: now()) become task instances, exactly once, with their assignees; a failing template is recorded and skipped. Logs a run in synapse.generation_runs.';

-- run_recurring_generation(NULL) looped for ever committing empty batches: now 22023 first.
CREATE OR REPLACE PROCEDURE run_recurring_generation(batch_size integer DEFAULT 100, as_of timestamptz DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  -- One cutoff for the whole run, so the run ends even while new occurrences fall due.
  cutoff constant timestamptz := coalesce(as_of, pg_catalog.clock_timestamp());
  run bigint;
  claimed integer;
BEGIN
  -- The batch functions are strict: a NULL size would claim nothing, never 0, and loop.
  IF batch_size IS NULL THEN
    RAISE EXCEPTION 'batch_size: must not be NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF pg_catalog.pg_is_in_recovery() THEN
    RAISE NOTICE 'synapse.run_recurring_generation: skipped, this server is a standby'
      USING HINT = 'Generation writes tasks; it runs on the primary.';
    RETURN;
  END IF;
  run := synapse._generation_run_begin(cutoff, batch_size);
  COMMIT;
  LOOP
    claimed := synapse._generate_recurring_batch(run, batch_size, cutoff);
    COMMIT;
    -- A template with more catching up to do than one batch makes stays due, so only a
    -- batch that claims nothing ends the run.
    EXIT WHEN claimed = 0;
  END LOOP;
  PERFORM synapse._generation_run_end(run);
  COMMIT;
END
$$;

-- Search index keys (issue 11, migration 10's tasks_search_keys_idx): the department-
-- prefixed keys of a search vector, made in Rust, and the index query for a search query.
CREATE FUNCTION "_search_key_array"(
	"department" TEXT,
	"lexemes" TEXT[],
	"title_lexemes" TEXT[]
) RETURNS TEXT[]
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', '_search_key_array_wrapper';

CREATE FUNCTION _search_keys(department_id uuid, search_vector tsvector)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_to_tsvector(_search_key_array(department_id::text, tsvector_to_array(search_vector),
                                           tsvector_to_array(ts_filter(search_vector, '{a}'))));

CREATE FUNCTION _search_keys_query(department_id uuid, query tsquery, title_only boolean)
RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
  SELECT string_agg(
           CASE WHEN m[1] IS NOT NULL
                  THEN '''' || department_id::text || CASE WHEN title_only THEN '!' ELSE ':' END || substr(m[1], 2)
                WHEN m[2] IS NOT NULL THEN ' & '
                ELSE m[3] END, '' ORDER BY n)::tsquery
    FROM regexp_matches(querytree(query), '(''(?:[^''\\]|''''|\\.)*'')|(<(?:-|[0-9]+)>)|([^''<]+|<)', 'g')
         WITH ORDINALITY AS r(m, n)
   WHERE querytree(query) NOT IN ('', 'T'));

COMMENT ON FUNCTION _search_key_array(text, text[], text[]) IS
  'Internal (_search_keys): the index keys of a task: department:lexeme for every lexeme, department!lexeme for the title''s; lexemes over 2,000 bytes left out.';
COMMENT ON FUNCTION _search_keys(uuid, tsvector) IS
  'Search index keys of a task''s search vector, prefixed with its department (all lexemes, and title lexemes separately). Immutable: backs tasks_search_keys_idx.';
COMMENT ON FUNCTION _search_keys_query(uuid, tsquery, boolean) IS
  'The tasks_search_keys_idx query (department-prefixed, title words only or all) that finds a superset of a search query''s matches in one department; NULL when nothing of it is indexable.';
