# Faults on the Citus cluster (sourced last by tests/citus/check.sh, after growth.sh, on its
# coordinator and three workers): a worker killed (SIGKILL of its postmaster and every
# process of it, as a crashed machine), the coordinator killed the same way, and a worker
# stopped with `pg_ctl -m immediate` for 10 s, each in the middle of a generation run while
# counter writers and id-recording ledger writers run. The generator and the writers retry
# as an application would. Afterwards, each time: the run log shows the failed run with
# its error and a later run finished; the instances equal the single-node run (none lost,
# none twice); no distributed transaction is left in doubt after recover_prepared_transactions;
# counters are exact and recount_project_tasks corrects nothing; every acknowledged ledger
# comment is there once; the rows no writer touches are unchanged. Recovery times are
# printed (docs/scale-out.md, "Faults").
WORKERS3=(5442 5443 5444)
node_name() { case $1 in 5441) echo citus-coord ;; 5442) echo citus-w1 ;; 5443) echo citus-w2 ;; 5444) echo citus-w3 ;; esac; }
node_data() { echo "$("$root/scripts/pg-workdir.sh")/$(node_name "$1")/data"; }
# crash PORT: SIGKILL to the node's postmaster and all its processes at once.
crash() {
  local pm; pm=$(head -1 "$(node_data "$1")/postmaster.pid")
  kill -9 "$pm" $(pgrep -P "$pm") 2>/dev/null || true
}
# restart PORT: start the node again (crash recovery), wait until it answers.
restart() { SYNAPSE_PRELOAD_CITUS=1 cluster start "$(node_name "$1")" "$1" >/dev/null; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# From 2026-06-25: due in every fault's run.
daily_templates fault FAULT 'Fault template' '2026-06-25 06:00+00'

# What no writer or generator touches here: growth.sh's static rows less what generation
# changes (instances, templates, their assignees and the projects' counters).
untouched=$(per_table "${static_always[@]}" \
  "$(checksum projects "(r.department_id, r.id, r.name, r.status)" "synapse.projects r WHERE department_id NOT IN ($dynamic)")" \
  "$(checksum tasks r "synapse.tasks r WHERE department_id NOT IN ($dynamic) AND NOT is_recurring AND recurrence_parent_id IS NULL")" \
  "$(checksum task_assignees a "synapse.task_assignees a JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
     WHERE a.department_id NOT IN ($dynamic) AND NOT t.is_recurring AND t.recurrence_parent_id IS NULL")")

# generate_until AS_OF LOG: CALL run_recurring_generation(10, AS_OF) until one succeeds
# (at most 3 minutes), a second between tries; each try's outcome appended to LOG.
generate_until() {
  local t_end=$((SECONDS + 180))
  while [ $SECONDS -lt $t_end ]; do
    if psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -p $COORD -d synapse \
         -c "CALL synapse.run_recurring_generation(10, '$1')" >>"$2" 2>&1; then
      echo "run completed" >>"$2"; return 0
    fi
    sleep 1
  done
  return 1
}

# fault DESCRIPTION AS_OF VICTIM_PORT ACTION: starts the writers and a generator for AS_OF;
# once the run has committed 3 batches, ACTION (crash, stop) hits VICTIM_PORT, which comes
# back after DOWN seconds (default 3); then everything is checked.
fault() {
  local what=$1 as_of=$2 victim=$3 action=$4 down=${5:-3}
  local before c_pid w_pid g_pid last_run t_fault t_back i content="ledger fault: $1"
  before=$(sql $COORD -c "$untouched")
  last_run=$(sql $COORD -c "SELECT coalesce(max(id), 0) FROM synapse.generation_runs")
  rm -f "$stop_file" /tmp/citus_fault_[cgw].$$ /tmp/citus_fault_ids.$$
  writer_loop /tmp/citus_fault_c.$$ "$here/data/counters_load.pgbench" 4 & c_pid=$!
  PGPORT=$COORD "$LEDGER" write -log /tmp/citus_fault_ids.$$ -clients 2 -duration 30m -stop-file "$stop_file" \
    -reconnect-for 120s -content "$content" >/tmp/citus_fault_w.$$ 2>&1 & w_pid=$!
  generate_until "$as_of" /tmp/citus_fault_g.$$ & g_pid=$!
  for i in $(seq 1 600); do
    [ "$(sql $COORD -c "SELECT count(*) FROM synapse.generation_runs WHERE id > $last_run AND finished_at IS NULL AND batches >= 3" 2>/dev/null)" = 1 ] && break
    sleep 0.1
  done
  t_fault=$(date +%s%N)
  case $action in
    crash) crash "$victim" ;;
    stop)  as_postgres_stop "$victim" ;;
  esac
  sleep "$down"
  restart "$victim" || { not_ok "$what: the node comes back"; touch "$stop_file"; wait $c_pid $w_pid $g_pid; return 1; }
  t_back=$(ms_since "$t_fault")
  if wait $g_pid; then ok "$what: a later generation run completed ($(ms_since "$t_fault") ms after the fault; the node answered again after $t_back ms)"
  else not_ok "$what: a later generation run completed" "$(tail -5 /tmp/citus_fault_g.$$)"; fi
  sleep 2
  touch "$stop_file"
  wait $c_pid
  wait $w_pid && ok "$what: the ledger writers reconnected and went on ($(head -1 /tmp/citus_fault_w.$$))" ||
    not_ok "$what: the ledger writers reconnected and went on" "$(cat /tmp/citus_fault_w.$$)"
  local interrupted
  interrupted=$(sql $COORD -c "SELECT count(*) FILTER (WHERE status = 'interrupted') || ' ' || count(*) FILTER (WHERE status = 'finished')
                                 FROM synapse.generation_recent_runs WHERE id > $last_run")
  [[ $interrupted =~ ^[1-9][0-9]*\ 1$ ]] && ok "$what: the run log shows the run the fault cut short as interrupted and one run finished ($interrupted)" ||
    not_ok "$what: the run log shows the cut-short run interrupted and one run finished" "interrupted finished: $interrupted"
  diag "$what: errors in the run log: $(sql $COORD -c "SELECT coalesce(string_agg(DISTINCT e->>'sqlstate' || ' ' || left(e->>'error', 80), '; '), 'none')
                                                       FROM synapse.generation_runs r, jsonb_array_elements(r.errors) e WHERE r.id > $last_run")"
  is "$(sql $COORD -c "SELECT count(*) FROM synapse.tasks WHERE recurrence_last_error IS NOT NULL")" 0 "$what: no template is blamed for the fault"
  # A commit the fault cut between PREPARE and COMMIT PREPARED leaves its templates locked
  # until Citus recovers it (the maintenance daemon, every citus.recover_2pc_interval), and a
  # run skips locked templates: recover, as the daemon would, and let the next scheduled run
  # go, then compare.
  diag "$what: distributed transactions in doubt after the fault, recovered: $(sql $COORD -c "SELECT recover_prepared_transactions()")"
  sql $COORD -c "CALL synapse.run_recurring_generation(100, '$as_of')" >/dev/null
  DB=synapse_single sql $COORD -c "CALL synapse.run_recurring_generation(100, '$as_of')" >/dev/null
  is "$(sql $COORD -c "$instances")" "$(DB=synapse_single sql $COORD -c "$instances")" \
     "$what: the generated instances (with their assignees) equal the single-node run: none lost, none twice"
  sql $COORD -c "SELECT recover_prepared_transactions()" >/dev/null
  is "$(sql $COORD -c "SELECT count(*) FROM pg_dist_transaction") $(for p in "${WORKERS3[@]}"; do sql "$p" -c "SELECT count(*) FROM pg_prepared_xacts"; done | paste -sd' ')" \
     "0 0 0 0" "$what: after recover_prepared_transactions no distributed transaction is in doubt (pg_dist_transaction, pg_prepared_xacts on the 3 workers)"
  is "$(sql $COORD -c "SELECT synapse.recount_project_tasks()")" 0 "$what: recount_project_tasks corrects nothing (the counters stayed exact)"
  local n; n=$(sql $COORD -c "SELECT count(*) FROM synapse.projects")
  is "$(sql $COORD -c "$counters_exact")" "$n/$n" "$what: every project's counters equal a fresh COUNT(*)"
  local idcheck
  idcheck=$(PGPORT=$COORD "$LEDGER" check -log /tmp/citus_fault_ids.$$ -content "$content" 2>&1) &&
    ok "$what: every acknowledged ledger comment is there once, no phantom (${idcheck%%$'\n'*})" ||
    not_ok "$what: every acknowledged ledger comment is there once" "$idcheck"
  is "$(sql $COORD -c "$untouched")" "$before" "$what: the rows no writer or generator touched are all there, once, unchanged (count and checksum per table)"
  diag "$what: counter writers: $(sum_of "number of transactions actually processed" /tmp/citus_fault_c.$$) transactions committed, $(grep -c "exited with an error" /tmp/citus_fault_c.$$ || true) pgbench runs cut short by the fault"
  rm -f /tmp/citus_fault_[cgw].$$ /tmp/citus_fault_ids.$$ "$stop_file"
}
as_postgres_stop() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$(node_data "$1")" -m immediate -w stop >/dev/null
  else sudo -u postgres "$PG_BIN/pg_ctl" -D "$(node_data "$1")" -m immediate -w stop >/dev/null; fi
}

fault "kill -9 of worker 5442 mid-run" '2026-07-05 12:00+00' 5442 crash
fault "kill -9 of the coordinator mid-run" '2026-07-10 12:00+00' $COORD crash
fault "worker 5443 stopped (immediate) for 10 s mid-run" '2026-07-15 12:00+00' 5443 stop 10
