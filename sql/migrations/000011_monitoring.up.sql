-- requires: synapse_ext >= 0.1.0
-- Migration 11: monitoring views (issue 13), the figures of the design's "Monitoring &
-- Observability" section for psql and for postgres_exporter
-- (ops/postgres_exporter/queries.yaml), and its alert thresholds in one view.
--
-- Readable by synapse_monitoring (a member of pg_read_all_stats, so it sees every session
-- and statement); not by synapse_app or synapse_readonly: statement texts and other
-- sessions' activity are for operators. The views are owned by synapse_migrate like the
-- rest of the schema; the statistics functions inside them run as the reader.
-- Every view reads the current database's statistics; the connection figures are the
-- whole cluster's (max_connections is cluster-wide).

-- Client connections against max_connections (the design: critical above 80%).
CREATE VIEW synapse.monitoring_connections AS
SELECT count(*) AS total,
       count(*) FILTER (WHERE a.state = 'active') AS active,
       count(*) FILTER (WHERE a.state = 'idle') AS idle,
       count(*) FILTER (WHERE a.state IN ('idle in transaction', 'idle in transaction (aborted)')) AS idle_in_transaction,
       count(*) FILTER (WHERE a.wait_event_type = 'Lock') AS waiting_on_locks,
       count(*) FILTER (WHERE a.datname = pg_catalog.current_database()) AS this_database,
       pg_catalog.current_setting('max_connections')::integer AS max_connections,
       round(count(*)::numeric / pg_catalog.current_setting('max_connections')::integer, 4) AS used_ratio,
       coalesce(extract(epoch FROM max(now() - a.xact_start)), 0)::numeric(12, 3) AS longest_transaction_seconds
  FROM pg_catalog.pg_stat_activity a
 WHERE a.backend_type = 'client backend';
COMMENT ON VIEW synapse.monitoring_connections IS
  'One row: client connections of the cluster by state, those of this database, max_connections and the used ratio (alert above 0.8), the longest open transaction.';

-- Buffer cache hit ratio of this database, all of it and the synapse tables alone. NULL
-- before anything was read at all (no ratio yet, not a bad one).
CREATE VIEW synapse.monitoring_cache_hit_ratio AS
SELECT d.blks_hit AS database_blocks_hit,
       d.blks_read AS database_blocks_read,
       round(d.blks_hit::numeric / NULLIF(d.blks_hit + d.blks_read, 0), 4) AS database_ratio,
       t.heap_hit AS synapse_heap_blocks_hit,
       t.heap_read AS synapse_heap_blocks_read,
       round(t.heap_hit::numeric / NULLIF(t.heap_hit + t.heap_read, 0), 4) AS synapse_heap_ratio,
       round(t.idx_hit::numeric / NULLIF(t.idx_hit + t.idx_read, 0), 4) AS synapse_index_ratio
  FROM pg_catalog.pg_stat_database d
 CROSS JOIN (SELECT coalesce(sum(s.heap_blks_hit), 0) AS heap_hit, coalesce(sum(s.heap_blks_read), 0) AS heap_read,
                    coalesce(sum(s.idx_blks_hit), 0) AS idx_hit, coalesce(sum(s.idx_blks_read), 0) AS idx_read
               FROM pg_catalog.pg_statio_user_tables s WHERE s.schemaname = 'synapse') AS t
 WHERE d.datname = pg_catalog.current_database();
COMMENT ON VIEW synapse.monitoring_cache_hit_ratio IS
  'One row: shared-buffer hit ratio of this database and of the synapse tables (heap, indexes); warning below 0.98, critical below 0.95; NULL before any block was read.';

CREATE VIEW synapse.monitoring_table_sizes AS
SELECT c.relname AS table_name,
       pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
       pg_catalog.pg_relation_size(c.oid) AS table_bytes,
       pg_catalog.pg_indexes_size(c.oid) AS index_bytes,
       pg_catalog.pg_total_relation_size(c.oid) - pg_catalog.pg_relation_size(c.oid)
         - pg_catalog.pg_indexes_size(c.oid) AS toast_and_other_bytes,
       s.n_live_tup AS live_rows,
       s.n_dead_tup AS dead_rows
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
 WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind IN ('r', 'p', 'm');
COMMENT ON VIEW synapse.monitoring_table_sizes IS
  'Each synapse table: total, heap, index and TOAST bytes, live and dead rows (estimates from the statistics collector).';

CREATE VIEW synapse.monitoring_index_sizes AS
SELECT s.relname AS table_name, s.indexrelname AS index_name,
       pg_catalog.pg_relation_size(s.indexrelid) AS index_bytes,
       s.idx_scan AS scans, s.idx_tup_read AS tuples_read, s.idx_tup_fetch AS tuples_fetched,
       i.indisunique AS is_unique, i.indisprimary AS is_primary
  FROM pg_catalog.pg_stat_user_indexes s
  JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid
 WHERE s.schemaname = 'synapse';
COMMENT ON VIEW synapse.monitoring_index_sizes IS
  'Each index of a synapse table: its size and how often it was scanned since the statistics were reset.';

-- Unique indexes enforce constraints however rarely they are scanned: never candidates.
CREATE VIEW synapse.monitoring_unused_indexes AS
SELECT table_name, index_name, index_bytes, scans
  FROM synapse.monitoring_index_sizes
 WHERE scans = 0 AND NOT is_unique;
COMMENT ON VIEW synapse.monitoring_unused_indexes IS
  'Non-unique synapse indexes never scanned since the statistics were reset: candidates for removal (check the standby and a full business cycle first).';

-- Dead rows against all rows: the design's "table bloat > 40%" approximated from the
-- statistics (exact bloat needs pgstattuple and reads the whole table).
CREATE VIEW synapse.monitoring_dead_tuples AS
SELECT s.relname AS table_name, s.n_live_tup AS live_rows, s.n_dead_tup AS dead_rows,
       round(s.n_dead_tup::numeric / NULLIF(s.n_live_tup + s.n_dead_tup, 0), 4) AS dead_ratio,
       s.last_vacuum, s.last_autovacuum, s.autovacuum_count, s.last_autoanalyze
  FROM pg_catalog.pg_stat_user_tables s
 WHERE s.schemaname = 'synapse';
COMMENT ON VIEW synapse.monitoring_dead_tuples IS
  'Each synapse table: live and dead rows, the dead ratio (the alert reads it as bloat above 0.4 for tables over 1,000 rows), last (auto)vacuum.';

-- pg_stat_statements, wherever it was created, when it is there and loaded; without it
-- no rows (monitoring_statements_source says why). A function because a view cannot name
-- a relation that may not exist. VOLATILE: the statistics move while a query runs.
CREATE FUNCTION synapse._monitoring_slowest_statements(max_rows integer)
RETURNS TABLE (queryid bigint, query text, calls bigint, total_ms numeric, mean_ms numeric,
               max_ms numeric, stddev_ms numeric, rows_returned bigint, share_of_total numeric,
               cache_hit_ratio numeric)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  nsp name;
BEGIN
  SELECT n.nspname INTO nsp
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pg_stat_statements';
  -- Created but not in shared_preload_libraries: reading it would raise 55000.
  IF nsp IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name = 'pg_stat_statements.max') THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE pg_catalog.format(
    'SELECT s.queryid, s.query, s.calls,
            round(s.total_exec_time::numeric, 3), round(s.mean_exec_time::numeric, 3),
            round(s.max_exec_time::numeric, 3), round(s.stddev_exec_time::numeric, 3), s.rows,
            round((s.total_exec_time / NULLIF(sum(s.total_exec_time) OVER (), 0))::numeric, 4),
            round(s.shared_blks_hit::numeric / NULLIF(s.shared_blks_hit + s.shared_blks_read, 0), 4)
       FROM %I.pg_stat_statements s
      WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
      ORDER BY s.mean_exec_time DESC
      LIMIT $1', nsp)
    USING max_rows;
END
$$;
COMMENT ON FUNCTION synapse._monitoring_slowest_statements(integer) IS
  'monitoring_slowest_statements helper: the slowest statements of this database by mean time from pg_stat_statements, no rows when it is not installed or not loaded.';

CREATE VIEW synapse.monitoring_slowest_statements AS
SELECT * FROM synapse._monitoring_slowest_statements(20);
COMMENT ON VIEW synapse.monitoring_slowest_statements IS
  'The 20 statements of this database with the highest mean execution time (pg_stat_statements); empty when pg_stat_statements is missing: see monitoring_statements_source.';

CREATE VIEW synapse.monitoring_statements_source AS
SELECT e.extname IS NOT NULL AS installed,
       EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name = 'pg_stat_statements.max') AS loaded,
       CASE WHEN e.extname IS NULL
              THEN 'pg_stat_statements is not installed in this database: CREATE EXTENSION pg_stat_statements (it must be in shared_preload_libraries)'
            WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name = 'pg_stat_statements.max')
              THEN 'pg_stat_statements is installed but not loaded: add it to shared_preload_libraries and restart'
            ELSE 'pg_stat_statements ' || e.extversion END AS status
  FROM (SELECT 1) AS one
  LEFT JOIN pg_catalog.pg_extension e ON e.extname = 'pg_stat_statements';
COMMENT ON VIEW synapse.monitoring_statements_source IS
  'One row: whether pg_stat_statements is installed and loaded, and what to do when not (monitoring_slowest_statements is empty then).';

-- Streaming replication seen from either side. On a standby the lag is the age of the
-- last replayed transaction while WAL is still waiting to be replayed, else 0 (an idle
-- primary sends nothing, which is no lag).
CREATE VIEW synapse.monitoring_replication AS
SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN 'standby' ELSE 'primary' END AS server_role,
       (SELECT count(*) FROM pg_catalog.pg_stat_replication r WHERE r.state = 'streaming') AS streaming_standbys,
       CASE WHEN pg_catalog.pg_is_in_recovery() THEN
              CASE WHEN pg_catalog.pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_catalog.pg_last_wal_replay_lsn() THEN 0
                   ELSE coalesce(extract(epoch FROM now() - pg_catalog.pg_last_xact_replay_timestamp()), 0) END
            ELSE coalesce((SELECT extract(epoch FROM max(r.replay_lag)) FROM pg_catalog.pg_stat_replication r), 0)
       END::numeric(12, 3) AS replay_lag_seconds,
       CASE WHEN pg_catalog.pg_is_in_recovery() THEN
              coalesce(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn()), 0)
            ELSE coalesce((SELECT max(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.replay_lsn))
                             FROM pg_catalog.pg_stat_replication r), 0)
       END::bigint AS replay_lag_bytes;
COMMENT ON VIEW synapse.monitoring_replication IS
  'One row: primary or standby, streaming standbys (on a primary), replay lag in seconds (alert above 10) and in WAL bytes.';

-- Generation health as numbers (migration 7's view has timestamps and intervals).
CREATE VIEW synapse.monitoring_generation AS
SELECT coalesce(extract(epoch FROM now() - h.last_run_started_at), -1)::numeric(14, 3) AS seconds_since_last_run,
       (h.last_run_status = 'finished') AS last_run_finished,
       h.runs_last_hour, h.generated_last_hour, h.overdue_templates,
       coalesce(extract(epoch FROM h.most_overdue_by), 0)::numeric(14, 3) AS most_overdue_seconds,
       h.failing_templates
  FROM synapse.generation_health h;
COMMENT ON VIEW synapse.monitoring_generation IS
  'One row: generation health in numbers (seconds_since_last_run -1 before the first run); alert when overdue_templates or failing_templates is above 0.';

-- The design's alert thresholds next to the current values. state: ok, warning, critical
-- (value NULL, e.g. no blocks read yet: ok). The thresholds PostgreSQL cannot see itself
-- (PgBouncer's pool wait, database growth per day, index bloat) are in docs/operations.md.
CREATE VIEW synapse.monitoring_alerts AS
WITH v(alert, description, value, warning_above, critical_above, warning_below, critical_below) AS (
  SELECT 'cache_hit_ratio', 'buffer cache hit ratio of this database',
         (SELECT database_ratio FROM synapse.monitoring_cache_hit_ratio), NULL::numeric, NULL::numeric, 0.98, 0.95
  UNION ALL
  SELECT 'connections_used_ratio', 'client connections / max_connections',
         (SELECT used_ratio FROM synapse.monitoring_connections), NULL, 0.8, NULL, NULL
  UNION ALL
  SELECT 'replication_lag_seconds', 'replay lag of the slowest standby (or of this standby)',
         (SELECT replay_lag_seconds FROM synapse.monitoring_replication), NULL, 10, NULL, NULL
  UNION ALL
  SELECT 'table_dead_ratio', 'highest dead-row ratio of a synapse table over 1,000 rows (bloat)',
         (SELECT max(dead_ratio) FROM synapse.monitoring_dead_tuples WHERE live_rows + dead_rows > 1000), NULL, 0.4, NULL, NULL
  UNION ALL
  SELECT 'slowest_statement_mean_ms', 'highest mean time of a statement called 10 times or more (the design''s query p95 > 500 ms; pg_stat_statements keeps no percentiles)',
         (SELECT max(mean_ms) FROM synapse.monitoring_slowest_statements WHERE calls >= 10), 500, NULL, NULL, NULL
  UNION ALL
  SELECT 'generation_overdue_templates', 'recurring templates more than 10 minutes overdue',
         (SELECT overdue_templates FROM synapse.monitoring_generation), NULL, 0, NULL, NULL
  UNION ALL
  SELECT 'generation_failing_templates', 'recurring templates whose last generation failed',
         (SELECT failing_templates FROM synapse.monitoring_generation), NULL, 0, NULL, NULL
)
SELECT alert, description, value, warning_above, critical_above, warning_below, critical_below,
       CASE WHEN value > critical_above OR value < critical_below THEN 'critical'
            WHEN value > warning_above OR value < warning_below THEN 'warning'
            ELSE 'ok' END AS state
  FROM v;
COMMENT ON VIEW synapse.monitoring_alerts IS
  'The design''s alert thresholds (section 8.3) beside the current value of each figure, with its state: ok, warning or critical.';

DO $$
DECLARE
  v text;
BEGIN
  FOREACH v IN ARRAY ARRAY['monitoring_connections', 'monitoring_cache_hit_ratio', 'monitoring_table_sizes',
                           'monitoring_index_sizes', 'monitoring_unused_indexes', 'monitoring_dead_tuples',
                           'monitoring_slowest_statements', 'monitoring_statements_source',
                           'monitoring_replication', 'monitoring_generation', 'monitoring_alerts'] LOOP
    EXECUTE pg_catalog.format('ALTER VIEW synapse.%I OWNER TO synapse_migrate', v);
    -- Default privileges gave the application and reporting roles access to new relations.
    EXECUTE pg_catalog.format('REVOKE ALL ON synapse.%I FROM PUBLIC, synapse_app, synapse_readonly', v);
    EXECUTE pg_catalog.format('GRANT SELECT ON synapse.%I TO synapse_monitoring', v);
  END LOOP;
END
$$;
ALTER FUNCTION synapse._monitoring_slowest_statements(integer) OWNER TO synapse_migrate;
REVOKE ALL ON FUNCTION synapse._monitoring_slowest_statements(integer) FROM PUBLIC, synapse_app;
GRANT EXECUTE ON FUNCTION synapse._monitoring_slowest_statements(integer) TO synapse_monitoring;
