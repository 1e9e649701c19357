# Shared by tests/ops/*.t (run by tests/ops/run.sh, which starts the primary and exports
# the OPS_* ports): the TAP helpers of tests/e2e/lib.sh against the primary (psql: the
# superuser over its socket; login roles over TLS with their recorded passwords), and a
# client for each server.
SYNAPSE_TEST_PORT=${OPS_PRIMARY_PORT:?run through tests/ops/run.sh} SYNAPSE_TEST_CLUSTER=ops-primary
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
WORK=$("$ROOT/scripts/pg-workdir.sh")
# The clusters run.sh and the tests start, by name: the superuser reaches each over the
# socket in its own directory.
declare -A OPS_PORT=([ops-primary]=$OPS_PRIMARY_PORT [ops-standby]=$OPS_STANDBY_PORT [ops-restore]=$OPS_RESTORE_PORT
                     [ops-archive]=$OPS_ARCHIVE_PORT [ops-pitr]=$OPS_PITR_PORT)

# on NAME [psql args...]: the superuser on cluster NAME, quiet, stop on error, unaligned
# tuples-only, database synapse.
on() { local name=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -At -h "$WORK/$name" -p "${OPS_PORT[$name]}" -U postgres -d synapse "$@"; }
primary() { on ops-primary "$@"; }

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

# sqlstate_on NAME SQL: the SQLSTATE SQL fails with on database synapse of cluster NAME ("" = none).
sqlstate_on() {
  local out
  if out=$(on "$1" -v VERBOSITY=verbose -c "$2" 2>&1); then
    echo ""
  else
    sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1
  fi
}

# tls_of PORT ROLE: "ssl version" of a connection as login ROLE over TCP to PORT (PostgreSQL,
# or PgBouncer, where the version is that of PgBouncer's connection to PostgreSQL).
tls_of() {
  psql -X -w -At -h 127.0.0.1 -p "$1" -U "$2" -d synapse \
    -c "SELECT ssl || ' ' || version FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>&1 || true
}
