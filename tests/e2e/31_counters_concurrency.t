#!/usr/bin/env bash
# Project counters stay exact under load: 8 pgbench clients for 20 s, each transaction one
# task (insert, move between projects and departments, complete, reopen, soft delete,
# undelete, hard delete, re-create; tests/e2e/data/counters_load.pgbench), half of them
# on the same project. Afterwards every project's counters equal a fresh COUNT(*), and
# no transaction failed, no deadlock among them.
source "$(dirname "$0")/lib.sh"
DB=synapse_t31_counters
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
SECONDS_OF_LOAD=${COUNTERS_LOAD_SECONDS:-20}
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }
psql_db "$DB" -f "$ROOT/tests/e2e/data/counters_setup.sql" >/dev/null

deadlocks() { q "SELECT deadlocks FROM pg_stat_database WHERE datname = '$DB'"; }
before=$(deadlocks)
out=$("$PGBENCH" -n -c 8 -j 2 -T "$SECONDS_OF_LOAD" --failures-detailed -f "$ROOT/tests/e2e/data/counters_load.pgbench" "$DB" 2>&1) \
  && ok "8 clients for ${SECONDS_OF_LOAD} s: pgbench finished without an aborted client" \
  || not_ok "8 clients for ${SECONDS_OF_LOAD} s: pgbench finished without an aborted client" "$(grep -m3 -i "error\|abort" <<<"$out")"
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
echo "# $processed transactions, $(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out") per second"
is "$([ "${processed:-0}" -gt 1000 ] && echo yes)" yes "more than 1,000 transactions ran"
is "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")" 0 "no transaction failed"
is "$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' <<<"$out")" 0 "no deadlock failures"
# The statistics collector reports with a short delay.
sleep 1
is "$(( $(deadlocks) - before ))" 0 "the server counted no deadlock"

is "$(q "SELECT count(*) FROM synapse.projects p, LATERAL (
           SELECT count(*) AS n, count(*) FILTER (WHERE t.status = 'Done') AS d FROM synapse.tasks t
            WHERE t.department_id = p.department_id AND t.project_id = p.id
              AND NOT t.is_recurring AND t.deleted_at IS NULL) c
          WHERE (p.task_count, p.completed_task_count) = (c.n, c.d)")" 10 \
   "every project's counters equal a fresh COUNT(*)"
is "$(q "SELECT task_count > 100 FROM synapse.projects WHERE id = md5('cc-p-0')::uuid")" t "the hot project got busy"
is "$(q "SELECT synapse.recount_project_tasks()")" 0 "recount_project_tasks has nothing to correct"
is "$(q "SELECT count(DISTINCT department_id) FROM synapse.tasks WHERE id IN (SELECT md5('cc-t-' || k)::uuid FROM generate_series(1, 200) k)")" 2 \
   "pool tasks ended up in both departments"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
