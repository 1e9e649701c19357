# Shared helpers of the security tests (tests/security/*.t, run by tests/security/run.sh):
# the end-to-end helpers (tests/e2e/lib.sh: psql_db, fresh_db, is, ok, not_ok, ...) plus a
# database behind the wall with a LOGIN member of each group, and transactions acting for a
# Synapse user in either identity mode:
#   trusted  synapse.set_current_user(uuid): the application is trusted to name the user;
#   signed   synapse.identity_require_token = on: only synapse.set_current_user_token(jwt)
#            with an EdDSA token signed by a key of synapse.identity_keys sets the identity.
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/jwt.sh"

# wall_db DB MODE: a fresh database DB, migrated (SYNAPSE_MIGRATIONS_DIR, default
# sql/migrations) and seeded, and the LOGIN roles
# ${DB}_app (synapse_app), _report (synapse_readonly), _monitor (synapse_monitoring),
# _worker (synapse_worker), made anew. MODE signed: tokens required, a key made in $KEYS.
wall_db() {
  local db=$1 r
  MODE=$2 DB=$db KEYS=$(mktemp -d)
  APP=${db}_app REPORT=${db}_report MONITOR=${db}_monitor WORKER=${db}_worker
  fresh_db "$db"
  "$ROOT/scripts/migrate.sh" --db "$db" --dir "${SYNAPSE_MIGRATIONS_DIR:-$ROOT/sql/migrations}" up 2>/dev/null
  psql_db "$db" -1 -f "$ROOT/sql/seed/dev_seed.sql" >/dev/null
  for r in "$APP:synapse_app" "$REPORT:synapse_readonly" "$MONITOR:synapse_monitoring" "$WORKER:synapse_worker"; do
    psql_db postgres -c "DROP ROLE IF EXISTS ${r%%:*}"
    login_role "${r%%:*}" "${r#*:}"
  done
  if [ "$MODE" = signed ]; then
    psql_db postgres -c "ALTER DATABASE \"$db\" SET synapse.identity_keys = '$(jwt_keygen "$KEYS" wall)'" \
                     -c "ALTER DATABASE \"$db\" SET synapse.identity_require_token = on"
  fi
}

# wall_db_drop: the database, its roles and the key.
wall_db_drop() {
  psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
  psql_db postgres -c "DROP ROLE IF EXISTS $APP" -c "DROP ROLE IF EXISTS $REPORT" \
                   -c "DROP ROLE IF EXISTS $MONITOR" -c "DROP ROLE IF EXISTS $WORKER"
  rm -rf "$KEYS"
}

# identity_sql USER_UUID: the statement that makes USER_UUID the current user in this mode.
identity_sql() {
  if [ "$MODE" = signed ]; then
    echo "SELECT synapse.set_current_user_token('$(jwt_mint "$KEYS" wall "$1")')"
  else
    echo "SELECT synapse.set_current_user('$1')"
  fi
}

# as ROLE USER_UUID SQL [END]: one transaction of login ROLE acting for USER_UUID ("" = no
# identity), ending with END (COMMIT by default); prints SQL's output, or the error.
as() {
  local pre=""
  [ -z "$2" ] || pre="$(identity_sql "$2") \\g /dev/null"
  printf 'BEGIN;\n%s\n%s;\n%s;\n' "$pre" "$3" "${4:-COMMIT}" |
    psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -d "$DB" -U "$1" 2>&1
}
# state ROLE USER_UUID SQL [END]: the SQLSTATE that transaction fails with ("" = none).
state() {
  local out
  if out=$(as "$@"); then echo ""; else sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1; fi
}
# refused ROLE USER SQL SQLSTATE DESCRIPTION: SQL fails with SQLSTATE (and is rolled back).
refused() { is "$(state "$1" "$2" "$3" ROLLBACK)" "$4" "$5 ($4)"; }
# changed ROLE USER SQL: how many rows a data-changing SQL affected (rolled back).
changed() { as "$1" "$2" "WITH x AS ($3 RETURNING 1) SELECT count(*) FROM x" ROLLBACK; }
# q SQL: as the superuser.
q() { psql_db "$DB" -c "$1"; }
