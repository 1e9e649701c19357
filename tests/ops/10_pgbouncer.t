#!/usr/bin/env bash
# PgBouncer in transaction mode (scripts/pgbouncer.sh, ops/pgbouncer/pgbouncer.ini) in front
# of the primary: its settings, TLS and SCRAM on both sides, its password lookup without a
# superuser, logins of roles made after it started, and the load run over TLS:
# $OPS_LOAD_CLIENTS (1,000) client connections at once, each running the Synapse work mix
# for $OPS_LOAD_SECONDS with users interleaved on the pooled server connections, every row
# checked against the user's department (tests/ops/load). A negative control first: the
# design's session-wide identity leaks, and the same checks catch it.
source "$(dirname "$0")/lib.sh"
BOUNCER=$OPS_PGBOUNCER_PORT
admin() { "$ROOT/scripts/pgbouncer.sh" admin ops-primary -q -At -c "$1"; }
config() { admin "SHOW CONFIG" | awk -F'|' -v k="$1" '$1 == k { print $2 }'; }

"$ROOT/scripts/pgbouncer.sh" start ops-primary "$OPS_PRIMARY_PORT" "$BOUNCER"
is "$("$ROOT/scripts/pgbouncer.sh" status ops-primary)" "ops-primary pgbouncer: running" "pgbouncer.sh start: running"
bouncer_pid() { pgrep -o -f "ops-primary/pgbouncer/pgbouncer.ini" || echo none; }
pid_before=$(bouncer_pid)
"$ROOT/scripts/pgbouncer.sh" start ops-primary "$OPS_PRIMARY_PORT" "$BOUNCER"
pid_after=$(bouncer_pid)
[ "$pid_before" != none ] && [ "$pid_after" = "$pid_before" ] && ok "starting it again is a no-op (the same process, $pid_before)" \
  || not_ok "starting it again is a no-op (the same process)" "before: $pid_before, after: $pid_after"
is "$(config pool_mode)|$(config default_pool_size)|$(config max_client_conn)|$(config listen_addr)" \
   "transaction|25|1200|127.0.0.1" "transaction mode, pool of 25, 1,200 clients, loopback only"

is "$(config auth_type)|$(config auth_user)|$(config client_tls_sslmode)|$(config server_tls_sslmode)" \
   "hba|pgbouncer_auth|require|verify-full" \
   "TLS required from clients, verify-full towards PostgreSQL; passwords looked up as pgbouncer_auth"

# TLS on both sides: psql sees TLS 1.2+ to PgBouncer, PostgreSQL sees it from PgBouncer.
conninfo=$(psql -X -w -At -h 127.0.0.1 -p "$BOUNCER" -U load_api_a -d synapse -c '\conninfo' 2>&1 || true)
[[ $conninfo =~ SSL\ connection\ \(protocol:\ TLSv1\.[23] ]] && ok "client to PgBouncer: $(grep -o 'protocol: TLSv1\.[23]' <<<"$conninfo")" \
  || not_ok "client to PgBouncer: TLS 1.2+" "$conninfo"
out=$(tls_of "$BOUNCER" load_api_a)
[[ $out =~ ^true\ TLSv1\.[23]$ ]] && ok "PgBouncer to PostgreSQL: ${out#true } (pg_stat_ssl)" || not_ok "PgBouncer to PostgreSQL: TLS 1.2+ (pg_stat_ssl)" "$out"
out=$(PGSSLMODE=disable psql -X -w -At -h 127.0.0.1 -p "$BOUNCER" -U load_api_a -d synapse -c "SELECT 1" 2>&1 || true)
[[ $out == *"SSL required"* ]] && ok "plain text to PgBouncer is refused (SSL required)" || not_ok "plain text to PgBouncer is refused" "$out"
out=$(PGPASSFILE=/dev/null PGPASSWORD=not-the-password psql -X -w -At -h 127.0.0.1 -p "$BOUNCER" -U load_api_a -d synapse -c "SELECT 1" 2>&1 || true)
[[ $out == *"authentication failed"* ]] && ok "a wrong password is refused by PgBouncer" || not_ok "a wrong password is refused by PgBouncer" "$out"
out=$(psql -X -w -At -h 127.0.0.1 -p "$BOUNCER" -U postgres -d pgbouncer -c "SHOW VERSION" 2>&1 || true)
[[ $out == *"login rejected"* ]] && ok "the admin console refuses TCP (only its socket, for the OS user postgres)" \
  || not_ok "the admin console refuses TCP" "$out"

# The lookup: a SECURITY DEFINER function owned by a NOLOGIN role that is no superuser,
# executable by pgbouncer_auth alone, with no secret of a superuser or a replication role.
is "$(primary -c "SELECT p.prosecdef || ' ' || r.rolname || ' ' || r.rolcanlogin || ' ' || r.rolsuper || ' '
                         || (SELECT string_agg(DISTINCT a.grantee::regrole::text, ',') FROM aclexplode(p.proacl) a
                              WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner)
                    FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE p.oid = 'pgbouncer.user_lookup(text)'::regprocedure")" \
   "true pgbouncer_lookup false false pgbouncer_auth" \
   "pgbouncer.user_lookup: SECURITY DEFINER, owned by pgbouncer_lookup (NOLOGIN, no superuser), EXECUTE for pgbouncer_auth only"
login_role synapse_replication --replication
lookup_as() { psql -X -w -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$OPS_PRIMARY_PORT" -U "$1" -d synapse -c "SELECT coalesce(left(secret, 14), 'none') FROM pgbouncer.user_lookup('$2')" 2>&1 || true; }
is "$(lookup_as pgbouncer_auth load_api_b)" 'SCRAM-SHA-256$' "pgbouncer_auth looks up an application login's SCRAM secret"
is "$(lookup_as pgbouncer_auth postgres)|$(lookup_as pgbouncer_auth synapse_replication)" "|" \
   "but not the superuser's nor a replication role's"
out=$(lookup_as load_api_a load_api_b)
[[ $out == *"42501"*"permission denied for schema pgbouncer"* ]] && ok "an application login may not call it (42501)" \
  || not_ok "an application login may not call it (42501)" "$out"

primary -c "DROP ROLE IF EXISTS ops_t10_late"
login_role ops_t10_late synapse_app
is "$(psql -X -w -At -h 127.0.0.1 -p "$BOUNCER" -U ops_t10_late -d synapse -c "SELECT current_user" 2>&1)" ops_t10_late \
   "a LOGIN role created after PgBouncer started logs in through it (auth_query)"
out=$(PGPASSWORD=some-password psql -X -w -At -h 127.0.0.1 -p "$BOUNCER" -U ops_t10_nobody -d synapse -c "SELECT 1" 2>&1 || true)
case "$out" in *"no such user"*) ok "an unknown role is refused (auth_query finds no row)" ;; *) not_ok "an unknown role is refused" "$out" ;; esac
# Password rotation: PgBouncer looks the new secret up at the next login; the old password
# is refused from then on.
old=$("$ROOT/scripts/cluster.sh" passwords ops-primary | awk '$1 == "ops_t10_late" { print $2 }')
"$ROOT/scripts/cluster.sh" password ops-primary ops_t10_late
is "$(psql -X -w -At -h 127.0.0.1 -p "$BOUNCER" -U ops_t10_late -d synapse -c "SELECT current_user" 2>&1)" ops_t10_late \
   "after a password rotation (cluster.sh password) the new password logs in through PgBouncer"
out=$(PGPASSFILE=/dev/null PGPASSWORD=$old psql -X -w -At -h 127.0.0.1 -p "$BOUNCER" -U ops_t10_late -d synapse -c "SELECT 1" 2>&1 || true)
[[ $out == *"authentication failed"* ]] && ok "and the old one is refused" || not_ok "and the old one is refused" "$out"
primary -c "DROP ROLE ops_t10_late"

# Prepared statements: pgbench's unnamed extended protocol works through PgBouncer 1.18 in
# transaction mode, its named statements (-M prepared) break as soon as a client's next
# transaction lands on another server connection.
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
probe() { "$PGBENCH" -n -M "$1" -c 40 -j 2 -T 3 -f "$ROOT/tests/ops/load/prepared_probe.pgbench" \
            -h 127.0.0.1 -p "$BOUNCER" -U load_api_a synapse 2>&1; }
out=$(probe extended) && ok "pgbench -M extended (unnamed statements), 40 clients: no error" \
  || not_ok "pgbench -M extended (unnamed statements), 40 clients: no error" "$(grep -m3 error <<<"$out")"
out=$(probe prepared) && not_ok "pgbench -M prepared fails through PgBouncer" "$out" \
  || { grep -qE 'prepared statement "P_[0-9]+" (already exists|does not exist)' <<<"$out" \
       && ok "pgbench -M prepared fails through PgBouncer: $(grep -oE -m1 'prepared statement "P_[0-9]+" (already exists|does not exist)' <<<"$out")" \
       || not_ok "pgbench -M prepared fails with a prepared-statement error" "$(grep -m3 error <<<"$out")"; }

# The design's session-wide identity (SET, not SET LOCAL) would stay on the server connection
# for the next client's transaction without a user (the leak checks find that); the
# identity settings are the extension's, so every attempt is refused and nothing leaks.
control=$("$OPS_LOAD_BIN" -port "$BOUNCER" -clients 40 -duration 3s -leaky-identity 2>&1) && control_ok=1 || control_ok=0
refused=$(grep -o 'session_identity_refused=[0-9]*' <<<"$control" | cut -d= -f2)
if [ "$control_ok" = 1 ] && [ "${refused:-0}" -gt 0 ] && [[ $control == *" leaks=0 "* ]]; then
  ok "a session-wide identity is refused ($refused times, 42501) and nothing leaks"
else not_ok "a session-wide identity is refused and nothing leaks" "$control"; fi

# Transaction mode runs no reset query between clients: the control's session settings are
# still on the server connections. A restart closes them.
"$ROOT/scripts/pgbouncer.sh" stop ops-primary
"$ROOT/scripts/pgbouncer.sh" start ops-primary "$OPS_PRIMARY_PORT" "$BOUNCER"

# The load run, observed from PgBouncer (clients) and PostgreSQL (server connections).
obs=$(mktemp)
(
  for _ in $(seq $((OPS_LOAD_SECONDS + 30))); do
    clients=$(admin "SHOW POOLS" | awk -F'|' '$1 == "synapse" && $2 ~ /^load_api_/ { n += $3 + $4 } END { print n + 0 }')
    servers=$(primary -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE s.ssl AND s.version IN ('TLSv1.2', 'TLSv1.3'))
                            FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename LIKE 'load\_api\_%'")
    # SHOW CLIENTS' tls column: protocol/cipher of each client's TLS connection.
    tls_clients=$(admin "SHOW CLIENTS" | awk -F'|' '$2 ~ /^load_api_/ && $17 ~ /^TLSv1\.[23]\// { n++ } END { print n + 0 }')
    echo "$clients $servers $tls_clients" >>"$obs"
    sleep 1
  done
) &
observer=$!
before=$(primary -c "SELECT count(*) FROM synapse.tasks WHERE title LIKE 'Load task %'")
set +e
summary=$("$OPS_LOAD_BIN" -port "$BOUNCER" -clients "$OPS_LOAD_CLIENTS" -duration "${OPS_LOAD_SECONDS}s" -hold 3s 2>"$obs.err")
rc=$?
set -e
kill "$observer" 2>/dev/null; wait "$observer" 2>/dev/null || true
echo "# $summary"
sed 's/^/# /' "$obs.err" | head -10
field() { grep -o "\b$1=[0-9.]*" <<<"$summary" | cut -d= -f2; }
is "$rc" 0 "the load run passes its own checks (exit 0)"
is "$(field connected)|$(field tls)" "$OPS_LOAD_CLIENTS|$OPS_LOAD_CLIENTS" "$OPS_LOAD_CLIENTS client connections open at once, all with TLS"
is "$(field unexpected_errors)|$(field leaks)|$(field connect_errors)" "0|0|0" "zero unexpected errors, zero rows outside the user's department"
[ "$(field bad_pattern_22023)" -gt 0 ] && ok "the bad pattern came back as 22023 every time ($(field bad_pattern_22023) times)" \
  || not_ok "the bad pattern came back as 22023" "$summary"
[ "$(field rows_checked)" -gt 1000 ] && ok "rows were seen and checked ($(field rows_checked))" || not_ok "rows were seen and checked" "$summary"
max_clients=$(sort -n -k1 "$obs" | tail -1 | cut -d' ' -f1)
max_servers=$(sort -n -k2 -t' ' "$obs" | tail -1 | cut -d' ' -f2)
max_tls_clients=$(sort -n -k4 -t' ' "$obs" | tail -1 | cut -d' ' -f4)
[ "${max_clients:-0}" -ge "$OPS_LOAD_CLIENTS" ] && ok "PgBouncer held $max_clients clients at once" \
  || not_ok "PgBouncer held all clients at once" "max seen: $max_clients"
[ "${max_tls_clients:-0}" -ge "$OPS_LOAD_CLIENTS" ] && ok "each of them over TLS 1.2+ (SHOW CLIENTS: $max_tls_clients)" \
  || not_ok "each client over TLS 1.2+ (SHOW CLIENTS)" "max seen: $max_tls_clients"
is "$(awk '$2 > 0 && $3 != $2 { n++ } END { print n + 0 }' "$obs")" 0 \
   "PgBouncer's server connections: TLS 1.2+ every time they were looked at (pg_stat_ssl)"
[ "${max_servers:-99}" -le 30 ] && ok "over at most $max_servers server connections (max_db_connections 30)" \
  || not_ok "over at most 30 server connections" "max seen: $max_servers"
echo "# connections: $max_clients clients over at most $max_servers server connections"
rm -f "$obs" "$obs.err"

# The tasks the load created are in their creator's department, with their assignee there.
after=$(primary -c "SELECT count(*) FROM synapse.tasks WHERE title LIKE 'Load task %'")
is "$((after - before))" "$(field tasks_created)" "every task the clients created is there"
is "$(primary -c "SELECT count(*) FROM synapse.tasks t JOIN synapse.users u ON u.id = t.creator_id
                   LEFT JOIN synapse.task_assignees a ON (a.department_id, a.task_id) = (t.department_id, t.id)
                  WHERE t.title LIKE 'Load task %' AND (t.department_id <> u.department_id OR a.user_id IS DISTINCT FROM u.id)")" 0 \
   "each in its creator's department, assigned to its creator"

"$ROOT/scripts/pgbouncer.sh" stop ops-primary
is "$("$ROOT/scripts/pgbouncer.sh" status ops-primary)" "ops-primary pgbouncer: stopped" "pgbouncer.sh stop: stopped"
done_testing
