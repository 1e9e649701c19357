#!/usr/bin/env bash
# The Synapse work mix (tests/ops/load: my tasks, open tasks, create/assign/update, search,
# next occurrence and a preview, no-identity probes, the bad pattern) through PgBouncer in
# transaction mode from 1,000 client connections, against the baseline of the same mix
# from 25 connections straight to PostgreSQL (as many as PgBouncer's pool), in the same
# run on the same data. Every client checks every row it sees against its user's
# department; the run fails on any unexpected error. Reports connections, transactions/s
# and latency percentiles of both and their ratios. Closed loop, no think time: with
# 1,000 clients and at most 30 server connections, a transaction's latency is mostly its
# wait for a server connection (PgBouncer's queue), which the p50/p95 show.
# A third run, 25 clients through PgBouncer, separates PgBouncer's own cost from queueing.
# Every connection is TLS with the certificate verified (verify-full) and SCRAM, as in
# production: the environment of scripts/cluster.sh env (benches/run.sh) gives the load
# tool PGSSLMODE, PGSSLROOTCERT and PGPASSFILE. docs/operations.md has the figures from
# before TLS beside these.
# Run by benches/run.sh (make bench, or make bench-load for this one) on the bench cluster.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
DB=synapse_bench_pgbouncer
SECS=${LOAD_BENCH_SECONDS:-30}
CLIENTS=${LOAD_BENCH_CLIENTS:-1000}
BOUNCER_PORT=${BENCH_PGBOUNCER_PORT:-25341}
load="$root/target/ops/synapse-load"
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" "$@"; }

"$root/scripts/go-build.sh" "$root/tests/ops/load" "$load"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
"$root/scripts/migrate.sh" --db "$DB" up >/dev/null 2>&1
psql_db -v departments=20 -v users_per_department=10 -v tasks_per_user=20 -f "$root/tests/ops/load/setup.sql"
"$root/scripts/cluster.sh" login bench load_api_a synapse_app
"$root/scripts/cluster.sh" login bench load_api_b synapse_app
psql_db -c "VACUUM ANALYZE"
"$root/scripts/pgbouncer.sh" start bench "$PGPORT" "$BOUNCER_PORT"
trap '"$root/scripts/pgbouncer.sh" stop bench' EXIT

field() { grep -o "\b$2=[0-9.]*" <<<"$1" | cut -d= -f2; }
direct=$("$load" -host 127.0.0.1 -port "$PGPORT" -db "$DB" -clients 25 -duration "${SECS}s")
few=$("$load" -host 127.0.0.1 -port "$BOUNCER_PORT" -db "$DB" -clients 25 -duration "${SECS}s")
pooled=$("$load" -host 127.0.0.1 -port "$BOUNCER_PORT" -db "$DB" -clients "$CLIENTS" -duration "${SECS}s")
echo "baseline, 25 connections straight to PostgreSQL: $direct"
echo "25 clients through PgBouncer: $few"
echo "$CLIENTS clients through PgBouncer (pool 25, max 30 per database): $pooled"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
compare() {  # compare LABEL SUMMARY
  awk -v l="$1" -v td="$(field "$direct" tps)" -v t="$(field "$2" tps)" -v pd="$(field "$direct" p95_ms)" -v p="$(field "$2" p95_ms)" 'BEGIN {
    printf "%s: %.0f transactions/s, %.2fx the direct baseline (%.0f/s); p95 %.1f ms vs %.1f ms (%.1fx)\n", l, t, t / td, td, p, pd, p / pd }'
}
compare "PgBouncer, 25 clients" "$few"
compare "PgBouncer, $CLIENTS clients" "$pooled"
