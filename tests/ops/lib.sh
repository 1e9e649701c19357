# Shared by tests/ops/*.t (run by tests/ops/run.sh, which starts the primary and exports
# the OPS_* ports): the TAP helpers of tests/e2e/lib.sh against the primary, and a client
# for each server.
SYNAPSE_TEST_PORT=${OPS_PRIMARY_PORT:?run through tests/ops/run.sh}
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

# on PORT [psql args...]: quiet, stop on error, unaligned tuples-only, database synapse.
on() { local port=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$port" -U postgres -d synapse "$@"; }
primary() { on "$OPS_PRIMARY_PORT" "$@"; }

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND once a second until it succeeds.
wait_for() {
  local what=$1 limit=$2; shift 2
  for _ in $(seq "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "# timed out after ${limit}s waiting for $what" >&2
  return 1
}

# user_of N / dept_of N: the load data's user N and their department (tests/ops/load/setup.sql).
user_of() { primary -c "SELECT md5('load:user:$1')::uuid"; }
dept_of() { primary -c "SELECT md5('load:dept:' || (($1 - 1) % 20 + 1))::uuid"; }

# sqlstate_of_port PORT SQL: the SQLSTATE SQL fails with on database synapse there ("" = none).
sqlstate_of_port() {
  local out
  if out=$(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -h 127.0.0.1 -p "$1" -U postgres -d synapse -c "$2" 2>&1); then
    echo ""
  else
    sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1
  fi
}
