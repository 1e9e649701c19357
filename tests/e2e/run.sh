#!/usr/bin/env bash
# End-to-end tests against a real scratch cluster (.cluster/e2e, port 25329, pg_cron
# preloaded): what a rolled-back #[pg_test] transaction cannot show (migrations up/down,
# roles and row-level security across connections, pg_cron). Expects the extension to be
# installed into the system PostgreSQL already (make test does that first).
#   tests/e2e/*.t    TAP scripts, run by prove (the psql tour through pg_regress: 01_regress.t)
#   tests/e2e/*.sql  pgTAP files, run by pg_prove on one migrated database (each file one
#                    transaction, rolled back)
#   tests/e2e/run.sh [prove options] [FILE...]   FILE: only these (.t by prove, .sql by pg_prove);
#                                                 none: every file of both kinds
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export SYNAPSE_TEST_PORT=${SYNAPSE_TEST_PORT:-25329} SYNAPSE_TEST_CLUSTER=${SYNAPSE_TEST_CLUSTER:-e2e}
"$root/scripts/cluster.sh" start "$SYNAPSE_TEST_CLUSTER" "$SYNAPSE_TEST_PORT"
trap '"$root/scripts/cluster.sh" stop "$SYNAPSE_TEST_CLUSTER"' EXIT
cd "$root"
status=0
options=() scripts=() pgtap=()
for arg in "$@"; do
  case "$arg" in
    *.t) scripts+=("$arg") ;;
    *.sql) pgtap+=("$arg") ;;
    *) options+=("$arg") ;;
  esac
done
if [ ${#scripts[@]} -eq 0 ] && [ ${#pgtap[@]} -eq 0 ]; then
  scripts=(tests/e2e/*.t) pgtap=(tests/e2e/*.sql)
fi
if [ ${#scripts[@]} -gt 0 ]; then
  prove --timer "${options[@]}" "${scripts[@]}" || status=1
fi

if [ ${#pgtap[@]} -gt 0 ]; then
  source tests/e2e/lib.sh
  db=synapse_e2e_pgtap
  pgtap_db "$db"
  pg_prove --timer -d "$db" "${pgtap[@]}" || status=1
  psql_db postgres -c "DROP DATABASE \"$db\" WITH (FORCE)"
fi
exit $status
