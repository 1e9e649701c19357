#!/usr/bin/env bash
# A hot standby of the primary (scripts/standby.sh: pg_basebackup, streaming over TLS as
# synapse_replication with its password): it follows the primary; previews, next occurrence, search, "my tasks" and the monitoring
# views answer on it as on the primary; generation there does nothing and says why; the
# pg_cron job runs on the primary only.
source "$(dirname "$0")/lib.sh"
standby() { on ops-standby "$@"; }
# as_app PORT USER_UUID SQL: one transaction of load_api_a acting for the user.
as_app() {
  printf "BEGIN;\nSELECT synapse.set_current_user('%s') \\\\g /dev/null\n%s;\nCOMMIT;\n" "$2" "$3" |
    psql -X -w -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$1" -U load_api_a -d synapse
}
caught_up() { [ "$(standby -c "SELECT count(*) FROM synapse.departments WHERE name = '$1'")" = 1 ]; }

"$ROOT/scripts/standby.sh" create ops-standby ops-primary "$OPS_STANDBY_PORT" >/dev/null
is "$(standby -c "SELECT pg_is_in_recovery()")" t "the standby runs in recovery on its own port"
is "$(primary -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" 1 "the primary streams to it"
is "$(primary -c "SELECT r.usename || ' ' || r.application_name || ' ' || s.ssl || ' ' || (s.version IN ('TLSv1.2', 'TLSv1.3'))
                    FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)")" \
   "synapse_replication ops-standby true true" "it streams as synapse_replication over TLS 1.2+ (pg_stat_ssl)"
is "$(standby -c "SELECT regexp_replace(setting, '.*(sslmode=[^ ]+).*', '\1') FROM pg_settings WHERE name = 'primary_conninfo'")" \
   "sslmode=verify-full" "with the primary's certificate verified (primary_conninfo)"

marker="Standby check $(date +%s%N)"
primary -c "INSERT INTO synapse.departments (name) VALUES ('$marker')"
wait_for "replay" 30 caught_up "$marker" && ok "a row written on the primary appears on the standby" || not_ok "a row written on the primary appears on the standby"
is "$(standby -c "SELECT count(*) FROM synapse.tasks")" "$(primary -c "SELECT count(*) FROM synapse.tasks")" "same tasks on both"

# Previews and next occurrence: the same answers on both servers.
pattern='{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}],"timezone":"Europe/Berlin"}'
preview="SELECT string_agg(o::text, ',') FROM synapse.recurrence_occurrences('$pattern', '2026-01-30 17:00 Europe/Berlin', NULL, NULL, 6) o"
next="SELECT synapse.calculate_next_occurrence('$pattern', '2026-06-01 00:00+00', '2026-01-30 17:00 Europe/Berlin')"
is "$(standby -c "$preview")" "$(primary -c "$preview")" "a preview on the standby equals the primary's"
is "$(standby -c "$next")" "$(primary -c "$next")" "next occurrence on the standby equals the primary's"
is "$(standby -c "SELECT (synapse.calculate_next_occurrence('$pattern', '2026-06-01 00:00+00', '2026-01-30 17:00 Europe/Berlin') AT TIME ZONE 'Europe/Berlin')::text")" \
   "2026-06-26 17:00:00" "(the last Friday of June, 17:00 Berlin)"

# Search and my tasks as an application login acting for a user (row-level security on).
U=$(user_of 7); D=$(dept_of 7)
search="SELECT string_agg(task_id || ':' || (department_id = '$D'), ',' ORDER BY task_id) FROM synapse.search_tasks('report', 50)"
mine="SELECT string_agg(task_id || ':' || (department_id = '$D'), ',' ORDER BY due_date, task_id) FROM synapse.my_tasks(page_size => 10)"
s_standby=$(as_app "$OPS_STANDBY_PORT" "$U" "$search")
is "$s_standby" "$(as_app "$OPS_PRIMARY_PORT" "$U" "$search")" "search on the standby finds what it finds on the primary"
case "$s_standby" in *:t*) [[ $s_standby != *:f* ]] && ok "search found tasks, all of the user's department" || not_ok "search stays in the department" "$s_standby" ;;
                     *) not_ok "search found tasks on the standby" "$s_standby" ;; esac
m_standby=$(as_app "$OPS_STANDBY_PORT" "$U" "$mine")
is "$m_standby" "$(as_app "$OPS_PRIMARY_PORT" "$U" "$mine")" "my_tasks on the standby equals the primary's"
[ -n "$m_standby" ] && [[ $m_standby != *:f* ]] && ok "my_tasks lists the user's tasks there" || not_ok "my_tasks lists the user's tasks there" "$m_standby"

# The monitoring views, read by a synapse_monitoring login on the standby.
views=$(primary -c "SELECT string_agg(viewname, ' ' ORDER BY viewname) FROM pg_views WHERE schemaname = 'synapse' AND viewname LIKE 'monitoring\_%'")
failed=""
for v in $views; do
  psql -X -w -q -At -h 127.0.0.1 -p "$OPS_STANDBY_PORT" -U ops_monitor -d synapse -c "SELECT * FROM synapse.$v" >/dev/null 2>&1 || failed="$failed $v"
done
is "$failed" "" "all $(wc -w <<<"$views") monitoring views answer on the standby"
is "$(psql -X -At -h 127.0.0.1 -p "$OPS_STANDBY_PORT" -U ops_monitor -d synapse -c "SELECT server_role || ' ' || (replay_lag_seconds >= 0) FROM synapse.monitoring_replication")" \
   "standby true" "monitoring_replication: the standby knows it is one, with a lag"
is "$(psql -X -At -h 127.0.0.1 -p "$OPS_PRIMARY_PORT" -U ops_monitor -d synapse -c "SELECT server_role || ' ' || streaming_standbys FROM synapse.monitoring_replication")" \
   "primary 1" "monitoring_replication on the primary counts the streaming standby"

# Generation on the standby: the procedure says why it does nothing, the function fails
# cleanly as any write does there.
runs=$(standby -c "SELECT count(*) FROM synapse.generation_runs")
out=$(PGOPTIONS= psql -X -v ON_ERROR_STOP=1 -h "$WORK/ops-standby" -p "$OPS_STANDBY_PORT" -U postgres -d synapse \
        -c "CALL synapse.run_recurring_generation()" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "CALL synapse.run_recurring_generation() on the standby succeeds"
case "$out" in *"NOTICE:  synapse.run_recurring_generation: skipped, this server is a standby"*) ok "with a NOTICE saying it is skipped on a standby" ;;
               *) not_ok "with a NOTICE saying it is skipped on a standby" "$out" ;; esac
is "$(standby -c "SELECT count(*) FROM synapse.generation_runs")" "$runs" "and records no run"
is "$(sqlstate_on ops-standby "SELECT * FROM synapse.generate_recurring_tasks()")" 25006 \
   "generate_recurring_tasks() on the standby: 25006 (read-only transaction), no crash"

# pg_cron: the launcher runs on the primary only, and the job fires there.
is "$(primary -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher'")" 1 "pg_cron's launcher runs on the primary"
is "$(standby -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher'")" 0 "and not on the standby"
DEPT=$(dept_of 3); CREATOR=$(user_of 3)
TPL=$(primary -c "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
                  VALUES ('$DEPT', 'OPS-CRON-' || left(gen_random_uuid()::text, 8), 'Standby cron check', '$CREATOR', true,
                          '{\"frequency\": \"daily\"}', date_trunc('second', now()) - interval '1 hour') RETURNING id")
JOB=$(primary -c "SELECT synapse.schedule_recurring_generation('* * * * *')")
generated() { [ "$(standby -c "SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id = '$TPL'")" = 1 ]; }
wait_for "pg_cron's run" 90 generated && ok "pg_cron ran generation on the primary; its instance replicated to the standby" \
  || not_ok "pg_cron ran generation on the primary; its instance replicated to the standby"
is "$(primary -c "SELECT count(*) FILTER (WHERE status <> 'succeeded') || ' of ' || sign(count(*)) FROM cron.job_run_details WHERE jobid = $JOB")" \
   "0 of 1" "the job's runs succeeded on the primary"
logs=$("$ROOT/scripts/pg-workdir.sh")
grep -q "cron job $JOB starting: CALL synapse.run_recurring_generation()" "$logs/ops-primary/server.log" \
  && ok "the primary's log has the job starting" || not_ok "the primary's log has the job starting"
is "$(grep -c -E 'pg_cron scheduler started|cron job|read-only transaction' "$logs/ops-standby/server.log" || true)" 0 \
   "the standby's log has no pg_cron scheduler, no job and no failed write"
primary -c "SELECT synapse.unschedule_recurring_generation()" >/dev/null
primary -c "UPDATE synapse.tasks SET deleted_at = now() WHERE id = '$TPL'"

# Promoted, it becomes a primary: pg_cron's launcher starts there and generation runs.
. "$ROOT/scripts/privileges.sh"
as_postgres "${PG_BIN:-/usr/lib/postgresql/15/bin}/pg_ctl" -D "$logs/ops-standby/data" -w promote >/dev/null
is "$(standby -c "SELECT pg_is_in_recovery()")" f "promoted, the standby leaves recovery"
launcher() { [ "$(standby -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher'")" = 1 ]; }
wait_for "pg_cron's launcher" 30 launcher && ok "pg_cron's launcher starts on the promoted server" || not_ok "pg_cron's launcher starts on the promoted server"
is "$(standby -c "SELECT tasks_failed FROM synapse.generate_recurring_tasks()")" 0 "generation runs there"

"$ROOT/scripts/cluster.sh" stop ops-standby
is "$("$ROOT/scripts/cluster.sh" status ops-standby)" "ops-standby: stopped" "the standby stops"
done_testing
