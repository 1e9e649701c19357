# The generation run log on Citus (sourced last by tests/citus/check.sh): it is a plain
# partitioned table of the coordinator, not distributed (generation runs there), so
# pg_partman manages it exactly as on one node: sql/partman/generation_runs.sql, a
# generation run in this month's partition, run_maintenance_proc dropping old months.
is "$(sql $COORD -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE '%generation_runs%'") $(sql $COORD -c "SELECT relkind FROM pg_class WHERE oid = 'synapse.generation_runs'::regclass")" \
   "0 p" "the run log stays a local partitioned table of the coordinator"
runs=$(sql $COORD -c "SELECT count(*) FROM synapse.generation_runs")
sql $COORD -c "INSERT INTO synapse.generation_runs (started_at, finished_at, as_of, batch_size, started_by)
               SELECT m, m, m, 100, 'procedure'
                 FROM (SELECT date_trunc('month', now()) - k * interval '1 month' + interval '14 days' AS m FROM generate_series(7, 9) k) s" >/dev/null
try "sql/partman/generation_runs.sql hands the run log to pg_partman on the coordinator" $COORD \
  -v retention='6 months' -f "$root/sql/partman/generation_runs.sql"
is "$(sql $COORD -c "SELECT count(*) FROM synapse.generation_runs") $(sql $COORD -c "SELECT count(*) FROM ONLY synapse.generation_runs_default")" \
   "$((runs + 3)) 0" "all $((runs + 3)) runs moved into monthly partitions"
# as_of in the past: nothing is due any more, but the run is logged now.
sql $COORD -c "CALL synapse.run_recurring_generation(100, '$GROWTH_END')" >/dev/null
is "$(sql $COORD -c "SELECT tableoid::regclass FROM synapse.generation_runs ORDER BY id DESC LIMIT 1")" \
   "$(sql $COORD -c "SELECT 'generation_runs_p' || to_char(now(), 'YYYY_MM')")" "a generation run on Citus lands in this month's partition"
try "partman.run_maintenance_proc() runs on the coordinator" $COORD -c "CALL partman.run_maintenance_proc()"
is "$(sql $COORD -c "SELECT count(*) FROM synapse.generation_runs WHERE started_at < date_trunc('month', now() - interval '6 months')") $(sql $COORD -c "SELECT count(*) FROM synapse.generation_runs")" \
   "0 $((runs + 1))" "the three runs older than the retention period went with their partitions; the others stay"
is "$(sql $COORD -c "SELECT status FROM synapse.generation_recent_runs LIMIT 1")" finished "generation_recent_runs reads the partitioned log on Citus"
