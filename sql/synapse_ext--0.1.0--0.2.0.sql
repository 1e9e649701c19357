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
