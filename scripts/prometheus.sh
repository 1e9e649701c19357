#!/usr/bin/env bash
# Prometheus (Debian's package) for a scratch cluster's postgres_exporter, as a plain process
# on loopback, with Synapse's alerting rules (ops/prometheus/synapse-alerts.yml). Its
# configuration, data and log live in the cluster's directory, under prometheus/.
#
#   scripts/prometheus.sh start NAME WEB_PORT EXPORTER_PORT [INTERVAL]
#        scrapes http://127.0.0.1:EXPORTER_PORT/metrics and evaluates the rules every
#        INTERVAL (default 15s); alerts on http://127.0.0.1:WEB_PORT/alerts
#   scripts/prometheus.sh stop NAME
#   scripts/prometheus.sh status NAME
set -euo pipefail

PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
root=$(cd "$(dirname "$0")/.." && pwd)
STATE_DIR=prometheus PID_FILE=prometheus.pid
. "$root/scripts/daemon.sh"

# daemon_start WEB_PORT EXPORTER_PORT [INTERVAL]
daemon_start() {
  local web_port=${1:?$usage} exporter_port=${2:?$usage} interval=${3:-15s}
  as_root mkdir -p "$state"
  as_root chown "$(id -u):$(id -g)" "$state"
  cat >"$state/prometheus.yml" <<YAML
global:
  scrape_interval: $interval
  evaluation_interval: $interval
rule_files:
  - $root/ops/prometheus/synapse-alerts.yml
scrape_configs:
  - job_name: synapse-postgres
    static_configs:
      - targets: ['127.0.0.1:$exporter_port']
        labels:
          cluster: $name
YAML
  start_daemon "$state/$PID_FILE" "$state/prometheus.log" "http://127.0.0.1:$web_port/-/ready" "prometheus $name" \
    "$PROMETHEUS" --config.file="$state/prometheus.yml" --storage.tsdb.path="$state/data" \
      --web.listen-address="127.0.0.1:$web_port"
}

usage="usage: prometheus.sh start NAME WEB_PORT EXPORTER_PORT [INTERVAL] | stop NAME | status NAME"
daemon_main prometheus "$usage" "$@"
