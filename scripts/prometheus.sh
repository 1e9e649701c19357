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
usage="usage: prometheus.sh start NAME WEB_PORT EXPORTER_PORT [INTERVAL] | stop NAME | status NAME"
cmd=${1:?$usage}
name=${2:?$usage}
state="$("$root/scripts/pg-workdir.sh")/$name/prometheus"
. "$root/scripts/privileges.sh"

pid_of() { cat "$state/prometheus.pid" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

case "$cmd" in
start)
  web_port=${3:?$usage}
  exporter_port=${4:?$usage}
  interval=${5:-15s}
  if running; then exit 0; fi
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
  start_daemon "$state/prometheus.pid" "$state/prometheus.log" "http://127.0.0.1:$web_port/-/ready" "prometheus $name" \
    "$PROMETHEUS" --config.file="$state/prometheus.yml" --storage.tsdb.path="$state/data" \
      --web.listen-address="127.0.0.1:$web_port"
  ;;
stop)
  if running; then
    stop_process "$(pid_of)" "prometheus $name"
    rm -f "$state/prometheus.pid"
  fi
  ;;
status)
  if running; then echo "$name prometheus: running"; else echo "$name prometheus: stopped"; fi
  ;;
*)
  echo "$usage" >&2; exit 2 ;;
esac
