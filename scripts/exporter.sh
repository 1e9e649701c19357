#!/usr/bin/env bash
# prometheus-postgres-exporter (Debian's package) for a scratch cluster, as a plain process
# on loopback, with Synapse's custom queries (ops/postgres_exporter/queries.yaml). It logs in
# as synapse_exporter, a LOGIN member of synapse_monitoring (scripts/cluster.sh login: a
# random password, recorded beside the clusters, read from that passfile), over TLS with the
# server's certificate verified (sslmode=verify-full). State (pid, log) lives in the
# cluster's directory, under exporter/.
#
#   scripts/exporter.sh start NAME PG_PORT WEB_PORT [DB]   metrics on http://127.0.0.1:WEB_PORT/metrics
#   scripts/exporter.sh stop NAME
#   scripts/exporter.sh status NAME
set -euo pipefail

EXPORTER=${EXPORTER:-/usr/bin/prometheus-postgres-exporter}
root=$(cd "$(dirname "$0")/.." && pwd)
STATE_DIR=exporter PID_FILE=exporter.pid
. "$root/scripts/daemon.sh"

# daemon_start PG_PORT WEB_PORT [DB]
daemon_start() {
  local pg_port=${1:?$usage} web_port=${2:?$usage} db=${3:-synapse}
  as_root mkdir -p "$state"
  as_root chown "$(id -u):$(id -g)" "$state"
  "$root/scripts/cluster.sh" login "$name" synapse_exporter synapse_monitoring
  # PGPASSFILE (the recorded passwords) and the CA from the cluster's settings.
  eval "$("$root/scripts/cluster.sh" env "$name" "$pg_port")"
  DATA_SOURCE_NAME="host=127.0.0.1 port=$pg_port user=synapse_exporter dbname=$db sslmode=verify-full sslrootcert=$PGSSLROOTCERT" \
    start_daemon "$state/$PID_FILE" "$state/exporter.log" "http://127.0.0.1:$web_port/metrics" "postgres_exporter $name" \
      "$EXPORTER" --web.listen-address="127.0.0.1:$web_port" \
      --extend.query-path="$root/ops/postgres_exporter/queries.yaml"
}

usage="usage: exporter.sh start NAME PG_PORT WEB_PORT [DB] | stop NAME | status NAME"
daemon_main postgres_exporter "$usage" "$@"
