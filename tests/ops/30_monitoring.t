#!/usr/bin/env bash
# Migration 11's monitoring views, read by a synapse_monitoring login (ops_monitor) with
# sane values, alerts that fire, pg_stat_statements present and absent; then the real
# postgres_exporter (scripts/exporter.sh) against the primary, its /metrics scraped on
# loopback: the Synapse metrics are there and agree with the views; the Prometheus rules,
# unit-tested with promtool and evaluated by a real Prometheus over the exporter.
source "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/privileges.sh"
mon() { psql -X -w -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$OPS_PRIMARY_PORT" -U ops_monitor -d "${DB:-synapse}" -c "$1"; }
views="monitoring_connections monitoring_cache_hit_ratio monitoring_table_sizes monitoring_index_sizes
       monitoring_unused_indexes monitoring_dead_tuples monitoring_slowest_statements monitoring_statements_source
       monitoring_replication monitoring_generation monitoring_alerts"

for v in $views; do
  if mon "SELECT count(*) FROM synapse.$v" >/dev/null 2>&1; then ok "synapse_monitoring reads $v"; else not_ok "synapse_monitoring reads $v"; fi
done
is "$(PGOPTIONS= psql -X -w -At -v VERBOSITY=verbose -h 127.0.0.1 -p "$OPS_PRIMARY_PORT" -U load_api_a -d synapse \
       -c "SELECT * FROM synapse.monitoring_connections" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p')" 42501 \
   "the application's login may not read them (42501)"

is "$(mon "SELECT total >= 1 AND total <= max_connections AND used_ratio BETWEEN 0 AND 1 AND max_connections = current_setting('max_connections')::int FROM synapse.monitoring_connections")" t \
   "connections: between 1 and max_connections, the ratio between 0 and 1"
is "$(mon "SELECT database_ratio > 0 AND database_ratio <= 1 FROM synapse.monitoring_cache_hit_ratio")" t "cache hit ratio in (0, 1]"
primary -c "ANALYZE synapse.tasks"
is "$(mon "SELECT live_rows = (SELECT reltuples::bigint FROM pg_class WHERE oid = 'synapse.tasks'::regclass) AND total_bytes = pg_total_relation_size('synapse.tasks')
             AND total_bytes = table_bytes + index_bytes + toast_and_other_bytes FROM synapse.monitoring_table_sizes WHERE table_name = 'tasks'")" t \
   "table sizes: tasks' bytes add up and its rows match the statistics"
is "$(mon "SELECT count(*) FROM synapse.monitoring_index_sizes WHERE table_name = 'tasks' AND index_name = 'tasks_pkey' AND index_bytes > 0 AND scans > 0")" 1 \
   "index sizes: the primary key of tasks, scanned"

# An unused index appears, and leaves the list once scanned; unique ones never appear.
primary -c "CREATE INDEX ops_t30_unused_idx ON synapse.comments (created_at)"
is "$(mon "SELECT count(*) FROM synapse.monitoring_unused_indexes WHERE index_name = 'ops_t30_unused_idx'")" 1 "a new index is listed as unused"
primary -c "SET enable_seqscan = off" -c "SELECT count(*) FROM synapse.comments WHERE created_at > '2000-01-01'" -c "SELECT pg_stat_force_next_flush()" >/dev/null
sleep 1
is "$(mon "SELECT count(*) FROM synapse.monitoring_unused_indexes WHERE index_name = 'ops_t30_unused_idx'")" 0 "once scanned it is not"
is "$(mon "SELECT count(*) FROM synapse.monitoring_unused_indexes u JOIN synapse.monitoring_index_sizes i USING (index_name) WHERE i.is_unique")" 0 \
   "unique indexes are never candidates"
primary -c "DROP INDEX synapse.ops_t30_unused_idx"

# Dead tuples: a table three quarters dead trips the bloat alert.
primary -c "CREATE TABLE synapse.ops_t30_bloat (id int) WITH (autovacuum_enabled = false)" \
        -c "INSERT INTO synapse.ops_t30_bloat SELECT generate_series(1, 4000)" \
        -c "DELETE FROM synapse.ops_t30_bloat WHERE id % 4 <> 0" -c "SELECT pg_stat_force_next_flush()" >/dev/null
sleep 1
is "$(mon "SELECT live_rows || ' ' || dead_rows || ' ' || dead_ratio FROM synapse.monitoring_dead_tuples WHERE table_name = 'ops_t30_bloat'")" \
   "1000 3000 0.7500" "dead tuples: 1,000 live, 3,000 dead, ratio 0.75"
is "$(mon "SELECT state || ' ' || value FROM synapse.monitoring_alerts WHERE alert = 'table_dead_ratio'")" "critical 0.7500" \
   "the bloat alert is critical (design: above 40%)"
is "$(mon "SELECT state FROM synapse.monitoring_alerts WHERE alert = 'cache_hit_ratio'")" ok "the cache hit alert is ok"
is "$(mon "SELECT count(*) FROM synapse.monitoring_alerts")" 7 "seven alerts, each with its thresholds"

# Slowest statements: pg_stat_statements is preloaded and created in synapse (run.sh).
is "$(mon "SELECT installed || ' ' || loaded FROM synapse.monitoring_statements_source")" "true true" "pg_stat_statements installed and loaded"
is "$(mon "SELECT count(*) > 0 AND bool_and(calls > 0 AND mean_ms >= 0 AND mean_ms <= max_ms) FROM synapse.monitoring_slowest_statements")" t \
   "slowest statements listed, with sane times"
is "$(mon "SELECT bool_and(a.mean_ms >= b.mean_ms) FROM (SELECT mean_ms, row_number() OVER () AS n FROM synapse.monitoring_slowest_statements) a
             JOIN (SELECT mean_ms, row_number() OVER () AS n FROM synapse.monitoring_slowest_statements) b ON b.n = a.n + 1")" t \
   "slowest first"
# Without it, in another database: no rows, and a status that says what to do.
NOPSS=synapse_t30_no_pss
fresh_db "$NOPSS"
"$ROOT/scripts/migrate.sh" --db "$NOPSS" up >/dev/null 2>&1
is "$(DB=$NOPSS mon "SELECT count(*) FROM synapse.monitoring_slowest_statements")" 0 "without pg_stat_statements: no rows, no error"
is "$(DB=$NOPSS mon "SELECT installed || ' ' || status FROM synapse.monitoring_statements_source")" \
   "false pg_stat_statements is not installed in this database: CREATE EXTENSION pg_stat_statements (it must be in shared_preload_libraries)" \
   "and the status says why"
is "$(DB=$NOPSS mon "SELECT state FROM synapse.monitoring_alerts WHERE alert = 'slowest_statement_mean_ms'")" ok "the statement alert stays ok (no value)"
psql_db postgres -c "DROP DATABASE $NOPSS WITH (FORCE)"

# The real exporter, scraped over HTTP while the bloat table still exists.
"$ROOT/scripts/exporter.sh" start ops-primary "$OPS_PRIMARY_PORT" "$OPS_EXPORTER_PORT"
is "$("$ROOT/scripts/exporter.sh" status ops-primary)" "ops-primary postgres_exporter: running" "exporter.sh start: running"
metrics=$(curl -fsS "http://127.0.0.1:$OPS_EXPORTER_PORT/metrics")
# metric NAME [LABEL_MATCH]: the value of the first sample of NAME (whose labels contain LABEL_MATCH).
metric() { awk -v n="$1" -v l="${2:-}" '$1 ~ "^" n "({|$)" && index($1, l) { print $2; exit }' <<<"$metrics"; }
is "$(metric pg_up)" 1 "pg_up 1: the exporter reaches the primary"
is "$(primary -c "SELECT count(*) > 0 AND bool_and(s.ssl AND s.version IN ('TLSv1.2', 'TLSv1.3'))
                    FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'synapse_exporter'")" t \
   "as synapse_exporter, over TLS 1.2+ (pg_stat_ssl; sslmode=verify-full in its DSN)"
for m in synapse_connections_total synapse_connections_used_ratio synapse_cache_database_ratio synapse_table_total_bytes \
         synapse_dead_tuples_dead_ratio synapse_index_index_bytes synapse_index_unused synapse_statements_listed \
         synapse_replication_replay_lag_seconds synapse_generation_overdue_templates synapse_alerts_state; do
  [ -n "$(metric "$m")" ] && ok "/metrics has $m" || not_ok "/metrics has $m"
done
is "$(metric synapse_connections_max_connections)" "$(primary -c "SHOW max_connections")" "max_connections as the server has it"
awk_true() { awk "BEGIN { exit !($1) }"; }
awk_true "$(metric synapse_connections_total) >= 1" && ok "connections >= 1" || not_ok "connections >= 1"
r=$(metric synapse_cache_database_ratio)
awk_true "$r > 0 && $r <= 1" && ok "cache hit ratio $r in (0, 1]" || not_ok "cache hit ratio in (0, 1]" "$r"
# (The bloat table: autovacuum off, nothing writes it, so its size cannot move meanwhile.)
is "$(awk '{ printf "%d", $1 }' <<<"$(metric synapse_table_total_bytes 'table_name="ops_t30_bloat"')")" \
   "$(primary -c "SELECT pg_total_relation_size('synapse.ops_t30_bloat')")" "a table's size, byte for byte"
is "$(metric synapse_dead_tuples_dead_ratio 'table_name="ops_t30_bloat"')" 0.75 "the bloat table's dead ratio"
is "$(metric synapse_alerts_state 'alert="table_dead_ratio"')|$(metric synapse_alerts_critical_above 'alert="table_dead_ratio"')" "2|0.4" \
   "its alert: state 2 (critical) beside the threshold 0.4"
is "$(metric synapse_alerts_warning_below 'alert="cache_hit_ratio"')|$(metric synapse_alerts_critical_below 'alert="cache_hit_ratio"')" "0.98|0.95" \
   "cache hit thresholds 0.98 / 0.95"
is "$(metric synapse_alerts_critical_above 'alert="replication_lag_seconds"')|$(metric synapse_alerts_critical_above 'alert="connections_used_ratio"')" "10|0.8" \
   "replication lag 10 s, connections 80%"
is "$(metric synapse_statements_installed)|$(metric synapse_replication_is_standby)" "1|0" "pg_stat_statements seen, a primary"
if grep -q 'level=error' "$("$ROOT/scripts/pg-workdir.sh")/ops-primary/exporter/exporter.log"; then
  not_ok "the exporter logged no error" "$(grep 'level=error' "$("$ROOT/scripts/pg-workdir.sh")/ops-primary/exporter/exporter.log" | head -3)"
else ok "the exporter logged no error"; fi

# The alerting rules: valid, their unit tests, then a real Prometheus scraping the exporter
# above every second, until the bloat table's alert is active (pending: its `for` is 2m).
out=$(promtool check rules "$ROOT/ops/prometheus/synapse-alerts.yml" 2>&1) && ok "promtool check rules: the rules file is valid" \
  || not_ok "promtool check rules: the rules file is valid" "$out"
out=$(promtool test rules "$ROOT/tests/ops/synapse-alerts.test.yml" 2>&1) && ok "promtool test rules: each rule fires when it should and only then" \
  || not_ok "promtool test rules: each rule fires when it should and only then" "$out"
# Generation catches up first: the seed's templates are overdue until it has run once.
is "$(primary -c "SELECT tasks_failed FROM synapse.generate_recurring_tasks()")|$(mon "SELECT state FROM synapse.monitoring_alerts WHERE alert = 'generation_overdue_templates'")" \
   "0|ok" "generation has run: no template overdue"
# A fresh Prometheus: an earlier run's samples, still in its data, would count for 5 minutes.
as_root rm -rf "$("$ROOT/scripts/pg-workdir.sh")/ops-primary/prometheus"
"$ROOT/scripts/prometheus.sh" start ops-primary "$OPS_PROMETHEUS_PORT" "$OPS_EXPORTER_PORT" 1s
is "$("$ROOT/scripts/prometheus.sh" status ops-primary)" "ops-primary prometheus: running" "prometheus.sh start: running"
# active_alerts: alertname/alert/severity/state/value of each alert Prometheus has active.
active_alerts() {
  curl -fsS "http://127.0.0.1:$OPS_PROMETHEUS_PORT/api/v1/alerts" | python3 -c '
import json, sys
for a in json.load(sys.stdin)["data"]["alerts"]:
    l = a["labels"]
    print(l["alertname"], l.get("alert", "-"), l["severity"], a["state"], a["value"])'
}
bloat_alert_active() { active_alerts | grep -q "^SynapseCritical table_dead_ratio "; }
wait_for "the bloat alert in Prometheus" 30 bloat_alert_active
alerts=$(active_alerts || true)
is "$(grep "^SynapseCritical table_dead_ratio " <<<"$alerts" | awk '{ print $3, $4, $5 + 0 }')" "critical pending 0.75" \
   "Prometheus: the bloat alert is active from the scraped figures, critical, with the table's ratio as its value"
is "$(grep -v "^SynapseCritical table_dead_ratio " <<<"$alerts")" "" "and no other alert (the cache, the connections, pg_up are fine)"
"$ROOT/scripts/prometheus.sh" stop ops-primary
is "$("$ROOT/scripts/prometheus.sh" status ops-primary)" "ops-primary prometheus: stopped" "prometheus.sh stop: stopped"

primary -c "DROP TABLE synapse.ops_t30_bloat"
"$ROOT/scripts/exporter.sh" stop ops-primary
is "$("$ROOT/scripts/exporter.sh" status ops-primary)" "ops-primary postgres_exporter: stopped" "exporter.sh stop: stopped"
done_testing
