# Growth under load (sourced by tests/citus/check.sh after workload.sh): a third worker
# joins and the shards are rebalanced onto it, then Engineering is isolated to a shard of
# its own, each while counter writers, insert-only ledger writers and a generator run.
# Afterwards nothing is lost or duplicated: the rows no writer touches have the same count
# and checksum per table as before, the ledger holds exactly what pgbench committed, the
# generated instances equal the single-node run, counters are exact, RLS still holds.
NEW_WORKER=5444

# 24 ledger departments with one task each, and a Growth department with 1,500 daily templates.
sql $COORD >/dev/null <<'SQL'
INSERT INTO synapse.departments (id, name) SELECT md5('ledger-d-' || n)::uuid, 'Ledger department ' || n FROM generate_series(1, 24) n;
INSERT INTO synapse.tasks (department_id, id, title, creator_id)
SELECT md5('ledger-d-' || n)::uuid, md5('ledger-t-' || n)::uuid, 'Ledger', md5('cc-u')::uuid FROM generate_series(1, 24) n;
SQL
# Every other template generated beyond the last as_of used below first, so that during
# the growth runs only the Growth department's templates are due.
GROWTH_END='2026-06-30 12:00+00'
for db in synapse synapse_single; do DB=$db sql $COORD -c "CALL synapse.run_recurring_generation(100, '$GROWTH_END')" >/dev/null; done
growth_fixture="INSERT INTO synapse.departments (id, name) VALUES (md5('growth-d')::uuid, 'Growth');
INSERT INTO synapse.tasks (department_id, id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
SELECT md5('growth-d')::uuid, md5('growth:' || i)::uuid, 'GROW-' || i, 'Growth template ' || i, md5('dev:user:priya')::uuid, true,
       '{\"frequency\": \"daily\"}', timestamptz '2026-06-01 06:00+00' + (i % 600) * interval '1 minute'
  FROM generate_series(1, 1500) AS i"
for db in synapse synapse_single; do DB=$db sql $COORD -c "$growth_fixture" >/dev/null; done
dynamic="md5('cc-d-0')::uuid, md5('cc-d-1')::uuid, md5('growth-d')::uuid"
# checksum NAME ROW FROM: "NAME=<count>:<md5 of the rows' text in order>" of ROW over FROM.
checksum() { echo "SELECT '$1=' || count(*) || ':' || md5(coalesce(string_agg(($2)::text, ',' ORDER BY ($2)::text), '')) AS x FROM $3"; }
# per_table QUERY...: the checksums as one line, sorted.
per_table() { local q union=""; for q in "$@"; do union+="${union:+ UNION ALL }$q"; done; echo "SELECT string_agg(x, ' ' ORDER BY x) FROM ($union) s"; }
# The rows no writer touches in any of the checks (faults.sh's too).
static_always=("$(checksum departments r "synapse.departments r")" "$(checksum users r "synapse.users r")"
  "$(checksum task_dependencies r "synapse.task_dependencies r WHERE department_id NOT IN ($dynamic)")"
  "$(checksum comments r "synapse.comments r WHERE department_id NOT IN ($dynamic) AND content NOT LIKE 'ledger%'")")
# The rows no writer or generator touches here: count and checksum per table.
static=$(per_table "${static_always[@]}" \
  "$(checksum projects r "synapse.projects r WHERE department_id NOT IN ($dynamic)")" \
  "$(checksum tasks r "synapse.tasks r WHERE department_id NOT IN ($dynamic)")" \
  "$(checksum task_assignees r "synapse.task_assignees r WHERE department_id NOT IN ($dynamic)")")
ledger="SELECT count(*) FROM synapse.comments WHERE content = 'ledger'"
one_placement="SELECT count(*) FROM (SELECT shardid FROM pg_dist_placement GROUP BY shardid HAVING count(*) <> 1) d
                 WHERE shardid IN (SELECT shardid FROM pg_dist_shard s JOIN pg_dist_partition p USING (logicalrelid) WHERE p.partmethod = 'h')"

# The writers (writer_loop, sum_of: tests/citus/writers.sh) stop when this file appears.
stop_file=/tmp/citus_growth_stop.$$
# generator_loop FROM TO: generation runs (batches of 10) for as_of FROM, FROM + 1 day, ...
# until TO or the stop file.
generator_loop() {
  local as_of=$1
  while [ ! -f "$stop_file" ] && [ "$(sql $COORD -c "SELECT '$as_of'::timestamptz <= '$2'::timestamptz")" = t ]; do
    sql $COORD -c "CALL synapse.run_recurring_generation(10, '$as_of')" >/dev/null || return 1
    as_of=$(sql $COORD -c "SELECT ('$as_of'::timestamptz + interval '1 day')::text")
  done
}
# The id-recording ledger writer (tests/faults/ledger): what the client was told, per row.
LEDGER=$root/target/synapse-ledger
"$root/scripts/go-build.sh" "$root/tests/faults/ledger" "$LEDGER" || bail "cannot build tests/faults/ledger"

# under_load DESCRIPTION FROM TO SQL...: runs the SQL statements on the coordinator, one
# after the other (each its own transaction: citus_rebalance_wait must see the job that
# citus_rebalance_start committed), while 4 counter writers, 2 ledger writers and a
# generator (as_of from FROM to TO, a day at a time) run; then checks everything.
under_load() {
  local what=$1 from=$2 to=$3 before ledger_before c_pid l_pid g_pid w_pid t0 out_op rc=0 stmt args=()
  before=$(sql $COORD -c "$static")
  ledger_before=$(sql $COORD -c "$ledger")
  rm -f "$stop_file"
  writer_loop /tmp/citus_growth_c.$$ "$here/data/counters_load.pgbench" 4 & c_pid=$!
  writer_loop /tmp/citus_growth_l.$$ "$here/data/ledger_load.pgbench" 2 & l_pid=$!
  generator_loop "$from" "$to" >/tmp/citus_growth_g.$$ 2>&1 & g_pid=$!
  # Each growth step its own id ledger (a comment text of its own).
  local ids_content="ledger ids: $what"
  PGPORT=$COORD "$LEDGER" write -log /tmp/citus_growth_ids.$$ -clients 2 -duration 30m -stop-file "$stop_file" \
    -content "$ids_content" >/tmp/citus_growth_w.$$ 2>&1 & w_pid=$!
  sleep 2
  t0=$SECONDS
  for stmt in "${@:4}"; do args+=(-c "$stmt"); done
  out_op=$(sql $COORD "${args[@]}" 2>&1) || rc=$?
  local took=$((SECONDS - t0))
  sleep 2
  touch "$stop_file"
  wait $c_pid $l_pid
  wait $w_pid && ok "$what: the id-recording ledger writers ran throughout ($(head -1 /tmp/citus_growth_w.$$))" ||
    not_ok "$what: the id-recording ledger writers ran throughout" "$(cat /tmp/citus_growth_w.$$)"
  [ $rc = 0 ] && ok "$what: done in $took s while the writers ran" || not_ok "$what" "$out_op"
  wait $g_pid && ok "$what: the generator ran alongside and finished" || not_ok "$what: the generator ran alongside and finished" "$(cat /tmp/citus_growth_g.$$)"
  local c_done l_done
  c_done=$(sum_of "number of transactions actually processed" /tmp/citus_growth_c.$$)
  l_done=$(sum_of "number of transactions actually processed" /tmp/citus_growth_l.$$)
  is "$(sum_of "number of failed transactions" /tmp/citus_growth_c.$$) $(sum_of "number of failed transactions" /tmp/citus_growth_l.$$) $(grep -c "exited with an error" /tmp/citus_growth_c.$$ /tmp/citus_growth_l.$$ | paste -sd' ')" \
     "0 0 /tmp/citus_growth_c.$$:0 /tmp/citus_growth_l.$$:0" \
     "$what: no writer transaction failed, no client aborted ($c_done counter and $l_done ledger transactions)"
  diag "$what: $(sum_of "number of transactions retried" /tmp/citus_growth_c.$$) counter and $(sum_of "number of transactions retried" /tmp/citus_growth_l.$$) ledger transactions were retried"
  grep -h -m3 -i "error" /tmp/citus_growth_c.$$ /tmp/citus_growth_l.$$ | sed 's/^/# /' || true
  rm -f /tmp/citus_growth_[clg].$$ "$stop_file"
  is "$(sql $COORD -c "$static")" "$before" "$what: the rows no writer touched are all there, once, unchanged (count and checksum per table)"
  is "$(sql $COORD -c "$ledger")" "$((ledger_before + l_done))" "$what: the ledger holds exactly the $l_done comments the writers committed"
  local idcheck
  idcheck=$(PGPORT=$COORD "$LEDGER" check -log /tmp/citus_growth_ids.$$ -content "$ids_content" 2>&1) &&
    ok "$what: every acknowledged id-ledger comment is there once, no failed or unknown one is a phantom (${idcheck%%$'\n'*})" ||
    not_ok "$what: every acknowledged id-ledger comment is there once" "$idcheck"
  rm -f /tmp/citus_growth_ids.$$ /tmp/citus_growth_w.$$
  local n; n=$(sql $COORD -c "SELECT count(*) FROM synapse.projects")
  is "$(sql $COORD -c "$counters_exact")" "$n/$n" "$what: every project's counters equal a fresh COUNT(*)"
  sql $COORD -c "CALL synapse.run_recurring_generation(100, '$to')" >/dev/null
  DB=synapse_single sql $COORD -c "CALL synapse.run_recurring_generation(100, '$to')" >/dev/null
  is "$(sql $COORD -c "$instances")" "$(DB=synapse_single sql $COORD -c "$instances")" \
     "$what: the generated instances equal the single-node run (none lost, none twice)"
  is "$(sql $COORD -c "$one_placement")" 0 "$what: every shard has exactly one placement"
  is "$(as_user sofia "SELECT count(*) || '/' || count(DISTINCT department_id) FROM synapse.tasks")" \
     "$(sql $COORD -c "SELECT count(*) FROM synapse.tasks WHERE department_id = $eng")/1" \
     "$what: RLS intact, an Engineering member sees exactly Engineering's tasks"
}

# --- a third worker, rebalanced onto under load --------------------------------------------------
SYNAPSE_PRELOAD_CITUS=1 cluster start citus-w3 $NEW_WORKER >/dev/null || bail "cannot start citus-w3 on port $NEW_WORKER"
cluster login citus-w3 postgres --server || bail "cannot give citus-w3's superuser its password"
sql $NEW_WORKER -c "CREATE EXTENSION citus" >/dev/null
# Citus re-creates the schema's functions and their grants on the new node with type names
# as the adding session's search_path prints them: under the database's search_path
# (synapse, public) the GRANTs name "task_priority" unqualified and the add fails on the
# new node (type "task_priority" does not exist). With pg_catalog alone every name is
# schema-qualified (docs/citus.md, finding 12).
try "a third worker joins (citus_add_node 5444, from a session with search_path = pg_catalog)" $COORD \
  -c "SET search_path = pg_catalog" -c "SELECT citus_add_node('127.0.0.1', $NEW_WORKER)"
is "$(sql $NEW_WORKER -c "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname IN ('pg_trgm', 'pgcrypto', 'synapse_ext', 'btree_gin')") $(sql $NEW_WORKER -c "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'synapse_migrate'")" \
   "btree_gin,pg_trgm,pgcrypto,synapse_ext t" "the new worker got the extensions and roles from the coordinator"
# The grants on synapse_ext's functions, which Citus does not copy (finding 21): before any
# shard moves there, since building a shard's search index needs synapse_migrate's EXECUTE
# on _search_keys.
try "the new worker gets the grants on synapse_ext's functions (tests/citus/extension_grants.sql)" $COORD \
  -f "$here/extension_grants.sql"
is "$(sql $NEW_WORKER -c "SELECT has_function_privilege('synapse_migrate', 'synapse._search_keys(uuid, tsvector)', 'EXECUTE') AND has_function_privilege('synapse_app', 'synapse._rls_departments_from()', 'EXECUTE') AND NOT has_function_privilege('synapse_readonly', 'synapse._set_current_user(uuid)', 'EXECUTE')")" t \
   "there: synapse_migrate builds search keys, synapse_app reads its department range, reporting takes no identity"
is "$(sql $NEW_WORKER -c "SELECT setconfig FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = 'synapse')")" \
   "$(sql $COORD -c "SELECT setconfig FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = 'synapse')")" \
   "the new worker got the database settings (search_path, trigram threshold, Citus settings)"
under_load "rebalance onto the third worker (citus_rebalance_start, citus_rebalance_wait)" '2026-06-02 12:00+00' '2026-06-20 12:00+00' \
  "SELECT citus_rebalance_start()" "SELECT citus_rebalance_wait()"
spread=$(sql $COORD -c "SELECT string_agg(nodeport || ':' || n, ' ' ORDER BY nodeport) FROM (SELECT nodeport, count(*) n FROM citus_shards WHERE table_name = 'synapse.tasks'::regclass GROUP BY 1) s")
# Citus 12+ rebalances by disk size by default (pg_dist_rebalance_strategy): shards that grew
# weigh more, so the counts vary from run to run (11/11/10, 12/11/9 seen); each worker holds
# at least a quarter of the 32.
if [[ $spread =~ ^5442:([0-9]+)\ 5443:([0-9]+)\ 5444:([0-9]+)$ ]] &&
   [ "${BASH_REMATCH[1]}" -ge 8 ] && [ "${BASH_REMATCH[2]}" -ge 8 ] && [ "${BASH_REMATCH[3]}" -ge 8 ]; then
  ok "the 32 task shards are spread over the three workers ($spread)"
else not_ok "the 32 task shards are spread over the three workers (at least 8 each)" "got: $spread"; fi
is "$(sql $COORD -c "SELECT count(DISTINCT c.department_id) > 0 FROM synapse.comments c WHERE c.content = 'ledger'
                        AND get_shard_id_for_distribution_column('synapse.comments', c.department_id)
                            IN (SELECT shardid FROM citus_shards WHERE nodeport = $NEW_WORKER)")" t \
   "the ledger writers wrote into departments whose shards moved to the new worker"
is "$(sql $NEW_WORKER -c "SELECT count(*) FROM synapse.users") $(sql $COORD -c "SELECT count(*) FROM synapse.users")" \
   "$(sql $COORD -c "SELECT count(*) FROM synapse.users") $(sql $COORD -c "SELECT count(*) FROM synapse.users")" \
   "the reference tables were copied to the new worker"
sql $COORD -c "CALL citus_cleanup_orphaned_resources()" >/dev/null 2>&1 || true
is "$(sql $COORD -c "SELECT count(*) FROM pg_dist_cleanup")" 0 "no shard left behind on the old workers (pg_dist_cleanup empty)"

# --- Engineering to a shard of its own, under load -------------------------------------------------
eng_shard_rows() { sql $COORD -c "SELECT count(*) FROM synapse.tasks WHERE get_shard_id_for_distribution_column('synapse.tasks', department_id) = get_shard_id_for_distribution_column('synapse.tasks', $eng)"; }
under_load "isolate_tenant_to_new_shard (Engineering, CASCADE)" '2026-06-21 12:00+00' "$GROWTH_END" \
  "SELECT isolate_tenant_to_new_shard('synapse.tasks', $eng, 'CASCADE', shard_transfer_mode => 'force_logical')"
is "$(sql $COORD -c "SELECT shardminvalue = shardmaxvalue FROM pg_dist_shard WHERE shardid = get_shard_id_for_distribution_column('synapse.tasks', $eng)") $(eng_shard_rows)" \
   "t $(sql $COORD -c "SELECT count(*) FROM synapse.tasks WHERE department_id = $eng")" \
   "Engineering's tasks are alone in a shard of one hash value"
plan=$(sql $COORD -c "EXPLAIN (COSTS OFF) SELECT id FROM synapse.tasks WHERE department_id = $eng")
grep -q "Task Count: 1$" <<<"$plan" && ok "queries of Engineering are still routed to one shard" || not_ok "queries of Engineering are still routed to one shard" "$plan"
