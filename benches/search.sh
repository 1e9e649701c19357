#!/usr/bin/env bash
# Task search and "my tasks" at volume (issue 11): p50/p95/p99 of synapse.search_tasks over
# the 200 queries of benches/data/search_queries.txt (words, phrases, OR, -word, typos that
# take the trigram fallback, misses) and of the first and a later page of synapse.my_tasks
# for 200 users, each as a synapse_app LOGIN role with synapse.set_current_user (row-level
# security on), timed inside the server (clock_timestamp around each call); baselines in the
# same run: the unranked full-text match (LIMIT 50) and the hand-written "my tasks" SELECT.
# Then the plans of both (auto_explain inside the functions). Targets at 1,000,000 tasks:
# my_tasks p95 <= 3 ms, search p95 <= 10 ms.
# Needs the data of `make bench-data` (database synapse_search on port $1, default 25350, of
# the scratch cluster BENCH_CLUSTER, default search-bench); without it (as under
# benches/run.sh) it says so and stops. The superuser connects over that cluster's socket
# (BENCH_HOST overrides it: benches/citus.sh, whose nodes let the superuser in over TLS).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${1:-25350}
DB=${BENCH_DB:-synapse_search}   # benches/citus.sh runs it on a Citus coordinator too
ROLE=bench_search_api
cluster=${BENCH_CLUSTER:-search-bench}
eval "$("$root/scripts/cluster.sh" env "$cluster" "$port")"
export PGHOST=${BENCH_HOST:-$PGHOST}
if ! psql -X -At -d "$DB" -c "SELECT 1 FROM synapse.tasks LIMIT 1" >/dev/null 2>&1; then
  echo "search: no data on port $port (make bench-data first); skipped"
  exit 0
fi
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" "$@"; }
psql_db -c "DROP ROLE IF EXISTS $ROLE"
# --server: on Citus the coordinator passes the role's queries on to the workers as it.
"$root/scripts/cluster.sh" login "$cluster" "$ROLE" --server synapse_app
psql_db -c "DROP TABLE IF EXISTS public.bench_queries, public.bench_timings" \
        -c "CREATE TABLE public.bench_queries (n serial, q text)" \
        -c "CREATE TABLE public.bench_timings (what text, n int, ms float8)" \
        -c "GRANT SELECT ON public.bench_queries TO $ROLE" -c "GRANT INSERT ON public.bench_timings TO $ROLE"
psql_db -c "\\copy public.bench_queries (q) FROM '$root/benches/data/search_queries.txt'"
echo "search: $(psql_db -c "SELECT count(*) FROM synapse.tasks") tasks, $(psql_db -c "SELECT count(*) FROM public.bench_queries") queries"

# The searching user: a Member of one department; my_tasks: 200 Members of all departments.
USER_ID=$(psql_db -c "SELECT md5('bench:user:23')::uuid")
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -U "$ROLE" <<SQL
-- Keeps a call's time from t0 on, in the second (warm) round only.
CREATE FUNCTION pg_temp.keep_time(what text, n int, t0 timestamptz, round int) RETURNS void
LANGUAGE sql AS \$\$
  INSERT INTO public.bench_timings SELECT what, n, extract(epoch FROM clock_timestamp() - t0) * 1000 WHERE round = 2
\$\$;
BEGIN;
SELECT synapse.set_current_user('$USER_ID') \g /dev/null
DO \$\$
DECLARE r record; t0 timestamptz; round int;
BEGIN
  FOR round IN 1..2 LOOP   -- the first round warms the cache and the plans
    FOR r IN SELECT n, q FROM public.bench_queries ORDER BY n LOOP
      t0 := clock_timestamp();
      PERFORM count(*) FROM synapse.search_tasks(r.q);
      PERFORM pg_temp.keep_time('search_tasks', r.n, t0, round);
      t0 := clock_timestamp();
      PERFORM count(*) FROM (SELECT 1 FROM synapse.tasks t
                              WHERE t.search_vector @@ websearch_to_tsquery('english', r.q) AND t.deleted_at IS NULL
                              LIMIT 50) s;
      PERFORM pg_temp.keep_time('baseline: unranked match', r.n, t0, round);
    END LOOP;
  END LOOP;
END
\$\$;
COMMIT;
BEGIN;
DO \$\$
DECLARE u int; t0 timestamptz; round int; last record; me uuid;
BEGIN
  FOR round IN 1..2 LOOP
    FOR u IN 20..219 LOOP
      me := md5('bench:user:' || u)::uuid;
      PERFORM synapse.set_current_user(me);
      t0 := clock_timestamp();
      SELECT * INTO last FROM synapse.my_tasks() OFFSET 49;
      PERFORM pg_temp.keep_time('my_tasks first page', u, t0, round);
      t0 := clock_timestamp();
      PERFORM count(*) FROM synapse.my_tasks(last.due_date, last.priority, last.id);
      PERFORM pg_temp.keep_time('my_tasks next page', u, t0, round);
      t0 := clock_timestamp();
      PERFORM count(*) FROM (SELECT t.id FROM synapse.task_assignees a
                               JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
                              WHERE a.user_id = me AND t.status IN ('To Do', 'In Progress', 'Blocked')
                                AND t.deleted_at IS NULL AND NOT t.is_recurring
                              ORDER BY t.due_date NULLS LAST, t.priority DESC, t.id LIMIT 50) s;
      PERFORM pg_temp.keep_time('baseline: hand-written my tasks', u, t0, round);
    END LOOP;
  END LOOP;
END
\$\$;
COMMIT;
SQL

psql -X -q -d "$DB" <<'SQL'
\pset footer off
SELECT what, count(*) AS calls,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p95_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p99_ms,
       round(max(ms)::numeric, 2) AS max_ms
  FROM public.bench_timings GROUP BY what ORDER BY what;
SELECT round((SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FROM public.bench_timings WHERE what = 'search_tasks')::numeric
           / (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FROM public.bench_timings WHERE what = 'baseline: unranked match')::numeric, 2)
         AS "search p95 / baseline p95",
       round((SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FROM public.bench_timings WHERE what = 'my_tasks first page')::numeric
           / (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FROM public.bench_timings WHERE what LIKE 'baseline: hand%')::numeric, 2)
         AS "my_tasks p95 / baseline p95";
SELECT b.q AS slowest_search_queries, round(t.ms::numeric, 2) AS ms
  FROM public.bench_timings t JOIN public.bench_queries b USING (n)
 WHERE t.what = 'search_tasks' ORDER BY t.ms DESC LIMIT 5;
SQL

# The plans inside the functions, as they run for the member (auto_explain of their
# nested statements, ANALYZE and BUFFERS): the statements that read tasks or
# task_assignees, for a full-text search, a typo and the first page of "my tasks"
# (migration 10's indexes: tasks_search_keys_idx, task_assignees_my_open_idx). Also
# written to $EXPLAIN_OUT when set.
explain_out=${EXPLAIN_OUT:-/dev/null}
psql -X -q -d "$DB" 2>&1 >/dev/null <<SQL | awk '
    function flush() { if (keep) printf "%s", block; block = ""; keep = 0 }
    /^(LOG|WARNING):  duration/ { flush(); block = $0 "\n"; next }
    /^== / { flush(); print; next }
    /^(LOG|NOTICE|WARNING):/ { next }
    { block = block $0 "\n"; if ($0 ~ / on (tasks|task_assignees) /) keep = 1 }
    END { flush() }' | tee "$explain_out"
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_nested_statements = on;
-- WARNING: search_tasks runs with client_min_messages = warning (stop-word notices).
SET auto_explain.log_level = warning;
BEGIN;
SELECT synapse.set_current_user('$USER_ID');
SET LOCAL ROLE $ROLE;
\warn '== EXPLAIN: search_tasks(''quarterly report'') as the member'
SELECT count(*) FROM synapse.search_tasks('quarterly report');
\warn '== EXPLAIN: search_tasks(''quartely reprot'') (the typo fallback) as the member'
SELECT count(*) FROM synapse.search_tasks('quartely reprot');
\warn '== EXPLAIN: my_tasks() first page as the member'
SELECT count(*) FROM synapse.my_tasks();
COMMIT;
SQL
psql_db -c "DROP TABLE public.bench_queries, public.bench_timings" -c "DROP OWNED BY $ROLE" -c "DROP ROLE $ROLE"
