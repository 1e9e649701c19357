# Shared helpers for the end-to-end tests (tests/e2e/*.t). Each .t is an executable that
# prints TAP; `prove` runs them all (tests/e2e/run.sh). They talk to the scratch cluster that
# run.sh started: 127.0.0.1, port $SYNAPSE_TEST_PORT, superuser postgres.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PGHOST=127.0.0.1 PGPORT=${SYNAPSE_TEST_PORT:?run through tests/e2e/run.sh} PGUSER=postgres
export PGOPTIONS="--client-min-messages=warning"
_tap_n=0

# psql_db DB [psql args...]: quiet, stop on the first error, unaligned tuples-only output.
psql_db() { local db=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

# fresh_db NAME: drop and create an empty database NAME.
fresh_db() {
  psql_db postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}

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
