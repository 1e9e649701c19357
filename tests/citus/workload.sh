# The application's work on the distributed schema, compared with the single-node baseline
# (synapse_single). Sourced by tests/citus/check.sh after generation.sh; uses its helpers
# (sql, is, ok, not_ok, try, sqlstate, diag), $COORD, $here, $root and the login role
# citus_check_app.
PGBENCH=${PGBENCH:-$PG_BIN/pgbench}
WORKERS=(5442 5443)

# as_in DB KEY SQL...: one transaction of citus_check_app acting as seed user KEY in DB;
# prints the results of the SQL statements, one line each.
as_in() {
  local db=$1 key=$2 s args=(); shift 2
  for s in "$@"; do args+=(-c "$s"); done
  psql -X -q -v ON_ERROR_STOP=1 -At -U citus_check_app -p $COORD -d "$db" -c "BEGIN" \
       -c "SELECT synapse.set_current_user(md5('dev:user:$key')::uuid)" "${args[@]}" -c "COMMIT" 2>&1 | sed '/^$/d' || true
}

# --- search_tasks and my_tasks with row-level security, as on one node ----------------------------
# The search helper _search_task_matches_for_user is SECURITY DEFINER, owned by
# synapse_migrate: Citus opens its shard connections as that role, which therefore needs
# LOGIN on the workers (distribute.sql; finding 10 in docs/citus.md).
is "$(sql 5442 -c "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'synapse_migrate'")" t \
   "synapse_migrate, owner of the SECURITY DEFINER search helper, may log in on the workers"
queries=(budget pagination '"quarterly report"' 'report OR budget' 'review -budget' 'quartely reprot' paginaton
         launch campaign kumquat '' 'the of' '"' 'x -')
search_sql=()
for q in "${queries[@]}"; do
  search_sql+=("SELECT '$q=' || coalesce(string_agg(task_id || ':' || round(rank::numeric, 5) || ':' || matched_by || ':' || md5(snippet), ',' ORDER BY rank DESC, task_id), '')
                  FROM synapse.search_tasks(\$q\$$q\$q\$)")
done
for user in sofia raghu priya chen; do
  got=$(as_in synapse "$user" "${search_sql[@]}")
  want=$(as_in synapse_single "$user" "${search_sql[@]}")
  hits=$(grep -o 'fulltext\|trigram' <<<"$want" | wc -l || true)
  if [ "$got" = "$want" ] && [ "$hits" -gt 0 ]; then
    ok "search_tasks as $user: the same tasks, ranks, snippets and match kinds as single node (${#queries[@]} queries, $hits hits)"
  else
    not_ok "search_tasks as $user: the same results as single node" "$(diff <(echo "$want") <(echo "$got") | head -8)" "hits: $hits"
  fi
done
# Instances have random ids, different in each database: compared are the order of due
# dates and priorities, the set of tasks, and that the second keyset page continues the first.
mine="SELECT coalesce(string_agg(coalesce(due_date::text, '-') || '/' || priority, ',' ORDER BY n), '') || ' ' || count(*)
        FROM synapse.my_tasks(page_size => 500) WITH ORDINALITY m(department_id, id, task_id, title, status, priority, due_date, project_id, n)"
mine_set="SELECT coalesce(string_agg(task_id, ',' ORDER BY task_id), '') FROM synapse.my_tasks(page_size => 500)"
pages="SELECT (SELECT array_agg(id) FROM (SELECT m.id FROM synapse.my_tasks(page_size => 4) m OFFSET 2) a)
            = (SELECT array_agg(m.id) FROM (SELECT * FROM synapse.my_tasks(page_size => 2) OFFSET 1) l,
                      LATERAL synapse.my_tasks(l.due_date, l.priority, l.id, 2) m)"
for user in sofia raghu chen; do
  got=$(as_in synapse "$user" "$mine" "$mine_set" "$pages")
  want=$(as_in synapse_single "$user" "$mine" "$mine_set" "$pages")
  if [ "$got" = "$want" ] && [ "$(tail -1 <<<"$got")" = t ] && [ "$(head -1 <<<"$want" | awk '{print $NF}')" -gt 2 ]; then
    ok "my_tasks as $user: the same $(head -1 <<<"$want" | awk '{print $NF}') tasks in the same due/priority order as single node; page 2 continues page 1"
  else not_ok "my_tasks as $user: the same as single node" "got:      $(cut -c1-300 <<<"$got")" "expected: $(cut -c1-300 <<<"$want")"; fi
done
# A one-department reader's my_tasks and search_tasks are router queries only (migration
# 13; the matching step after distribute.sql, finding 20): Citus counts its single- and
# multi-shard executions per database in citus_stat_counters (13.1+), here switched on for
# the application's login. EXPLAIN cannot see inside the functions.
sql $COORD -c "ALTER ROLE citus_check_app SET citus.enable_stat_counters = on" >/dev/null
executions() { sql $COORD -c "SELECT query_execution_single_shard || ' ' || query_execution_multi_shard FROM citus_stat_counters WHERE name = 'synapse'"; }
for call in "synapse.my_tasks()" "synapse.search_tasks('budget review')" "synapse.search_tasks('quartely reprot')"; do
  read -r single0 multi0 <<<"$(executions)"
  as_in synapse sofia "SELECT count(*) FROM $call" >/dev/null
  read -r single1 multi1 <<<"$(executions)"
  if [ $((multi1 - multi0)) = 0 ] && [ $((single1 - single0)) -gt 0 ]; then
    ok "$call as a Member: router queries only ($((single1 - single0)) single-shard executions, no multi-shard one)"
  else not_ok "$call as a Member: router queries only" "single-shard executions: $((single1 - single0)), multi-shard: $((multi1 - multi0))"; fi
done
plan=$(sql $COORD -c "EXPLAIN (COSTS OFF) SELECT id, task_id FROM synapse.tasks
                       WHERE department_id = $eng AND search_vector @@ websearch_to_tsquery('english', 'budget') AND deleted_at IS NULL")
grep -q "Task Count: 1$" <<<"$plan" && ok "a full-text search within one department is routed to one shard" ||
  not_ok "a full-text search within one department is routed to one shard" "$plan"
plan=$(sql $COORD -c "EXPLAIN (COSTS OFF) SELECT t.task_id, t.due_date FROM synapse.task_assignees a
                        JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
                       WHERE a.department_id = $eng AND a.user_id = md5('dev:user:sofia')::uuid AND t.status <> 'Done'
                       ORDER BY t.due_date, t.priority, t.id LIMIT 50")
grep -q "Task Count: 1$" <<<"$plan" && ok "the \"my tasks\" join within one department is routed to one shard" ||
  not_ok "the \"my tasks\" join within one department is routed to one shard" "$plan"

# --- the counter trigger under 8 concurrent writers, half on one project --------------------------
COUNTERS_SECONDS=${CITUS_COUNTERS_SECONDS:-10}
for db in synapse synapse_single; do
  DB=$db sql $COORD -f "$root/tests/e2e/data/counters_data.sql" >/dev/null
done
deadlocks() {  # deadlocks DB: the deadlocks counted on the coordinator and (for synapse) the workers
  local p n=0
  for p in $COORD $([ "$1" = synapse ] && echo "${WORKERS[@]}"); do
    n=$((n + $(sql "$p" -d postgres -c "SELECT deadlocks FROM pg_stat_database WHERE datname = '$1'")))
  done
  echo $n
}
counters_exact="SELECT count(*) FILTER (WHERE (p.task_count, p.completed_task_count) = (c.n, c.d)) || '/' || count(*)
                  FROM synapse.projects p, LATERAL (
                    SELECT count(*) AS n, count(*) FILTER (WHERE t.status = 'Done') AS d FROM synapse.tasks t
                     WHERE t.department_id = p.department_id AND t.project_id = p.id AND NOT t.is_recurring AND t.deleted_at IS NULL) c"
declare -A tps
for db in synapse synapse_single; do
  before=$(deadlocks $db)
  out=$("$PGBENCH" -h 127.0.0.1 -p $COORD -n -c 8 -j 2 -T "$COUNTERS_SECONDS" --failures-detailed -f "$here/data/counters_load.pgbench" "$db" 2>&1) \
    && ok "$db: 8 pgbench clients for $COUNTERS_SECONDS s (4 on one hot project) finish without an aborted client" \
    || not_ok "$db: 8 pgbench clients for $COUNTERS_SECONDS s finish without an aborted client" "$(grep -m3 -i "error\|abort" <<<"$out")"
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  tps[$db]=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
  is "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out") $(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' <<<"$out") $([ "${processed:-0}" -gt 1000 ] && echo busy)" \
     "0 0 busy" "$db: more than 1,000 transactions ($processed), none failed, no deadlock failure"
  sleep 1  # the statistics collector reports with a short delay
  is "$(( $(deadlocks $db) - before ))" 0 "$db: no server counted a deadlock"
  n=$(DB=$db sql $COORD -c "SELECT count(*) FROM synapse.projects")
  is "$(DB=$db sql $COORD -c "$counters_exact")" "$n/$n" "$db: every project's counters equal a fresh COUNT(*)"
done
diag "counter load, 8 clients: Citus ${tps[synapse]} tps, single node ${tps[synapse_single]} tps (same server)"
is "$(sql $COORD -c "SELECT task_count > 100 FROM synapse.projects WHERE department_id = md5('cc-d-0')::uuid AND id = md5('cc-p-0')::uuid")" t \
   "the hot project got busy on Citus"
is "$(sql $COORD -c "SELECT synapse.recount_project_tasks()")" 0 "recount_project_tasks runs on Citus (per department) and has nothing to correct"
# Drift, written into the table (Citus writes through no view; migration 16).
sql $COORD -c "UPDATE synapse.projects_base SET task_count = task_count + 1 WHERE department_id = md5('cc-d-1')::uuid" >/dev/null
is "$(sql $COORD -c "SELECT synapse.recount_project_tasks()") $(sql $COORD -c "$counters_exact")" "5 $(sql $COORD -c "SELECT count(*) || '/' || count(*) FROM synapse.projects")" \
   "recount_project_tasks repairs the drift of a department's 5 projects on Citus"
# Migration 16: the view's counters (Citus's form of it, distribute.sql) are a router query
# for one project and for one department, the merge folds
# every pending delta on Citus (one router query per department), and nothing changes for
# a reader.
plan=$(sql $COORD -c "EXPLAIN (COSTS OFF) SELECT task_count, completed_task_count FROM synapse.projects
                       WHERE department_id = md5('cc-d-0')::uuid AND id = md5('cc-p-0')::uuid")
grep -q "Task Count: 1$" <<<"$plan" && ok "one project's counters through the view synapse.projects: a router query (Task Count: 1)" ||
  not_ok "one project's counters through the view synapse.projects: a router query (Task Count: 1)" "$plan"
plan=$(sql $COORD -c "EXPLAIN (COSTS OFF) SELECT name, task_count FROM synapse.projects WHERE department_id = md5('cc-d-0')::uuid")
grep -q "Task Count: 1$" <<<"$plan" && ok "a department's projects with their counters through the view: a router query (Task Count: 1)" ||
  not_ok "a department's projects with their counters through the view: a router query (Task Count: 1)" "$plan"
before_merge=$(sql $COORD -c "SELECT string_agg(task_count || '/' || completed_task_count, ' ' ORDER BY id) FROM synapse.projects")
is "$(sql $COORD -c "SELECT synapse.merge_project_count_deltas() > 0") $(sql $COORD -c "SELECT count(*) FROM synapse.project_count_deltas")" "t 0" \
   "merge_project_count_deltas folds every pending delta on Citus"
is "$(sql $COORD -c "SELECT string_agg(task_count || '/' || completed_task_count, ' ' ORDER BY id) FROM synapse.projects") $(sql $COORD -c "$counters_exact")" \
   "$before_merge $n/$n" "what synapse.projects shows is unchanged by the merge, and exact"
sqlstate $COORD -c "UPDATE synapse.projects SET name = 'x' WHERE department_id = md5('cc-d-1')::uuid"
is "$st" 55000 "Citus modifies no view: projects are written to synapse.projects_base (55000 through the view)"
sqlstate $COORD -c "UPDATE synapse.tasks SET department_id = md5('cc-d-1')::uuid WHERE department_id = md5('cc-d-0')::uuid AND id = md5('cc-t-2')::uuid"
is "$st" 0A000 "moving a task to another department (its distribution column) is refused on Citus (0A000; delete and re-create instead)"

# --- generation with a worker's backend killed mid-run ----------------------------------------------
# daily_templates KEY LABEL TITLE START: 1,200 daily templates spread over the seed's four
# departments (ids md5('citus:KEY:' || i), task ids LABEL-i), the first at START and the
# rest a minute apart over ten hours, in the Citus database and the single-node one.
daily_templates() {
  local fixture="INSERT INTO synapse.tasks (department_id, id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
SELECT d.id, md5('citus:$1:' || i)::uuid, '$2-' || i, '$3 ' || i, md5('dev:user:priya')::uuid, true,
       '{\"frequency\": \"daily\"}', timestamptz '$4' + (i % 600) * interval '1 minute'
  FROM generate_series(1, 1200) AS i
  JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM synapse.departments WHERE name IN ('Engineering', 'Marketing', 'Sales', 'Operations')) AS d
    ON d.k = i % 4" db
  for db in synapse synapse_single; do DB=$db sql $COORD -c "$fixture" >/dev/null; done
}
daily_templates kill KILL 'Kill template' '2026-06-01 06:00+00'
AS_OF_K='2026-06-12 12:00+00'
coord_node=$(sql $COORD -c "SELECT nodeid FROM pg_dist_node WHERE groupid = 0")
last_run=$(sql $COORD -c "SELECT coalesce(max(id), 0) FROM synapse.generation_runs")
psql -X -q -p $COORD -d synapse -c "CALL synapse.run_recurring_generation(10, '$AS_OF_K')" >/dev/null 2>&1 & gen=$!
victim=""
for i in $(seq 1 300); do
  gpid=$(sql $COORD -c "SELECT $coord_node::bigint * 10000000000 + backend_pid FROM synapse.generation_runs
                         WHERE id > $last_run AND finished_at IS NULL AND batches >= 5" 2>/dev/null || true)
  if [ -n "$gpid" ]; then
    for p in "${WORKERS[@]}"; do
      pid=$(sql "$p" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'citus_internal gpid=$gpid' LIMIT 1")
      [ -z "$pid" ] || { victim="$p:$pid"; break; }
    done
    [ -z "$victim" ] || break
  fi
  sleep 0.05
done
if [ -n "$victim" ]; then
  kill -9 "${victim#*:}"
  wait $gen && not_ok "the generator reports an error when a worker's backend is killed" || ok "the generator reports an error when a worker's backend is killed (worker ${victim%:*}, SIGKILL)"
  for i in $(seq 1 120); do sql "${victim%:*}" -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
  is "$(sql $COORD -c "SELECT status || ' ' || (batches >= 5) FROM synapse.generation_recent_runs WHERE id > $last_run ORDER BY id LIMIT 1")" \
     "interrupted true" "the run shows interrupted, its committed batches kept"
  partial=$(sql $COORD -c "SELECT count(*) FROM synapse.tasks WHERE task_id LIKE 'KILL-%' OR recurrence_parent_id IN (SELECT id FROM synapse.tasks WHERE task_id LIKE 'KILL-%')")
  diag "instances of the kill templates before the next run: $((partial - 1200))"
else
  not_ok "the generator ran long enough for a worker's backend to be killed"; wait $gen || true
fi
# A batch whose commit the kill cut between PREPARE and COMMIT PREPARED stays in doubt on the
# worker, its templates locked, until Citus recovers it (the maintenance daemon does so every
# citus.recover_2pc_interval); the next run skips locked templates. Recover first, as the
# daemon would, then run: whatever the recovery decided, nothing is lost and nothing doubled.
for i in $(seq 1 60); do   # a worker restarting refuses connections for a moment
  in_doubt=$(sql $COORD -c "SELECT recover_prepared_transactions()" 2>/dev/null) &&
    sql $COORD -c "CALL synapse.run_recurring_generation(100, '$AS_OF_K')" >/dev/null 2>&1 && break; sleep 0.5
done
diag "distributed transactions the kill left in doubt, recovered before the next run: ${in_doubt:-?}"
DB=synapse_single sql $COORD -c "CALL synapse.run_recurring_generation(100, '$AS_OF_K')" >/dev/null
is "$(sql $COORD -c "$instances")" "$(DB=synapse_single sql $COORD -c "$instances")" \
   "after the kill and a new run the instances equal the single-node run (none lost, none twice)"
sql $COORD -c "SELECT recover_prepared_transactions()" >/dev/null
is "$(sql $COORD -c "SELECT count(*) FROM pg_dist_transaction") $(for p in "${WORKERS[@]}"; do sql "$p" -c "SELECT count(*) FROM pg_prepared_xacts"; done | paste -sd' ')" \
   "0 0 0" "no distributed transaction is left in doubt (pg_dist_transaction, pg_prepared_xacts on both workers)"
