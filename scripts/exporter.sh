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
usage="usage: exporter.sh start NAME PG_PORT WEB_PORT [DB] | stop NAME | status NAME"
cmd=${1:?$usage}
name=${2:?$usage}
state="$("$root/scripts/pg-workdir.sh")/$name/exporter"
. "$root/scripts/privileges.sh"

pid_of() { cat "$state/exporter.pid" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

case "$cmd" in
start)
  pg_port=${3:?$usage}
  web_port=${4:?$usage}
  db=${5:-synapse}
  if running; then exit 0; fi
  as_root mkdir -p "$state"
  as_root chown "$(id -u):$(id -g)" "$state"
  "$root/scripts/cluster.sh" login "$name" synapse_exporter synapse_monitoring
  # PGPASSFILE (the recorded passwords) and the CA from the cluster's settings.
  eval "$("$root/scripts/cluster.sh" env "$name" "$pg_port")"
  DATA_SOURCE_NAME="host=127.0.0.1 port=$pg_port user=synapse_exporter dbname=$db sslmode=verify-full sslrootcert=$PGSSLROOTCERT" \
    start_daemon "$state/exporter.pid" "$state/exporter.log" "http://127.0.0.1:$web_port/metrics" "postgres_exporter $name" \
      "$EXPORTER" --web.listen-address="127.0.0.1:$web_port" \
      --extend.query-path="$root/ops/postgres_exporter/queries.yaml"
  ;;
stop)
  if running; then
    stop_process "$(pid_of)" "postgres_exporter $name"
    rm -f "$state/exporter.pid"
  fi
  ;;
status)
  if running; then echo "$name postgres_exporter: running"; else echo "$name postgres_exporter: stopped"; fi
  ;;
*)
  echo "$usage" >&2; exit 2 ;;
esac
