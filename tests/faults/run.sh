#!/usr/bin/env bash
# Faults on one node (make test-faults): each test hurts a scratch cluster (.cluster/faults,
# port SYNAPSE_FAULTS_PORT, default 25335, pg_cron preloaded) the way production can be
# hurt, then checks that nothing acknowledged is lost and nothing is made twice:
#   10_disk_full.t         the tasks' tablespace fills up during a generation run
#   20_migration_killed.t  a migration killed half-way (its backend, then its client)
# The Citus faults (a worker or the coordinator killed, a worker away) run inside the Citus
# check (tests/citus/faults.sh). Needs root (or sudo) to mount a small tmpfs. Expects the
# extension installed into the system PostgreSQL (make test-faults does that first).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export SYNAPSE_TEST_PORT=${SYNAPSE_FAULTS_PORT:-25335} SYNAPSE_TEST_CLUSTER=faults
# Commits acknowledged only once their WAL is written, as in production.
export SYNAPSE_SYNCHRONOUS_COMMIT=on
"$root/scripts/cluster.sh" destroy "$SYNAPSE_TEST_CLUSTER" >/dev/null 2>&1 || true
"$root/scripts/cluster.sh" start "$SYNAPSE_TEST_CLUSTER" "$SYNAPSE_TEST_PORT"
trap '"$root/scripts/cluster.sh" destroy "$SYNAPSE_TEST_CLUSTER"' EXIT
cd "$root"
prove -v --timer "$@" tests/faults/*.t
