#!/usr/bin/env bash
# Nothing any role can call crashes the server. Walks pg_proc: every function and procedure
# of schema synapse (the extension's and the migrations') is called with NULLs, boundary and
# hostile arguments of each parameter's type, and every trigger function is attached to temp
# tables of right and wrong shapes in every way CREATE TRIGGER takes and fired; as the
# superuser and as a login of each group role (plus one of no group). The cases and the
# driver are in no_crash/crashwalk.sql (not a *.sql of this directory: tests/security/run.sh
# gives those to pg_prove as pgTAP files). An ERROR is an answer (its SQLSTATE is counted); a crash is
# a failure that names the role and prints the statement that did it.
#
# Each role runs its cases in one psql session through crashwalk.run_case, a call in a
# top-level statement of its own (its own transaction and statement_timeout), trigger cases a
# hundred to a CALL that commits after each (crashwalk.script). A crash kills every session,
# ours too, so the first case without a result is the one running when the server went down:
# the server log and the checkpointer's pid say whether it was a crash, the case is run again
# alone to see that it reproduces, and the role's remaining cases go on in a new session.
#
# A crash restarts the whole server, so this test runs on a cluster of its own, .cluster/no-crash
# on port $SYNAPSE_NO_CRASH_PORT (default: one above make test-security's cluster, 25334),
# started here with the extension as installed for $PG_BIN and stopped after. It starts under
# a memory limit (ulimit -v, inherited by every backend): a call that allocates without bound
# then fails in its own backend (an ERROR from palloc; an abort from Rust's allocator, a crash
# reported here) instead of the kernel's OOM killer picking a process anywhere on the machine.
started=$SECONDS
port=${SYNAPSE_NO_CRASH_PORT:-$((${SYNAPSE_SECURITY_PORT:-${SYNAPSE_TEST_PORT:-25333}} + 1))}
memory_mb=${SYNAPSE_NO_CRASH_MEMORY_MB:-2048}
export SYNAPSE_TEST_PORT=$port SYNAPSE_TEST_CLUSTER=no-crash
source "$(dirname "$0")/../e2e/lib.sh"
DB=synapse_t90_no_crash
# A function that crashes the server in this many cases for one role is not run further for
# that role (its remaining cases are counted as not run): each crash costs a restart.
max_crashes=${SYNAPSE_NO_CRASH_MAX_CRASHES:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"; "$ROOT/scripts/cluster.sh" stop no-crash' EXIT
# Stopped first: a server left running by an earlier run would not have the limit.
"$ROOT/scripts/cluster.sh" stop no-crash
(ulimit -v $((memory_mb * 1024)) && "$ROOT/scripts/cluster.sh" start no-crash "$port") >&2

q() { psql_db "$DB" -c "$1"; }

postmaster=$(psql_db postgres -c "SELECT split_part(pg_read_file('postmaster.pid'), E'\n', 1)")
limit=$(awk '/^Max address space/ {print $4}' "/proc/$postmaster/limits")
if [ "$limit" != $((memory_mb * 1024 * 1024)) ]; then
  echo "Bail out! the server runs without the memory limit (address space: $limit); a runaway call could take the machine's memory"
  exit 1
fi
ok "the server runs under a memory limit of $memory_mb MB"

fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" --dir "${SYNAPSE_MIGRATIONS_DIR:-$ROOT/sql/migrations}" up 2>/dev/null
psql_db "$DB" -1 -f "$ROOT/sql/seed/dev_seed.sql" >/dev/null
psql_db "$DB" -f "$ROOT/tests/security/no_crash/crashwalk.sql" >/dev/null

# The login roles: the superuser, one member of each group role, one of no group (PUBLIC's
# privileges only). The superuser and synapse_app (what the API logs in as) also run the
# trigger cases (a temp table needs only TEMP). Only the superuser, who may call everything,
# runs the calls with megabyte arguments: what a body does with a megabyte does not depend
# on who calls, and those cost most. synapse_app runs the calls of every function that is
# not immutable again as a seed Admin and as a seed Member (row-level security).
psql_db "$DB" -c "INSERT INTO crashwalk.roles VALUES ('postgres', 'superuser', true, false, true)"
for group in synapse_app synapse_readonly synapse_monitoring synapse_worker synapse_migrate ''; do
  login=synapse_t90_${group#synapse_}
  [ -n "$group" ] || login=synapse_t90_nogroup
  if [ -n "$group" ] && [ -z "$(psql_db postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$group'")" ]; then
    continue
  fi
  psql_db postgres -c "DROP ROLE IF EXISTS $login"
  login_role "$login" $group
  app=$([ "$group" = synapse_app ] && echo true || echo false)
  psql_db "$DB" -c "INSERT INTO crashwalk.roles VALUES ('$login', '${group:-no group}', $app, $app, false)"
done

# The cases, generated with the session's temp types and a search_path that makes
# pg_get_triggerdef qualify every name; not under the cases' statement_timeout.
psql_db "$DB" -1 <<SQL >/dev/null
$(psql_db "$DB" -c "SELECT crashwalk.preamble()")
SET LOCAL search_path = pg_catalog, pg_temp;
SET LOCAL statement_timeout = 0;
SELECT crashwalk.add_call_cases(10);
SELECT crashwalk.add_shapes();
SELECT crashwalk.add_trigger_cases();
SQL
generated=$((SECONDS - started))

unknown=$(q "SELECT string_agg(DISTINCT type_name, ', ') FROM crashwalk.unknown_types")
if [ -z "$unknown" ]; then
  ok "every parameter type of every function has values to try"
else
  not_ok "every parameter type of every function has values to try" \
    "only NULL is tried for: $unknown (add values to crashwalk.values_of in tests/security/no_crash/crashwalk.sql)"
fi

# --- crash detection ---------------------------------------------------------------------------
# pg_postmaster_start_time() stays the same through a crash restart (the postmaster survives);
# the checkpointer is restarted with every other process, so its pid tells a reinitialisation.
# The server log (next to the data directory, as scripts/cluster.sh lays it out) names the
# signal and the statement.
start_time=$(q "SELECT pg_postmaster_start_time()")
checkpointer() { q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'"; }
start_checkpointer=$(checkpointer)
first_checkpointer=$start_checkpointer
log_path=$(q "SELECT current_setting('data_directory') || '/../server.log'")
log_size() { q "SELECT (pg_stat_file('$log_path', true)).size"; }
log_start=$(log_size)
if [ -n "$log_start" ]; then
  ok "the server log is readable ($log_path)"
else
  not_ok "the server log is readable ($log_path)"
  log_start=0
fi
# crash_lines FROM: the log's crash lines (and the statement it names) after byte FROM.
crash_lines() {
  [ -n "$(log_size)" ] || return 0
  q "SELECT pg_read_file('$log_path', $1, (pg_stat_file('$log_path')).size - $1)" |
    grep -E -A1 'terminated by (signal|exception)|PANIC:' | cut -c1-2000 || true
}
wait_ready() {
  local i
  for i in $(seq 1 600); do
    if psql -X -q -At -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "# the server did not come back within 60 s" >&2
  return 1
}

# run_role ROLE: its pending cases in one session; after a crash, the culprit again alone, then
# the rest in a new session.
run_role() {
  local role=$1 rc culprit offset lines func again crashes previous=""
  while [ -n "$(q "SELECT 1 FROM crashwalk.pending('$role') LIMIT 1")" ]; do
    q "SELECT crashwalk.script('$role')" >"$work/script.sql"
    offset=$(log_size); offset=${offset:-0}
    rc=0
    psql -X -q -d "$DB" -U "$role" -f "$work/script.sql" >/dev/null 2>>"$work/$role.err" || rc=$?
    wait_ready
    culprit=$(q "SELECT id FROM crashwalk.pending('$role') LIMIT 1")
    [ -n "$culprit" ] || return 0
    if [ "$rc" = 0 ]; then
      # A batch its timeout stopped leaves its other cases for the next session; a case that
      # is still first after that gets no result, said so, rather than a loop.
      if [ "$culprit" = "$previous" ]; then
        q "INSERT INTO crashwalk.runs VALUES ('$role', $culprit, 'no result', NULL)" >/dev/null
      fi
      previous=$culprit
      continue
    fi
    lines=$(crash_lines "$offset")
    if [ -z "$lines" ] && [ "$(checkpointer)" = "$start_checkpointer" ]; then
      # The session ended (a FATAL error, psql exit $rc) but the server did not crash.
      q "INSERT INTO crashwalk.runs VALUES ('$role', $culprit, 'session ended', 'psql exit $rc')" >/dev/null
      continue
    fi
    # Alone, in a fresh session: does it crash again?
    offset=$(log_size); offset=${offset:-0}
    q "SELECT crashwalk.script('$role', $culprit)" >"$work/one.sql"
    psql -X -q -d "$DB" -U "$role" -f "$work/one.sql" >/dev/null 2>&1 || true
    wait_ready
    if [ -n "$(crash_lines "$offset")" ]; then again="crashed again when run alone"; else again="did not crash again when run alone"; fi
    q "DELETE FROM crashwalk.runs WHERE role = '$role' AND case_id = $culprit" >/dev/null
    psql_db "$DB" -v note="$lines"$'\n'"$again" \
      <<<"INSERT INTO crashwalk.runs VALUES ('$role', $culprit, 'crash', :'note')" >/dev/null
    start_checkpointer=$(checkpointer)
    func=$(q "SELECT func FROM crashwalk.cases WHERE id = $culprit")
    crashes=$(q "SELECT count(*) FROM crashwalk.runs r JOIN crashwalk.cases c ON c.id = r.case_id
                  WHERE r.role = '$role' AND r.state = 'crash' AND c.func = '$func'::regprocedure")
    if [ "$crashes" -ge "$max_crashes" ]; then
      q "INSERT INTO crashwalk.runs SELECT '$role', id, 'not run', 'after $crashes crashes'
           FROM crashwalk.pending('$role') WHERE func = '$func'::regprocedure" >/dev/null
    fi
  done
}

roles=$(q "SELECT role FROM crashwalk.roles ORDER BY role <> 'postgres', role")
for role in $roles; do
  role_started=$SECONDS
  run_role "$role"
  echo "# $role: $(q "SELECT count(*) FROM crashwalk.runs WHERE role = '$role'") cases in $((SECONDS - role_started)) s"
done

# --- results -----------------------------------------------------------------------------------
# One line per role and function: how many cases, their SQLSTATEs; a crash with its
# reproduction (the session preamble, the statement, the identity it ran with).
preamble=$(q "SELECT crashwalk.preamble()")
# Anything but a SQLSTATE (00000 included) fails the line: a crash, cases not run after
# crashes, a session ended without a crash, a case of this test that could not be set up.
while IFS='|' read -r role label func total states crashed unanswered; do
  line="$func as $label ($role): $total cases ($states)"
  if [ "$crashed" = 0 ]; then
    if [ "$unanswered" = 0 ]; then ok "$line"; else not_ok "$line"; fi
    continue
  fi
  not_ok "$line: CRASHED THE SERVER"
  echo "#   EXECUTE on it: $(q "SELECT string_agg(role || ' (' || label || ')', ', ' ORDER BY role) FROM crashwalk.roles
                             WHERE has_function_privilege(role, '$func'::regprocedure, 'EXECUTE')")"
  psql_db "$DB" -F $'\x1f' -R $'\x1e' -c "
    SELECT c.id, coalesce(c.what, ''), coalesce(c.identity::text, ''), r.note FROM crashwalk.runs r JOIN crashwalk.cases c ON c.id = r.case_id
     WHERE r.role = '$role' AND c.func = '$func'::regprocedure AND r.state = 'crash' ORDER BY c.id" |
    while IFS=$'\x1f' read -r -d $'\x1e' id what identity note || [ -n "$id" ]; do
      echo "#   case $id${what:+: $what}, crashed the server as $role; reproduce with psql -U $role in a"
      echo "#   database with the migrations and the dev seed (this test leaves $DB):"
      printf '%s\n' "$preamble" | sed 's/^/#     /'
      [ -z "$identity" ] || echo "#     BEGIN; SELECT synapse.set_current_user('$identity');"
      q "SELECT coalesce(s.setup || E'\\nBEGIN;\\n', '') || c.sql || CASE WHEN s.id IS NOT NULL THEN E';\\nROLLBACK;' ELSE ';' END
           FROM crashwalk.cases c LEFT JOIN crashwalk.shapes s ON s.id = c.shape WHERE c.id = $id" | sed 's/^/#     /'
      [ -z "$identity" ] || echo "#     COMMIT;"
      printf '%s\n' "$note" | sed 's/^/#   log: /'
    done
done < <(q "SELECT s.role, ro.label, s.func, sum(s.n), string_agg(s.state || ' ' || s.n, ', ' ORDER BY s.n DESC, s.state),
                   coalesce(sum(s.n) FILTER (WHERE s.state = 'crash'), 0),
                   coalesce(sum(s.n) FILTER (WHERE s.state !~ '^[0-9A-Z]{5}$'), 0)
              FROM (SELECT r.role, c.func, r.state, count(*) AS n FROM crashwalk.runs r JOIN crashwalk.cases c ON c.id = r.case_id
                     GROUP BY 1, 2, 3) AS s
              JOIN crashwalk.roles ro ON ro.role = s.role
             GROUP BY 1, 2, 3 ORDER BY s.role <> 'postgres', s.role, s.func::text" -F '|')

# Nothing skipped: every function of the schema was run by the superuser, and every case by
# every role it is meant for.
missing=$(q "SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
              WHERE p.pronamespace = 'synapse'::regnamespace
                AND NOT EXISTS (SELECT 1 FROM crashwalk.cases c JOIN crashwalk.runs r ON r.case_id = c.id
                                 WHERE c.func = p.oid AND r.role = 'postgres' AND r.state NOT IN ('not run', 'crash'))")
is "$missing" "" "the superuser ran every function and procedure of schema synapse"
is "$(q "SELECT count(*) FROM crashwalk.roles r, crashwalk.pending(r.role)")" 0 "every role ran every case meant for it"

is "$(q "SELECT pg_postmaster_start_time()")" "$start_time" "the postmaster was not restarted"
is "$(checkpointer)" "$first_checkpointer" "the server did not reinitialise after a crash (the checkpointer's pid)"
is "$(crash_lines "$log_start" | grep -c 'terminated by' || true)" 0 "no 'terminated by signal' in the server log since the start"

echo "# runtime $((SECONDS - started)) s (generating the cases $generated s); cases per role:"
q "SELECT '#   ' || ro.role || ' (' || ro.label || '): ' || count(r.*) FROM crashwalk.roles ro
     LEFT JOIN crashwalk.runs r ON r.role = ro.role GROUP BY ro.role, ro.label ORDER BY 1"
done_testing
