#!/usr/bin/env bash
# Minimal reproduction of docs/citus.md finding 23, with Citus 13.2 alone (no synapse_ext):
# on a worker with synchronous_commit = off, a shard move loses writes it acknowledged.
# Citus blocks writes at a move's final switch, reads the source's pg_current_wal_lsn()
# (the WAL *written* so far) and waits for the target to reach it; an asynchronous commit
# acknowledged just before may still sit in the WAL buffers above that position, so the
# target never gets it and the source shard is dropped. With synchronous_commit = on a
# commit is acknowledged only after its WAL is written, below that position: nothing is lost.
#
#   tests/citus/async_commit_move.sh [off|on] [ROUNDS]    (defaults: off, 5)
#
# Starts a coordinator and two workers (scripts/cluster.sh, names repro-*, ports 5441-5443,
# the Citus check's: not both at once), wal_writer_delay = 10s on the workers to widen the
# window, a table of 4 shards; one client inserts ids 1, 2, 3, ... (each its own
# transaction, about 50 a second, the id printed only once the INSERT returned) while every shard moves to the
# other worker and back ROUNDS times. Prints acknowledged, present and lost; exits 1 when an
# acknowledged id is missing. Deletes the clusters at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-off} rounds=${2:-5}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_BIN=${PG_BIN:-$("$PG_CONFIG" --bindir)}
cluster() { "$root/scripts/cluster.sh" "$@"; }
names=(repro-coord repro-w1 repro-w2) ports=(5441 5442 5443)
work=$(mktemp -d)
trap 'touch "$work/stop"; wait; for n in "${names[@]}"; do cluster destroy "$n" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
for i in 0 1 2; do
  cluster destroy "${names[$i]}" >/dev/null 2>&1 || true
  SYNAPSE_PRELOAD_CITUS=1 SYNAPSE_SYNCHRONOUS_COMMIT=$mode cluster start "${names[$i]}" "${ports[$i]}" >/dev/null
  cluster login "${names[$i]}" postgres --server
done
eval "$(cluster env repro-coord)"
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=synapse PGOPTIONS=--client-min-messages=warning
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -p "$@"; }
for p in "${ports[@]}"; do sql "$p" -c "CREATE EXTENSION citus"; done
for p in 5442 5443; do sql "$p" -c "ALTER SYSTEM SET wal_writer_delay = '10s'" -c "SELECT pg_reload_conf()" >/dev/null; done
sql 5441 -c "SELECT citus_set_coordinator_host('127.0.0.1', 5441)" -c "SELECT citus_add_node('127.0.0.1', 5442)" \
         -c "SELECT citus_add_node('127.0.0.1', 5443)" >/dev/null
sql 5441 -c "CREATE TABLE ledger (id bigint PRIMARY KEY)" -c "SELECT create_distributed_table('ledger', 'id', shard_count => 4)" >/dev/null
echo "# synchronous_commit = $(sql 5442 -c "SHOW synchronous_commit") on the workers, wal_writer_delay = $(sql 5442 -c "SHOW wal_writer_delay")"

# One session, autocommit: psql prints an id only after its INSERT returned.
i=0
# About 50 a second: too few to fill a WAL page often, so the WAL writer sleeps its 10 s
# and an asynchronous commit's WAL can wait that long to be written.
while [ ! -f "$work/stop" ]; do i=$((i + 1)); echo "INSERT INTO ledger VALUES ($i) RETURNING id;"; sleep 0.02; done |
  psql -X -q -At -p 5441 >"$work/acked" 2>"$work/errors" &
for r in $(seq 1 "$rounds"); do
  for shard in $(sql 5441 -c "SELECT shardid FROM pg_dist_shard WHERE logicalrelid = 'ledger'::regclass ORDER BY 1"); do
    from=$(sql 5441 -c "SELECT nodeport FROM pg_dist_placement JOIN pg_dist_node USING (groupid) WHERE shardid = $shard")
    to=$((from == 5442 ? 5443 : 5442))
    sql 5441 -c "SELECT citus_move_shard_placement($shard, '127.0.0.1', $from, '127.0.0.1', $to)" >/dev/null
  done
  echo "# round $r: 4 shards moved; $(wc -l <"$work/acked") inserts acknowledged so far"
done
touch "$work/stop"; wait
sql 5441 -c "SELECT id FROM ledger ORDER BY id" >"$work/present"
lost=$(comm -23 <(sort "$work/acked") <(sort "$work/present") | wc -l)
echo "acknowledged=$(wc -l <"$work/acked") present=$(wc -l <"$work/present") lost=$lost errors=$(grep -c ERROR "$work/errors" || true)"
comm -23 <(sort "$work/acked") <(sort "$work/present") | head -5 | sed 's/^/# lost id: /'
[ "$lost" = 0 ]
