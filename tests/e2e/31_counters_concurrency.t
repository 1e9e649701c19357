#!/usr/bin/env bash
# Project counters stay exact under load: 8 pgbench clients for 20 s, each transaction one
# task (insert, move between projects and departments, complete, reopen, soft delete,
# undelete, hard delete, re-create; tests/e2e/data/counters_load.pgbench), half of them
# on the same project. Meanwhile (migration 16) a merger folds the pending deltas every
# 200 ms, and a reader, in REPEATABLE READ transactions, reads the counters as
# synapse.projects shows them, the base counters and a fresh COUNT(*) in separate
# statements of one snapshot: what the view shows equals the count in every snapshot
# (while the base alone does not: the check can fail). Afterwards every project's counters
# equal a fresh COUNT(*), and no transaction failed, no deadlock among them.
source "$(dirname "$0")/lib.sh"
DB=synapse_t31_counters
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
SECONDS_OF_LOAD=${COUNTERS_LOAD_SECONDS:-20}
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }
psql_db "$DB" -f "$ROOT/tests/e2e/data/counters_setup.sql" >/dev/null

q "CREATE TABLE public.counter_reads (shown_exact boolean NOT NULL, base_exact boolean NOT NULL)"
q "CREATE TABLE public.counter_merges (folded bigint NOT NULL)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# md5 of "project=tasks/completed,..." (no colon in it: pgbench substitutes :name, also in
# the literals of the INSERT, which is how the three readings get there).
fresh="SELECT md5(string_agg(p.id || '=' || c.n || '/' || c.d, ',' ORDER BY p.id)) AS counted
         FROM synapse.projects_base p, LATERAL (
           SELECT count(*) AS n, count(*) FILTER (WHERE t.status = 'Done') AS d FROM synapse.tasks t
            WHERE t.department_id = p.department_id AND t.project_id = p.id AND NOT t.is_recurring AND t.deleted_at IS NULL) c"
cat >"$work/reader.pgbench" <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT md5(string_agg(id || '=' || task_count || '/' || completed_task_count, ',' ORDER BY id)) AS shown FROM synapse.projects
\\gset
SELECT md5(string_agg(id || '=' || task_count || '/' || completed_task_count, ',' ORDER BY id)) AS base FROM synapse.projects_base
\\gset
$(tr '\n' ' ' <<<"$fresh")
\\gset
INSERT INTO public.counter_reads VALUES (':shown' = ':counted', ':base' = ':counted');
COMMIT;
SQL
cat >"$work/merger.pgbench" <<'SQL'
INSERT INTO public.counter_merges SELECT synapse.merge_project_count_deltas();
\sleep 200 ms
SQL

deadlocks() { q "SELECT deadlocks FROM pg_stat_database WHERE datname = '$DB'"; }
before=$(deadlocks)
"$PGBENCH" -n -c 1 -T "$SECONDS_OF_LOAD" -f "$work/reader.pgbench" "$DB" >"$work/reader.out" 2>&1 &
reader=$!
"$PGBENCH" -n -c 1 -T "$SECONDS_OF_LOAD" -f "$work/merger.pgbench" "$DB" >"$work/merger.out" 2>&1 &
merger=$!
out=$("$PGBENCH" -n -c 8 -j 2 -T "$SECONDS_OF_LOAD" --failures-detailed -f "$ROOT/tests/e2e/data/counters_load.pgbench" "$DB" 2>&1) \
  && ok "8 clients for ${SECONDS_OF_LOAD} s: pgbench finished without an aborted client" \
  || not_ok "8 clients for ${SECONDS_OF_LOAD} s: pgbench finished without an aborted client" "$(grep -m3 -i "error\|abort" <<<"$out")"
wait $reader && ok "the reader finished without an aborted client" || not_ok "the reader finished without an aborted client" "$(grep -m3 -i "error\|abort" "$work/reader.out")"
wait $merger && ok "the merger finished without an aborted client" || not_ok "the merger finished without an aborted client" "$(grep -m3 -i "error\|abort" "$work/merger.out")"
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
read -r reads inexact base_inexact <<<"$(q "SELECT count(*), count(*) FILTER (WHERE NOT shown_exact), count(*) FILTER (WHERE NOT base_exact) FROM public.counter_reads" | tr '|' ' ')"
echo "# $reads snapshots read, $base_inexact of them with deltas pending; $(q "SELECT count(*) || ' merges folded ' || sum(folded) FROM public.counter_merges") deltas"
is "$([ "${reads:-0}" -ge 20 ] && echo yes)" yes "the reader read at least 20 snapshots during the load"
is "$inexact" 0 "in every snapshot the reader saw, synapse.projects' counters equal a fresh COUNT(*)"
is "$([ "${base_inexact:-0}" -gt 0 ] && echo yes)" yes "while the base counters alone often did not (deltas pending: the check can fail)"
is "$(q "SELECT sum(folded) > 0 FROM public.counter_merges")" t "the merger folded deltas during the load"
is "$(q "SELECT synapse.merge_project_count_deltas() >= 0")" t "a last merge"
is "$(q "SELECT count(*) FROM synapse.project_count_deltas")" 0 "leaves no delta pending"
is "$(q "SELECT md5(string_agg(id || '=' || task_count || '/' || completed_task_count, ',' ORDER BY id)) FROM synapse.projects_base") $(q "$fresh")" \
   "$(q "$fresh") $(q "$fresh")" "and the base counters are the fresh counts"
is "$(q "SELECT synapse.recount_project_tasks()")" 0 "recount_project_tasks has nothing to correct"
is "$(q "SELECT count(DISTINCT department_id) FROM synapse.tasks WHERE id IN (SELECT md5('cc-t-' || k)::uuid FROM generate_series(1, 200) k)")" 2 \
   "pool tasks ended up in both departments"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
