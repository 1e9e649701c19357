-- Optional: hands the generation run log (partitioned by migration 12) to pg_partman 4.7
-- (Debian: postgresql-15-partman), which then keeps monthly partitions ahead of time and
-- drops those older than the retention period. Run once, as a superuser, on the database
-- (on Citus: on the coordinator, where the run log lives). Idempotent.
--
--   psql -d synapse -v retention='6 months' -f sql/partman/generation_runs.sql
--
-- Afterwards partman.run_maintenance_proc() must run regularly, e.g. hourly by pg_cron:
--   SELECT cron.schedule('partman-maintenance', '17 * * * *', 'CALL partman.run_maintenance_proc()');
-- (docs/scale-out.md). Without pg_partman nothing changes: rows stay in
-- synapse.generation_runs_default and old ones can be deleted.
\set ON_ERROR_STOP 1
\if :{?retention}
\else
\set retention '6 months'
\endif
BEGIN;
CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;

SELECT NOT EXISTS (SELECT 1 FROM partman.part_config WHERE parent_table = 'synapse.generation_runs') AS partman_needed
\gset
\if :partman_needed
-- create_parent makes its own default partition (<parent>_default): the one migration 12
-- made is detached first and its rows are routed into the new monthly partitions.
ALTER TABLE synapse.generation_runs DETACH PARTITION synapse.generation_runs_default;
ALTER TABLE synapse.generation_runs_default RENAME TO generation_runs_before_partman;
SELECT partman.create_parent(
         p_parent_table := 'synapse.generation_runs', p_control := 'started_at',
         p_type := 'native', p_interval := 'monthly', p_premake := 3,
         p_start_partition := (SELECT date_trunc('month', coalesce(min(started_at), now()))::text
                                 FROM synapse.generation_runs_before_partman),
         p_jobmon := false);
INSERT INTO synapse.generation_runs OVERRIDING SYSTEM VALUE
SELECT * FROM synapse.generation_runs_before_partman;
DROP TABLE synapse.generation_runs_before_partman;
\endif
-- Months older than the retention period are dropped by run_maintenance; partitions for
-- the coming months are made even when no row arrives (infinite_time_partitions).
UPDATE partman.part_config
   SET retention = :'retention', retention_keep_table = false, infinite_time_partitions = true
 WHERE parent_table = 'synapse.generation_runs';
COMMIT;
