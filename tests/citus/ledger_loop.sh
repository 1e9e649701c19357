#!/usr/bin/env bash
# Issue 23's hunt for the ledger shortfall: moves the ledger departments' shard groups
# between the workers, one move after another, while pgbench's ledger writers (as
# growth.sh ran them: 3-second runs, one after the other, counted by what pgbench reports
# as processed), the id-recording writers (tests/faults/ledger) and the counter writers
# run; then compares both ledgers. Runs on the clusters `tests/citus/check.sh --keep` left
# behind (coordinator 5441, workers 5442-5444), which it starts and stops again.
#
#   tests/citus/ledger_loop.sh [MOVES]     (default 60; about 4 s a move)
#
# Prints one line per 10 moves and a summary: pgbench's count against the table, and the
# id check (lost, twice, failed-but-present, phantom). Exits 1 when either is short.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
moves=${1:-60}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_BIN=${PG_BIN:-$("$PG_CONFIG" --bindir)}
PGBENCH=${PGBENCH:-$PG_BIN/pgbench}
cluster() { "$root/scripts/cluster.sh" "$@"; }
names=(citus-coord citus-w1 citus-w2 citus-w3) ports=(5441 5442 5443 5444)
for i in 0 1 2 3; do SYNAPSE_PRELOAD_CITUS=1 cluster start "${names[$i]}" "${ports[$i]}" >/dev/null; done
trap 'touch "$stop_file"; wait; for n in "${names[@]}"; do cluster stop "$n" >/dev/null 2>&1 || true; done' EXIT
eval "$(cluster env citus-coord)"
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=synapse PGPORT=5441 PGOPTIONS="--client-min-messages=warning"
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
ledger=$root/target/synapse-ledger
"$root/scripts/go-build.sh" "$root/tests/faults/ledger" "$ledger"

COORD=5441 stop_file=/tmp/ledger_loop_stop.$$ logs=/tmp/ledger_loop.$$
source "$here/writers.sh"
rm -f "$stop_file"; mkdir -p "$logs"
content="ledger loop $$"
before=$(sql -c "SELECT count(*) FROM synapse.comments WHERE content = 'ledger'")
writer_loop "$logs/ledger" "$here/data/ledger_load.pgbench" 2 &
writer_loop "$logs/counters" "$here/data/counters_load.pgbench" 4 &
"$ledger" write -log "$logs/ids" -clients 2 -duration 2h -stop-file "$stop_file" -content "$content" >"$logs/ids.out" 2>&1 &
sleep 2
t0=$SECONDS
for i in $(seq 1 "$moves"); do
  n=$(( (RANDOM % 24) + 1 ))
  read -r shard from <<<"$(sql -F ' ' -c "SELECT shardid, nodeport FROM citus_shards
                    WHERE table_name = 'synapse.comments'::regclass
                      AND shardid = get_shard_id_for_distribution_column('synapse.comments', md5('ledger-d-$n')::uuid)")"
  to=$(sql -c "SELECT nodeport FROM pg_dist_node WHERE noderole = 'primary' AND shouldhaveshards AND nodeport <> $from ORDER BY random() LIMIT 1")
  sql -c "SELECT citus_move_shard_placement($shard, '127.0.0.1', $from, '127.0.0.1', $to)" >/dev/null
  [ $((i % 10)) -ne 0 ] || echo "# $i moves in $((SECONDS - t0)) s"
done
sleep 2
touch "$stop_file"; wait
processed=$(sum_of "number of transactions actually processed" "$logs/ledger")
rows=$(( $(sql -c "SELECT count(*) FROM synapse.comments WHERE content = 'ledger'") - before ))
echo "pgbench ledger: processed=$processed rows=$rows failed=$(sum_of "number of failed transactions" "$logs/ledger") retried=$(sum_of "number of transactions retried" "$logs/ledger") aborted=$(grep -c "exited with an error" "$logs/ledger" || true)"
echo "id ledger: $(head -1 "$logs/ids.out")"
rc=0
"$ledger" check -log "$logs/ids" -content "$content" || rc=1
[ "$processed" = "$rows" ] || { echo "pgbench ledger: $((processed - rows)) fewer rows than processed"; rc=1; }
grep -h -i "error" "$logs/ledger" | sort | uniq -c | head -5 || true
exit $rc
