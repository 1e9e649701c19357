-- What pg_cron runs: every due template, batch after batch, committing after each one, so a
-- crash loses at most one batch and a user editing a template waits at most one batch for
-- its lock. PL/pgSQL because a procedure that COMMITs needs a language with transaction
-- control; the work itself is the Rust batch function. Called inside an explicit
-- transaction block it cannot commit and fails with 2D000 (invalid_transaction_termination).
CREATE PROCEDURE run_recurring_generation(batch_size integer DEFAULT 100, as_of timestamptz DEFAULT NULL)
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

-- pg_cron is optional: the extension installs and generates without it, and these two
-- say so clearly when it is missing. The job's name makes scheduling idempotent
-- (cron.schedule replaces a job of the same name and user).
CREATE FUNCTION _require_pg_cron() RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    RAISE EXCEPTION 'pg_cron is not installed in database %', pg_catalog.current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name to this database, '
                   'restart the server and run CREATE EXTENSION pg_cron; or call '
                   'CALL synapse.run_recurring_generation() from another scheduler.';
  END IF;
END
$$;

CREATE FUNCTION schedule_recurring_generation(schedule text DEFAULT '*/5 * * * *') RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT AS $$
BEGIN
  PERFORM synapse._require_pg_cron();
  RETURN cron.schedule('synapse-recurring-generation', schedule, 'CALL synapse.run_recurring_generation()');
END
$$;

CREATE FUNCTION unschedule_recurring_generation() RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM synapse._require_pg_cron();
  IF NOT EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'synapse-recurring-generation' AND username = current_user) THEN
    RETURN false;
  END IF;
  RETURN cron.unschedule('synapse-recurring-generation');
END
$$;
