-- Undo migration 11: the monitoring views and their helper. Nothing else depends on them.
DROP VIEW IF EXISTS synapse.monitoring_alerts;
DROP VIEW IF EXISTS synapse.monitoring_generation;
DROP VIEW IF EXISTS synapse.monitoring_replication;
DROP VIEW IF EXISTS synapse.monitoring_statements_source;
DROP VIEW IF EXISTS synapse.monitoring_slowest_statements;
DROP FUNCTION IF EXISTS synapse._monitoring_slowest_statements(integer);
DROP VIEW IF EXISTS synapse.monitoring_dead_tuples;
DROP VIEW IF EXISTS synapse.monitoring_unused_indexes;
DROP VIEW IF EXISTS synapse.monitoring_index_sizes;
DROP VIEW IF EXISTS synapse.monitoring_table_sizes;
DROP VIEW IF EXISTS synapse.monitoring_cache_hit_ratio;
DROP VIEW IF EXISTS synapse.monitoring_connections;
