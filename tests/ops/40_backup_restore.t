#!/usr/bin/env bash
# Backup and restore (scripts/backup.sh, make backup / make restore): the primary's
# database synapse, dumped after the load run, restored into a fresh cluster
# (.cluster/ops-restore); every row of every synapse table, the extensions, the roles'
# memberships and grants, the policies and row-level security at work, as on the primary.
# The roles come without passwords (pg_dumpall --no-role-passwords): the logins get theirs
# again from the recorded ones (scripts/cluster.sh passwords --apply), as after make restore.
source "$(dirname "$0")/lib.sh"
restored() { on ops-restore "$@"; }
both_equal() {  # both_equal DESCRIPTION SQL
  local a b
  a=$(primary -c "$2"); b=$(restored -c "$2")
  if [ "$a" = "$b" ] && [ -n "$a" ]; then ok "$1"
  else not_ok "$1" "primary (-) against restored (+):" "$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -20)"; fi
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

dump=$("$ROOT/scripts/backup.sh" dump "$OPS_PRIMARY_PORT" "$dir")
[ -s "$dump" ] && [ -s "${dump%.dump}.roles.sql" ] && ok "backup.sh dump wrote $(basename "$dump") and its roles file" \
  || not_ok "backup.sh dump wrote the dump and its roles file"
grep -qi 'password' "${dump%.dump}.roles.sql" && not_ok "the roles file holds no password" || ok "the roles file holds no password"

"$ROOT/scripts/cluster.sh" destroy ops-restore
"$ROOT/scripts/cluster.sh" start ops-restore "$OPS_RESTORE_PORT"
# The superuser reaches the copy over its socket.
restore() { PGHOST="$WORK/ops-restore" "$ROOT/scripts/backup.sh" restore "$OPS_RESTORE_PORT" "$dump"; }
restore && ok "backup.sh restore into a fresh cluster" || not_ok "backup.sh restore into a fresh cluster"
out=$(restore 2>&1) && not_ok "a second restore over it is refused" \
  || { [[ $out == *"has a synapse schema"* ]] && ok "a second restore over it is refused" || not_ok "a second restore over it is refused" "$out"; }

# Every row: each synapse table's rows in a canonical order, hashed.
tables=$(primary -c "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class WHERE relnamespace = 'synapse'::regnamespace AND relkind IN ('r', 'p')")
for t in $tables; do
  both_equal "table $t: same rows" "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '-') FROM synapse.$t x"
done
both_equal "schema_migrations: same version" "SELECT version || ' ' || dirty FROM public.schema_migrations"
both_equal "extensions and their versions" "SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname) FROM pg_extension"
both_equal "pg_cron's job" "SELECT coalesce(string_agg(jobname || ' ' || schedule || ' ' || command, '; ' ORDER BY jobname), 'none') FROM cron.job"
both_equal "group memberships of the synapse roles" \
  "SELECT string_agg(r.rolname || ' in ' || g.rolname, ', ' ORDER BY r.rolname, g.rolname) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
    WHERE g.rolname LIKE 'synapse\_%' OR g.rolname = 'pg_read_all_stats'"
both_equal "LOGIN roles can still log in" "SELECT string_agg(rolname || ' ' || rolcanlogin, ', ' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'load\_%' OR rolname LIKE 'synapse\_%'"
# Grants as they take effect: an ACL equal to the owner's default (a table whose grants were
# all revoked again, as migration 10 does for search_words) is dumped as no ACL at all.
both_equal "grants on every synapse relation" \
  "SELECT string_agg(c.relname || ' ' || coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))::text || ' ' || pg_get_userbyid(c.relowner), E'\n' ORDER BY c.relname) FROM pg_class c WHERE c.relnamespace = 'synapse'::regnamespace"
both_equal "grants on every synapse function" \
  "SELECT string_agg(p.oid::regprocedure::text || ' ' || coalesce(p.proacl, acldefault('f', p.proowner))::text || ' ' || pg_get_userbyid(p.proowner), E'\n' ORDER BY p.oid::regprocedure::text) FROM pg_proc p WHERE p.pronamespace = 'synapse'::regnamespace"
both_equal "schema and database grants and settings" \
  "SELECT n.nspacl::text || ' ' || pg_get_userbyid(n.nspowner) || ' ' || coalesce((SELECT string_agg(s, ',') FROM pg_db_role_setting r, unnest(r.setconfig) s WHERE r.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())), '') FROM pg_namespace n WHERE n.nspname = 'synapse'"
both_equal "row-level security enabled on the same tables" \
  "SELECT string_agg(relname || ' ' || relrowsecurity || ' ' || relforcerowsecurity, ', ' ORDER BY relname) FROM pg_class WHERE relnamespace = 'synapse'::regnamespace AND relkind = 'r'"
both_equal "the same policies" \
  "SELECT string_agg(tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, ''), E'\n' ORDER BY tablename, policyname) FROM pg_policies WHERE schemaname = 'synapse'"

# The logins on the copy: no password until they get theirs again.
out=$(psql -X -w -At -h 127.0.0.1 -p "$OPS_RESTORE_PORT" -U load_api_b -d synapse -c "SELECT 1" 2>&1 || true)
[[ $out == *"password authentication failed"* ]] && ok "a restored login has no password (it cannot log in yet)" \
  || not_ok "a restored login has no password (it cannot log in yet)" "$out"
"$ROOT/scripts/cluster.sh" passwords ops-restore --apply >/dev/null
is "$(restored -c "SELECT count(*) FROM pg_authid WHERE rolname IN ('load_api_b', 'ops_monitor') AND rolpassword LIKE 'SCRAM-SHA-256\$%'")" 2 \
   "cluster.sh passwords --apply gives them their recorded passwords again"

# Row-level security at work on the restored copy: a member sees her department only.
U=$(user_of 11); D=$(dept_of 11)
rls="BEGIN; SELECT synapse.set_current_user('$U') \\g /dev/null
SELECT count(*) || ' ' || count(*) FILTER (WHERE department_id <> '$D') FROM synapse.tasks; COMMIT;"
p=$(psql -X -w -q -At -h 127.0.0.1 -p "$OPS_PRIMARY_PORT" -U load_api_b -d synapse <<<"$rls")
r=$(psql -X -w -q -At -h 127.0.0.1 -p "$OPS_RESTORE_PORT" -U load_api_b -d synapse <<<"$rls")
is "$r" "$p" "an application login acting for a user sees the same tasks on the copy"
[[ $r == *" 0" && $r != "0 0" ]] && ok "all of them in her department ($r)" || not_ok "all of them in her department" "$r"
is "$(psql -X -w -q -At -h 127.0.0.1 -p "$OPS_RESTORE_PORT" -U load_api_b -d synapse -c "SELECT count(*) FROM synapse.tasks")" 0 \
   "without a user it sees nothing"
is "$(psql -X -w -q -At -h 127.0.0.1 -p "$OPS_RESTORE_PORT" -U ops_monitor -d synapse -c "SELECT count(*) FROM synapse.monitoring_alerts")" 7 \
   "the monitoring login reads the monitoring views on the copy"

# The copy works: the extension answers and generation runs there.
is "$(restored -c "SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\"}', '2026-01-01 10:00+00')")" \
   "2026-01-02 10:00:00+00" "the extension answers on the copy"
is "$(restored -c "SELECT tasks_failed FROM synapse.generate_recurring_tasks()")" 0 "generation runs on the copy"

"$ROOT/scripts/cluster.sh" stop ops-restore
done_testing
