-- What tests/e2e/31_counters_concurrency.t and benches/counters.sh load before running
-- counters_load.pgbench: the counter data, and a unique index on task ids so the script can
-- find (and re-create) a pool task by id alone. (On Citus every unique key carries
-- department_id: its load script addresses a task by (department_id, id) instead.)
\ir counters_data.sql
CREATE UNIQUE INDEX tasks_id_unique_for_load ON synapse.tasks (id);
