#!/usr/bin/env bash
# End-to-end tests against a real scratch cluster (.cluster/e2e, port 25329, pg_cron
# preloaded): what a rolled-back #[pg_test] transaction cannot show (migrations up/down,
# roles and row-level security across connections, pg_cron). Expects the extension to be
# installed into the system PostgreSQL already (make test does that first).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export SYNAPSE_TEST_PORT=${SYNAPSE_TEST_PORT:-25329} SYNAPSE_TEST_CLUSTER=${SYNAPSE_TEST_CLUSTER:-e2e}
"$root/scripts/cluster.sh" start "$SYNAPSE_TEST_CLUSTER" "$SYNAPSE_TEST_PORT"
trap '"$root/scripts/cluster.sh" stop "$SYNAPSE_TEST_CLUSTER"' EXIT
cd "$root"
prove --timer "$@" tests/e2e/*.t
