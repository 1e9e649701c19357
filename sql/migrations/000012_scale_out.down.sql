-- Undo migration 12: the run log unpartitioned again (its rows kept), and
-- recount_project_tasks as migration 8 made it. Whatever pg_partman kept of the table
-- (sql/partman/generation_runs.sql) is released first when pg_partman is there.
DO $$
BEGIN
  IF to_regclass('partman.part_config') IS NOT NULL THEN
    EXECUTE 'DELETE FROM partman.part_config WHERE parent_table = $1' USING 'synapse.generation_runs';
  END IF;
END
$$;
ALTER TABLE synapse.generation_runs RENAME TO generation_runs_partitioned;
ALTER TABLE synapse.generation_runs_partitioned RENAME CONSTRAINT generation_runs_pkey TO generation_runs_partitioned_pkey;
ALTER INDEX synapse.generation_runs_started_at_idx RENAME TO generation_runs_partitioned_started_at_idx;

CREATE TABLE synapse.generation_runs (
  id                  bigint      GENERATED ALWAYS AS IDENTITY,
  started_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at         timestamptz,
  as_of               timestamptz NOT NULL,
  batch_size          integer     NOT NULL,
  started_by          text        NOT NULL,
  backend_pid         integer     NOT NULL DEFAULT pg_backend_pid(),
  batches             integer     NOT NULL DEFAULT 0,
  templates_processed integer     NOT NULL DEFAULT 0,
  tasks_generated     integer     NOT NULL DEFAULT 0,
  tasks_failed        integer     NOT NULL DEFAULT 0,
  errors              jsonb       NOT NULL DEFAULT '[]',
  CONSTRAINT generation_runs_pkey PRIMARY KEY (id),
  CONSTRAINT generation_runs_started_by_check CHECK (started_by IN ('procedure', 'function')),
  CONSTRAINT generation_runs_batch_size_check CHECK (batch_size > 0),
  CONSTRAINT generation_runs_errors_is_array CHECK (jsonb_typeof(errors) = 'array')
);
COMMENT ON TABLE synapse.generation_runs IS
  'Run log of recurring generation: one row per run (committed batch by batch, so a run cut short shows what it did). Prune old rows as needed.';
CREATE INDEX generation_runs_started_at_idx ON synapse.generation_runs (started_at);
INSERT INTO synapse.generation_runs OVERRIDING SYSTEM VALUE
SELECT * FROM synapse.generation_runs_partitioned;
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
DROP TABLE synapse.generation_runs_partitioned;
-- pg_partman's template table for the partitioned run log, when it made one.
DROP TABLE IF EXISTS partman.template_synapse_generation_runs;

ALTER TABLE synapse.generation_runs OWNER TO synapse_migrate;
GRANT SELECT, INSERT, UPDATE ON synapse.generation_runs TO synapse_app;
GRANT SELECT ON synapse.generation_runs TO synapse_monitoring, synapse_readonly;

CREATE OR REPLACE FUNCTION synapse.recount_project_tasks(project uuid DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  locked integer;
  corrected integer;
BEGIN
  SELECT count(*) INTO locked FROM (
    SELECT 1 FROM synapse.projects p
     WHERE project IS NULL OR p.id = project
     ORDER BY p.department_id, p.id
       FOR NO KEY UPDATE) AS l;
  IF project IS NOT NULL AND locked = 0 THEN
    RAISE EXCEPTION 'recount_project_tasks: no project %', project
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the id of an existing project (one you can see), or NULL for all.';
  END IF;
  WITH fresh AS (
    SELECT p.department_id, p.id,
           count(t.id)::integer AS tasks,
           (count(t.id) FILTER (WHERE t.status = 'Done'))::integer AS completed
      FROM synapse.projects p
      LEFT JOIN synapse.tasks t
        ON t.department_id = p.department_id AND t.project_id = p.id
       AND NOT t.is_recurring AND t.deleted_at IS NULL
     WHERE project IS NULL OR p.id = project
     GROUP BY p.department_id, p.id
  ), fixed AS (
    UPDATE synapse.projects p
       SET task_count = f.tasks, completed_task_count = f.completed
      FROM fresh f
     WHERE p.department_id = f.department_id AND p.id = f.id
       AND (p.task_count, p.completed_task_count) IS DISTINCT FROM (f.tasks, f.completed)
    RETURNING 1
  )
  SELECT count(*) INTO corrected FROM fixed;
  RETURN corrected;
END
$$;
COMMENT ON FUNCTION synapse.recount_project_tasks(uuid) IS
  'Repairs project counters: sets task_count/completed_task_count of the project (NULL: every project) to a fresh count of its live, non-template tasks; returns how many projects it corrected. 22023 for an unknown project.';
