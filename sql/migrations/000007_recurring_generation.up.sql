-- requires: synapse_ext >= 0.1.0
-- Migration 7: recurring generation (docs/generation.md). The generator itself is in the
-- extension (synapse.generate_recurring_tasks, CALL synapse.run_recurring_generation());
-- this adds what it keeps and what people watch: the run log, the health views, the
-- index it claims by, and the triggers that keep a template's next_occurrence right when
-- it is created, edited or (anchor "completion") its instance is completed.

-- One row per run. Small and written by the coordinator only: on Citus it stays a plain
-- table there (tests/citus/distribute.sql leaves it alone).
CREATE TABLE synapse.generation_runs (
  id                  bigint      GENERATED ALWAYS AS IDENTITY,
  started_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at         timestamptz,
  as_of               timestamptz NOT NULL,
  batch_size          integer     NOT NULL,
  -- 'procedure' (run_recurring_generation, what pg_cron calls) or 'function'
  -- (generate_recurring_tasks called directly).
  started_by          text        NOT NULL,
  backend_pid         integer     NOT NULL DEFAULT pg_backend_pid(),
  batches             integer     NOT NULL DEFAULT 0,
  templates_processed integer     NOT NULL DEFAULT 0,
  tasks_generated     integer     NOT NULL DEFAULT 0,
  tasks_failed        integer     NOT NULL DEFAULT 0,
  -- The first errors of the run: [{"department_id", "template_id", "error"}].
  errors              jsonb       NOT NULL DEFAULT '[]',
  CONSTRAINT generation_runs_pkey PRIMARY KEY (id),
  CONSTRAINT generation_runs_started_by_check CHECK (started_by IN ('procedure', 'function')),
  CONSTRAINT generation_runs_batch_size_check CHECK (batch_size > 0),
  CONSTRAINT generation_runs_errors_is_array CHECK (jsonb_typeof(errors) = 'array')
);
COMMENT ON TABLE synapse.generation_runs IS
  'Run log of recurring generation: one row per run (committed batch by batch, so a run cut short shows what it did). Prune old rows as needed.';
CREATE INDEX generation_runs_started_at_idx ON synapse.generation_runs (started_at);

-- The generator claims one department's due templates at a time, oldest first.
CREATE INDEX tasks_recurring_claim_idx ON synapse.tasks (department_id, next_occurrence)
  WHERE is_recurring AND deleted_at IS NULL AND next_occurrence IS NOT NULL;

-- A template's next_occurrence, kept right by the database rather than by every client:
-- - created without one: the series' first occurrence (from recurrence_start);
-- - its series edited (pattern, start, skip dates, end, count) without setting
--   next_occurrence in the same UPDATE: the new series' first occurrence from the earlier
--   of the old next_occurrence (a due one is not lost) and now (nothing before the edit
--   is made up); a completion-anchored template waiting for its instance stays waiting.
CREATE FUNCTION synapse._tasks_schedule_template() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  from_ts timestamptz;
BEGIN
  IF NEW.recurrence_count < 1 THEN
    RETURN NEW;  -- tasks_recurrence_count_check rejects the row (23514)
  END IF;
  IF TG_OP = 'INSERT' OR NOT OLD.is_recurring THEN
    IF NEW.next_occurrence IS NULL THEN
      from_ts := NEW.recurrence_start;
    ELSE
      RETURN NEW;
    END IF;
  ELSIF NEW.next_occurrence IS DISTINCT FROM OLD.next_occurrence
     OR (NEW.recurrence_pattern IS NOT DISTINCT FROM OLD.recurrence_pattern
         AND NEW.recurrence_start IS NOT DISTINCT FROM OLD.recurrence_start
         AND NEW.skip_dates IS NOT DISTINCT FROM OLD.skip_dates
         AND NEW.recurrence_end_date IS NOT DISTINCT FROM OLD.recurrence_end_date
         AND NEW.recurrence_count IS NOT DISTINCT FROM OLD.recurrence_count) THEN
    RETURN NEW;
  ELSIF OLD.next_occurrence IS NULL AND NEW.recurrence_pattern ->> 'anchor' = 'completion' THEN
    RETURN NEW;

  ELSE
    from_ts := least(coalesce(OLD.next_occurrence, pg_catalog.now()), pg_catalog.now());
  END IF;
  NEW.next_occurrence := synapse._template_occurrence_from(
    NEW.recurrence_pattern, NEW.recurrence_start, from_ts,
    NEW.skip_dates, NEW.recurrence_end_date, NEW.recurrence_count);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION synapse._tasks_schedule_template() IS
  'BEFORE INSERT/UPDATE trigger on recurring templates: sets next_occurrence when a template is created without one or its series is edited (docs/generation.md).';

-- Named to run after tasks_before_write (BEFORE triggers run in name order), which
-- defaults recurrence_start.
CREATE TRIGGER tasks_schedule_template
  BEFORE INSERT OR UPDATE OF is_recurring, recurrence_pattern, recurrence_start, skip_dates,
                             recurrence_end_date, recurrence_count
  ON synapse.tasks
  FOR EACH ROW WHEN (NEW.is_recurring)
  EXECUTE FUNCTION synapse._tasks_schedule_template();

-- Anchor "completion": an instance becoming Done schedules its template's next instance
-- from the completion time. SECURITY DEFINER: the member completing the task may not be
-- allowed to change the template itself.
CREATE FUNCTION synapse._tasks_schedule_after_completion() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  UPDATE synapse.tasks t
     SET next_occurrence = synapse._template_next_after_completion(
           t.recurrence_pattern, t.recurrence_start, NEW.completed_at, t.recurrence_generated_count,
           t.skip_dates, t.recurrence_end_date, t.recurrence_count)
   WHERE t.department_id = NEW.department_id AND t.id = NEW.recurrence_parent_id
     AND t.is_recurring AND t.deleted_at IS NULL AND t.next_occurrence IS NULL
     AND t.recurrence_pattern ->> 'anchor' = 'completion';
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION synapse._tasks_schedule_after_completion() IS
  'AFTER UPDATE trigger on instances: when one becomes Done, a completion-anchored template gets its next occurrence from the completion time.';

CREATE TRIGGER tasks_schedule_after_completion
  AFTER UPDATE OF status ON synapse.tasks
  FOR EACH ROW WHEN (NEW.recurrence_parent_id IS NOT NULL AND NEW.status = 'Done'
                     AND OLD.status IS DISTINCT FROM 'Done')
  EXECUTE FUNCTION synapse._tasks_schedule_after_completion();

-- Health. "Overdue" allows two runs of the default five-minute schedule.
CREATE VIEW synapse.generation_recent_runs AS
SELECT r.id, r.started_at, r.finished_at,
       CASE WHEN r.finished_at IS NOT NULL THEN 'finished'
            WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                          WHERE a.pid = r.backend_pid AND a.backend_start <= r.started_at) THEN 'running'
            ELSE 'interrupted' END AS status,
       coalesce(r.finished_at, clock_timestamp()) - r.started_at AS duration,
       r.as_of, r.started_by, r.batches, r.templates_processed, r.tasks_generated, r.tasks_failed, r.errors
  FROM synapse.generation_runs r
 ORDER BY r.started_at DESC
 LIMIT 50;
COMMENT ON VIEW synapse.generation_recent_runs IS
  'The last 50 generation runs, newest first; status finished, running, or interrupted (its backend is gone: a crash or a terminated run, whose committed batches stay).';

CREATE VIEW synapse.generation_overdue_templates AS
SELECT t.department_id, t.id, t.task_id, t.title, t.next_occurrence,
       now() - t.next_occurrence AS overdue_by, t.recurrence_last_error
  FROM synapse.tasks t
 WHERE t.is_recurring AND t.deleted_at IS NULL
   AND t.next_occurrence < now() - interval '10 minutes';
COMMENT ON VIEW synapse.generation_overdue_templates IS
  'Templates whose next occurrence is more than 10 minutes past and not yet generated: generation is not running, or they fail.';

CREATE VIEW synapse.generation_failing_templates AS
SELECT t.department_id, t.id, t.task_id, t.title, t.next_occurrence,
       t.recurrence_last_error, t.recurrence_last_error_at
  FROM synapse.tasks t
 WHERE t.recurrence_last_error IS NOT NULL AND t.is_recurring AND t.deleted_at IS NULL;
COMMENT ON VIEW synapse.generation_failing_templates IS
  'Templates whose last generation attempt failed, with the error; retried on every run until it succeeds.';

CREATE VIEW synapse.generation_health AS
SELECT last.started_at AS last_run_started_at,
       last.finished_at AS last_run_finished_at,
       last.status AS last_run_status,
       (SELECT count(*) FROM synapse.generation_runs r WHERE r.started_at > now() - interval '1 hour') AS runs_last_hour,
       (SELECT coalesce(sum(r.tasks_generated), 0) FROM synapse.generation_runs r
         WHERE r.started_at > now() - interval '1 hour') AS generated_last_hour,
       (SELECT count(*) FROM synapse.generation_overdue_templates) AS overdue_templates,
       (SELECT max(o.overdue_by) FROM synapse.generation_overdue_templates o) AS most_overdue_by,
       (SELECT count(*) FROM synapse.generation_failing_templates) AS failing_templates
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (SELECT started_at, finished_at, status FROM synapse.generation_recent_runs LIMIT 1) AS last ON true;
COMMENT ON VIEW synapse.generation_health IS
  'One row: the last generation run, runs and instances in the last hour, overdue and failing templates. Alert on overdue_templates > 0 or failing_templates > 0.';

-- Ownership and access as in migration 5: synapse_migrate owns; monitoring and reporting read.
ALTER TABLE synapse.generation_runs OWNER TO synapse_migrate;
ALTER FUNCTION synapse._tasks_schedule_template() OWNER TO synapse_migrate;
ALTER FUNCTION synapse._tasks_schedule_after_completion() OWNER TO synapse_migrate;
ALTER VIEW synapse.generation_recent_runs OWNER TO synapse_migrate;
ALTER VIEW synapse.generation_overdue_templates OWNER TO synapse_migrate;
ALTER VIEW synapse.generation_failing_templates OWNER TO synapse_migrate;
ALTER VIEW synapse.generation_health OWNER TO synapse_migrate;
GRANT SELECT, INSERT, UPDATE ON synapse.generation_runs TO synapse_app;
GRANT SELECT ON synapse.generation_runs, synapse.generation_recent_runs, synapse.generation_overdue_templates,
                synapse.generation_failing_templates, synapse.generation_health
   TO synapse_monitoring, synapse_readonly;
GRANT USAGE ON SCHEMA synapse TO synapse_monitoring;
