# Shared helpers for the end-to-end tests (tests/e2e/*.t). Each .t is an executable that
# prints TAP; `prove` runs them all (tests/e2e/run.sh), which then runs the pgTAP files
# tests/e2e/*.sql (11_constraints, 12_rls, 30_counters, 32_search; each one transaction,
# rolled back, with its own fixture and the helpers of data/pgtap_helpers.sql, acting as
# members of synapse_app and synapse_readonly through pg_temp.act_as) with pg_prove on a
# database made by pgtap_db. A .t keeps what needs connections or transactions of its own
# (COMMIT, ROLLBACK, concurrent sessions, what a client sees). They talk to the scratch cluster that
# run.sh started: its name (for scripts/cluster.sh) is $SYNAPSE_TEST_CLUSTER, its port
# $SYNAPSE_TEST_PORT; psql is the superuser postgres over the cluster's socket, and a login
# role (login_role) over the socket or TLS with its recorded password
# (scripts/cluster.sh env: PGHOST, PGPASSFILE, PGSSLMODE=verify-full, PGSSLROOTCERT).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${SYNAPSE_TEST_PORT:?run through tests/e2e/run.sh}"
export SYNAPSE_TEST_CLUSTER=${SYNAPSE_TEST_CLUSTER:-e2e}
eval "$("$ROOT/scripts/cluster.sh" env "$SYNAPSE_TEST_CLUSTER" "$SYNAPSE_TEST_PORT")"
export PGOPTIONS="--client-min-messages=warning"
_tap_n=0

# psql_db DB [psql args...]: quiet, stop on the first error, unaligned tuples-only output.
psql_db() { local db=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

# fresh_db NAME: drop and create an empty database NAME.
fresh_db() {
  psql_db postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}

# without_positions [TABLE]: a catalog fingerprint (tests/e2e/data/catalog_fingerprint.sql)
# on stdin without the positions of TABLE's columns (all of it without TABLE). Migration
# 19's down gives tasks.search_vector its generation expression back, which PostgreSQL 15
# can do only by adding the column again: it comes back as the table's last column. A
# database that went through that down compares with others this way; every other fact,
# the column's own definition included, still counts.
without_positions() { if [ -z "${1:-}" ]; then cat; else sed -E "s/^(column ${1//./\\.}) [0-9]+ /\1 /" | sort; fi; }

ok()     { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }
not_ok() { _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $1"; [ $# -lt 2 ] || printf '#   %s\n' "${@:2}"; }
done_testing() { echo "1..$_tap_n"; }

# is GOT EXPECTED DESCRIPTION
is() {
  if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got:      $1" "expected: $2"; fi
}

# sqlstate_of DB SQL: runs SQL and prints the SQLSTATE it fails with ("" when it succeeds).
sqlstate_of() {
  local out
  if out=$(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -d "$1" -c "$2" 2>&1); then
    echo ""
  else
    sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1
  fi
}

# pgtap_db DB: a fresh database DB, migrated, with pgTAP in schema tap (apart from synapse),
# for the pgTAP files that pg_prove runs (tests/e2e/run.sh).
pgtap_db() {
  fresh_db "$1"
  "$ROOT/scripts/migrate.sh" --db "$1" up 2>/dev/null
  psql_db "$1" -c "CREATE SCHEMA tap" -c "CREATE EXTENSION pgtap SCHEMA tap"
}

# login_role ROLE [GROUP...]: ROLE made a LOGIN role of the test cluster, member of each
# GROUP, with a random password recorded in the passfile (scripts/cluster.sh login).
login_role() { "$ROOT/scripts/cluster.sh" login "$SYNAPSE_TEST_CLUSTER" "$@"; }

# rls_db DB API_ROLE REPORT_ROLE: a fresh database DB, migrated, with the seed data, and the
# LOGIN roles API_ROLE (in synapse_app) and REPORT_ROLE (in synapse_readonly), made anew.
rls_db() {
  fresh_db "$1"
  psql_db postgres -c "DROP ROLE IF EXISTS $2" -c "DROP ROLE IF EXISTS $3"
  "$ROOT/scripts/migrate.sh" --db "$1" up 2>/dev/null
  psql_db "$1" -1 -f "$ROOT/sql/seed/dev_seed.sql" >/dev/null
  login_role "$2" synapse_app
  login_role "$3" synapse_readonly
}

# login_as DB ROLE USER_UUID SQL [END]: one transaction of login ROLE acting for USER_UUID
# ("" = no set_current_user), ending with END (COMMIT by default). Prints SQL's output.
login_as() {
  local pre=""
  [ -z "$3" ] || pre="SELECT synapse.set_current_user('$3') \\g /dev/null"
  printf 'BEGIN;\n%s\n%s;\n%s;\n' "$pre" "$4" "${5:-COMMIT}" |
    psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -d "$1" -U "$2" 2>&1
}
# login_state DB ROLE USER_UUID SQL [END]: the SQLSTATE that transaction fails with ("" = none).
login_state() {
  local out
  if out=$(login_as "$@"); then echo ""; else sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1; fi
}

# tour_matches DB WHERE SETUP_SQL...: PostgreSQL's own pg_regress, against this cluster
# (--use-existing). Each tests/sql/NAME.sql (the psql tour) runs in a fresh database DB made
# by the SETUP_SQL statements, and its whole output (results and error texts) must equal
# tests/expected/NAME.out ("... on WHERE matches ..."; a failure shows pg_regress's diff).
# SYNAPSE_REGRESS_UPDATE=1 rewrites the expected files instead; PG_REGRESS names another
# pg_regress (default: the one of $PG_CONFIG, or of the pg_config on the PATH).
tour_matches() {
  local db=$1 where=$2 sql name setup out shown pg_regress
  shift 2
  pg_regress=${PG_REGRESS:-$("${PG_CONFIG:-pg_config}" --pkglibdir)/pgxs/src/test/regress/pg_regress}
  for sql in "$ROOT"/tests/sql/*.sql; do
    name=$(basename "$sql" .sql)
    fresh_db "$db"
    for setup in "$@"; do psql_db "$db" -c "$setup"; done
    out=$(mktemp -d)
    if "$pg_regress" --use-existing ${PGHOST:+--host="$PGHOST"} ${PGPORT:+--port="$PGPORT"} --user="${PGUSER:-postgres}" \
         --inputdir="$ROOT/tests" --outputdir="$out" --dbname="$db" "$name" >"$out/stdout" 2>&1; then
      ok "tests/sql/$name.sql on $where matches tests/expected/$name.out (pg_regress)"
    else
      not_ok "tests/sql/$name.sql on $where matches tests/expected/$name.out (pg_regress)"
      shown=$out/regression.diffs; [ -s "$shown" ] || shown=$out/stdout
      sed 's/^/#   /' "$shown" | head -80
    fi
    if [ "${SYNAPSE_REGRESS_UPDATE:-0}" = 1 ] && [ -f "$out/results/$name.out" ]; then
      cp "$out/results/$name.out" "$ROOT/tests/expected/$name.out"
    fi
    rm -rf "$out"
  done
}
