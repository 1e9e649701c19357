-- requires: synapse_ext >= 0.1.0
-- Migration 12: scale-out (issue 15, docs/scale-out.md).
--
-- 1. The generation run log synapse.generation_runs grows by one row per run forever (every
--    5 minutes by pg_cron: 105,000 rows a year). It becomes a table partitioned by
--    started_at, so old months can be dropped whole instead of deleted row by row. Without
--    pg_partman every row lands in the default partition generation_runs_default and the
--    table behaves exactly as before; sql/partman/generation_runs.sql (optional) hands the
--    table to pg_partman 4.7, which then keeps monthly partitions and drops old ones. The
--    generator (src/sql/generation.rs) and the views of migration 7 are unchanged: the
--    columns stay the same, only the primary key gains started_at (a partitioned table's
--    unique keys must contain the partition key), and the views are re-pointed at the new
--    table with their definitions of migration 7.
-- 2. synapse.recount_project_tasks() repairs one department at a time. Its single
--    statement over all projects locked rows across departments, which Citus refuses on
--    distributed tables ("could not run distributed query with FOR UPDATE/SHARE
--    commands"); per department every statement is a one-shard router query there. Same
--    result, same errors, and still one lock order (department, then project).

ALTER TABLE synapse.generation_runs RENAME TO generation_runs_unpartitioned;
ALTER TABLE synapse.generation_runs_unpartitioned RENAME CONSTRAINT generation_runs_pkey TO generation_runs_unpartitioned_pkey;
ALTER INDEX synapse.generation_runs_started_at_idx RENAME TO generation_runs_unpartitioned_started_at_idx;

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
  CONSTRAINT generation_runs_pkey PRIMARY KEY (id, started_at),
  CONSTRAINT generation_runs_started_by_check CHECK (started_by IN ('procedure', 'function')),
  CONSTRAINT generation_runs_batch_size_check CHECK (batch_size > 0),
  CONSTRAINT generation_runs_errors_is_array CHECK (jsonb_typeof(errors) = 'array')
) PARTITION BY RANGE (started_at);
COMMENT ON TABLE synapse.generation_runs IS
  'Run log of recurring generation: one row per run (committed batch by batch, so a run cut short shows what it did). Partitioned by started_at: rows land in generation_runs_default unless pg_partman keeps monthly partitions (sql/partman/generation_runs.sql), which it drops after the retention period.';
CREATE INDEX generation_runs_started_at_idx ON synapse.generation_runs (started_at);
-- The generator updates its run by id alone.
CREATE INDEX generation_runs_id_idx ON synapse.generation_runs (id);
CREATE TABLE synapse.generation_runs_default PARTITION OF synapse.generation_runs DEFAULT;
COMMENT ON TABLE synapse.generation_runs_default IS
  'The run log''s default partition: every run while no monthly partition covers it (always, without pg_partman).';

INSERT INTO synapse.generation_runs OVERRIDING SYSTEM VALUE
SELECT * FROM synapse.generation_runs_unpartitioned;
SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('synapse.generation_runs', 'id'),
                         coalesce(max(id), 0) + 1, false)
  FROM synapse.generation_runs;

CREATE OR REPLACE VIEW synapse.generation_recent_runs AS
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

CREATE OR REPLACE VIEW synapse.generation_health AS
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
DROP TABLE synapse.generation_runs_unpartitioned;

ALTER TABLE synapse.generation_runs OWNER TO synapse_migrate;
ALTER TABLE synapse.generation_runs_default OWNER TO synapse_migrate;
GRANT SELECT, INSERT, UPDATE ON synapse.generation_runs TO synapse_app;
GRANT SELECT ON synapse.generation_runs TO synapse_monitoring, synapse_readonly;

CREATE OR REPLACE FUNCTION synapse.recount_project_tasks(project uuid DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  dept uuid;
  locked integer;
  found_any boolean := false;
  corrected integer := 0;
  n integer;
BEGIN
  -- One department at a time, in department order: on Citus each statement is a router
  -- query to the department's shard (row locks across shards are refused there).
  FOR dept IN SELECT d.id FROM synapse.departments d
               WHERE project IS NULL OR d.id IN (SELECT p.department_id FROM synapse.projects p WHERE p.id = project)
               ORDER BY d.id LOOP
    SELECT count(*) INTO locked FROM (
      SELECT 1 FROM synapse.projects p
       WHERE p.department_id = dept AND (project IS NULL OR p.id = project)
       ORDER BY p.id
         FOR NO KEY UPDATE) AS l;
    found_any := found_any OR locked > 0;
    WITH fresh AS (
      SELECT p.department_id, p.id,
             count(t.id)::integer AS tasks,
             (count(t.id) FILTER (WHERE t.status = 'Done'))::integer AS completed
        FROM synapse.projects p
        LEFT JOIN synapse.tasks t
          ON t.department_id = p.department_id AND t.project_id = p.id
         AND NOT t.is_recurring AND t.deleted_at IS NULL
       WHERE p.department_id = dept AND (project IS NULL OR p.id = project)
       GROUP BY p.department_id, p.id
    ), fixed AS (
      UPDATE synapse.projects p
         SET task_count = f.tasks, completed_task_count = f.completed
        FROM fresh f
       WHERE p.department_id = dept AND p.department_id = f.department_id AND p.id = f.id
         AND (p.task_count, p.completed_task_count) IS DISTINCT FROM (f.tasks, f.completed)
      RETURNING 1
    )
    SELECT count(*) INTO n FROM fixed;
    corrected := corrected + n;
  END LOOP;
  IF project IS NOT NULL AND NOT found_any THEN
    RAISE EXCEPTION 'recount_project_tasks: no project %', project
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the id of an existing project (one you can see), or NULL for all.';
  END IF;
  RETURN corrected;
END
$$;
COMMENT ON FUNCTION synapse.recount_project_tasks(uuid) IS
  'Repairs project counters: sets task_count/completed_task_count of the project (NULL: every project) to a fresh count of its live, non-template tasks, one department at a time; returns how many projects it corrected. 22023 for an unknown project.';
