#!/usr/bin/env bash
# make test-dates (issue 27): the tests whose outcome could depend on today's date run on
# hard dates. For each date a fresh scratch cluster (.cluster/dates) is made in the date's
# time zone and started under libfaketime (Debian package faketime) on a clock that reads
# the date and runs on from there; the test scripts, psql and date run on the same clock.
# A relative FAKETIME offset, not "@date": with "@" every new process (each psql, each
# date) would start again at the date. Expects the extension installed (make install).
#
#   tests/dates/run.sh        every date below, one after the other
#   SYNAPSE_DATES='2027-02-28T12:00:00Z UTC 40_partman; ...' tests/dates/run.sh
#
# Port: SYNAPSE_DATES_PORT (default 25390). PG_BIN as for scripts/cluster.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
port=${SYNAPSE_DATES_PORT:-25390}
libfaketime=${SYNAPSE_LIBFAKETIME:-/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1}
. "$root/scripts/privileges.sh"

# INSTANT ZONE TESTS: the instant (UTC) the clock starts at, the cluster's and the scripts'
# time zone, the tests of tests/e2e in order. The tests that compute something from the
# clock: 40_partman (calendar months, the retention, the months made ahead) and
# 20_generation (overdue templates, an edit of a due template, a run as of now());
# 22_pg_cron (pg_cron's minute) needs up to a minute, so it runs once, into the new year.
# The other tests read the clock only for values they compare with the same clock. A clock
# change comes 10 s after the start, while the tests run.
default_dates="
2026-12-01T00:00:30Z UTC 40_partman 20_generation
2027-02-28T12:00:00Z UTC 40_partman 20_generation
2026-12-31T23:59:30Z UTC 40_partman 20_generation 22_pg_cron
2028-02-29T12:00:00Z UTC 40_partman 20_generation
2027-03-14T06:59:50Z America/New_York 40_partman 20_generation
2026-11-01T05:59:50Z America/New_York 40_partman 20_generation
2027-03-28T00:59:50Z Europe/Berlin 40_partman 20_generation
2026-10-25T00:59:50Z Europe/Berlin 40_partman 20_generation"

# one_date INSTANT ZONE TESTS...: the tests on a fresh cluster whose clock starts at INSTANT.
one_date() {
  local instant=$1 zone=$2 target tests=()
  shift 2
  for t in "$@"; do tests+=("tests/e2e/$t.t"); done
  target=$(date -u -d "$instant" +%s)
  export PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin} TZ=$zone
  # initdb takes the time zone from TZ; it runs on the real clock, so that the server's
  # clock below starts at the instant itself.
  "$root/scripts/cluster.sh" destroy dates
  "$root/scripts/cluster.sh" start dates "$port" >/dev/null
  "$root/scripts/cluster.sh" stop dates
  export LD_PRELOAD=$libfaketime FAKETIME_DONT_FAKE_MONOTONIC=1
  FAKETIME=$(printf '%+d' $((target - $(date +%s))))
  export FAKETIME SYNAPSE_TEST_PORT=$port SYNAPSE_TEST_CLUSTER=dates SYNAPSE_DATE_TARGET=$target SYNAPSE_DATE_ZONE=$zone
  "$root/scripts/cluster.sh" start dates "$port"
  trap '"$root/scripts/cluster.sh" stop dates' EXIT
  cd "$root"
  prove --timer --failures --comments tests/dates/clock.t "${tests[@]}"
}
if [ "${1:-}" = --one ]; then shift; one_date "$@"; exit; fi

[ -r "$libfaketime" ] || { echo "test-dates: $libfaketime missing (apt-get install faketime; make setup does)" >&2; exit 1; }
# libfaketime leaves a small shared memory segment in /dev/shm for a process that ends by
# exec or a signal; those of this run's processes are removed again at the end.
since=$(mktemp)
cleanup() {
  local f pid
  for f in $(find /dev/shm -maxdepth 1 \( -name 'faketime_shm_*' -o -name 'sem.faketime_sem_*' \) -newer "$since" 2>/dev/null); do
    pid=${f##*_}
    [ -d "/proc/$pid" ] || as_root rm -f "$f"
  done
  rm -f "$since"
}
trap cleanup EXIT

passed=0 failed=()
while IFS= read -r line; do
  read -r instant zone tests <<<"$line" || true
  [ -n "${instant:-}" ] || continue
  echo "# $(TZ=$zone date -d "$instant" '+%a %F %T %Z') ($zone): $tests"
  # shellcheck disable=SC2086 # the test names are words
  if "$0" --one "$instant" "$zone" $tests; then passed=$((passed + 1)); else failed+=("$instant $zone"); fi
done < <(tr ';' '\n' <<<"${SYNAPSE_DATES:-$default_dates}")
"$root/scripts/cluster.sh" destroy dates
for f in "${failed[@]}"; do echo "test-dates: failed on $f"; done
echo "test-dates: $passed dates passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
