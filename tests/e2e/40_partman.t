#!/usr/bin/env bash
# The generation run log partitioned (migration 12): without pg_partman every run lands in
# the default partition and the views of migration 7 work as before; handed to pg_partman
# 4.7 (sql/partman/generation_runs.sql) it gets monthly partitions, keeps its rows and
# identity, and run_maintenance_proc drops the months past the retention period; the
# migration's down brings back the plain table with its rows. Its runs and partitions are
# placed from now(), and every expectation is computed from the same clock.
source "$(dirname "$0")/lib.sh"
DB=synapse_t40_partman
# What this test reasons about (the months past the retention, this month's partition) must
# not change under it: in the last minute of a month it waits for the next one.
left=$(psql_db postgres -c "SELECT ceil(extract(epoch FROM date_trunc('month', now()) + interval '1 month' - now()))")
if [ "$left" -le 60 ]; then echo "# $left s to the next month: waiting for it"; sleep "$((left + 1))"; fi
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }
parts() { q "SELECT count(*) FROM pg_inherits WHERE inhparent = 'synapse.generation_runs'::regclass"; }
# months: the monthly partitions' months, oldest first (YYYY_MM, pg_partman's suffix).
months() {
  q "SELECT string_agg(substring(c.relname FROM '_p(\d{4}_\d{2})$'), ',' ORDER BY c.relname)
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'synapse.generation_runs'::regclass AND c.relname <> 'generation_runs_default'"
}
# month_range FROM TO: the months FROM .. TO months from this one, as months() writes them.
month_range() {
  q "SELECT string_agg(to_char(m, 'YYYY_MM'), ',' ORDER BY m)
       FROM generate_series(date_trunc('month', now()) + $1 * interval '1 month',
                            date_trunc('month', now()) + $2 * interval '1 month', interval '1 month') m"
}
psql_db "$DB" -1 -f "$ROOT/sql/seed/dev_seed.sql" >/dev/null

is "$(q "SELECT relkind FROM pg_class WHERE oid = 'synapse.generation_runs'::regclass")/$(parts)" "p/1" \
   "the run log is a partitioned table with one (default) partition"
q "CALL synapse.run_recurring_generation(100, now())" >/dev/null
is "$(q "SELECT tableoid::regclass FROM synapse.generation_runs")" generation_runs_default \
   "without pg_partman a run lands in the default partition"
is "$(q "SELECT status FROM synapse.generation_recent_runs") $(q "SELECT last_run_status FROM synapse.generation_health")" "finished finished" \
   "generation_recent_runs and generation_health read the partitioned log"
# Twelve runs from past months, one in the middle of each (rows a year of pg_cron leaves).
q "INSERT INTO synapse.generation_runs (started_at, finished_at, as_of, batch_size, started_by)
   SELECT m, m + interval '1 second', m, 100, 'procedure'
     FROM (SELECT date_trunc('month', now()) - k * interval '1 month' + interval '14 days' AS m FROM generate_series(1, 12) k) s" >/dev/null
is "$(q "SELECT count(*) || ' ' || count(DISTINCT id) FROM synapse.generation_runs")" "13 13" "13 runs, each with its own id"

out=$(psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" -v retention='6 months' -f "$ROOT/sql/partman/generation_runs.sql" 2>&1) \
  && ok "sql/partman/generation_runs.sql hands the run log to pg_partman" || not_ok "sql/partman/generation_runs.sql hands the run log to pg_partman" "$out"
is "$(parts)" 17 "pg_partman made 16 monthly partitions (12 months back, this one, 3 ahead) and its default"
is "$(months)" "$(month_range -12 3)" "... for the months from 12 back to 3 ahead"
is "$(q "SELECT count(*) FROM synapse.generation_runs") $(q "SELECT count(*) FROM ONLY synapse.generation_runs_default")" "13 0" \
   "every row moved into its month's partition, none left in the default"
psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" -v retention='6 months' -f "$ROOT/sql/partman/generation_runs.sql" >/dev/null 2>&1 \
  && is "$(parts)" 17 "running the script again changes nothing" || not_ok "running the script again changes nothing"
is "$(q "SELECT retention || ' ' || retention_keep_table FROM partman.part_config WHERE parent_table = 'synapse.generation_runs'")" "6 months false" \
   "retention 6 months, old partitions dropped (not kept detached)"

q "CALL partman.run_maintenance_proc()" >/dev/null
# A month's partition goes once all of it is older than the retention period.
is "$(q "SELECT count(*) FROM synapse.generation_runs WHERE started_at < date_trunc('month', now() - interval '6 months')")/$(q "SELECT count(*) FROM synapse.generation_runs")" "0/7" \
   "run_maintenance_proc dropped the 6 months entirely past the retention period with their runs; 7 runs remain"
# pg_partman keeps premake (3) months ahead, counting them in 30-day units from now,
# rounded: from about the middle of a month it makes a 4th.
ahead=$(q "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'synapse.generation_runs'::regclass
              AND c.relname > 'generation_runs_p' || to_char(now(), 'YYYY_MM') AND c.relname <> 'generation_runs_default'")
is "$(months)" "$(month_range -6 "$ahead")" \
   "the monthly partitions left: the 6 months within the retention, this month and the $ahead made ahead, none missing"
[ "$ahead" -ge 3 ] && [ "$ahead" -le 4 ] && ok "3 or 4 months ahead: $ahead" || not_ok "3 or 4 months ahead" "got: $ahead"
is "$(parts)" "$((7 + ahead + 1))" "$((7 + ahead)) monthly partitions and the default"
q "CALL synapse.run_recurring_generation(100, now())" >/dev/null
is "$(q "SELECT tableoid::regclass FROM synapse.generation_runs ORDER BY id DESC LIMIT 1")" \
   "$(q "SELECT 'generation_runs_p' || to_char(now(), 'YYYY_MM')")" "a new run lands in this month's partition"
is "$(q "SELECT max(id) = (SELECT count(*) FROM synapse.generation_runs) + 6 FROM synapse.generation_runs")" t \
   "the run ids continue from the identity (no reuse after dropped partitions)"
is "$(q "SELECT string_agg(status, ',') FROM (SELECT status FROM synapse.generation_recent_runs LIMIT 2) s")" "finished,finished" \
   "the views still read the log"

"$ROOT/scripts/migrate.sh" --db "$DB" goto 11 >/dev/null 2>&1
is "$(q "SELECT relkind FROM pg_class WHERE oid = 'synapse.generation_runs'::regclass") $(q "SELECT count(*) FROM synapse.generation_runs") $(q "SELECT count(*) FROM partman.part_config")" \
   "r 8 0" "migration 12's down: a plain table again with all 8 runs, released from pg_partman"
q "CALL synapse.run_recurring_generation(100, now())" >/dev/null
is "$(q "SELECT count(*) FROM synapse.generation_runs")" 9 "generation logs into the plain table"
"$ROOT/scripts/migrate.sh" --db "$DB" up >/dev/null 2>&1
is "$(q "SELECT relkind FROM pg_class WHERE oid = 'synapse.generation_runs'::regclass") $(q "SELECT count(*) FROM synapse.generation_runs_default")" "p 9" \
   "up again: partitioned, the 9 runs in the default partition"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
