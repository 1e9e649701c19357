#!/usr/bin/env bash
# `make run`: the main job on the scratch cluster .cluster/main (already started by the
# Makefile): the extension and pg_cron, the migrations, the development seed, generation
# scheduled with pg_cron every five minutes and the project counters' merge every minute, one
# generation run right away, the login roles an installation needs (random passwords,
# recorded beside the clusters: make passwords) and a service file with their connection
# settings; then what that run generated, the health view, and how to connect. Idempotent:
# a second run changes nothing that is already there (passwords included) and generates
# only what has fallen due since.
#   scripts/run-main.sh PORT [NAME]   (NAME: the cluster, main by default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${1:?port}
name=${2:-main}
work=$("$root/scripts/pg-workdir.sh")
eval "$("$root/scripts/cluster.sh" env "$name" "$port")"
export PGDATABASE=synapse
psql_run() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_run -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_cron"
# A cluster made by an earlier build: its database keeps the extension version it was
# created with until updated in place (the update scripts sql/synapse_ext--A--B.sql).
if [ "$(psql_run -At -c "SELECT count(*) FROM pg_extension WHERE extname = 'synapse_ext'")" = 1 ]; then
  psql_run -c "ALTER EXTENSION synapse_ext UPDATE"
fi
"$root/scripts/migrate.sh" up
psql_run -1 -f "$root/sql/seed/dev_seed.sql"
job=$(psql_run -At -c "SELECT synapse.schedule_recurring_generation()")
merge_job=$(psql_run -At -c "SELECT synapse.schedule_project_count_merge()")
psql_run -c "CALL synapse.run_recurring_generation()"

# The logins of an installation, one per group of the migrations (PgBouncer's, the
# exporter's and the standby's come with make pgbouncer, exporter and standby).
"$root/scripts/cluster.sh" login "$name" synapse_api synapse_app
"$root/scripts/cluster.sh" login "$name" synapse_reporter synapse_readonly
"$root/scripts/cluster.sh" login "$name" synapse_migrator synapse_migrate
# Services for psql and any libpq client (PGSERVICEFILE): the superuser over the socket,
# each login over TLS with the certificate checked (verify-full) and its password from the
# passfile.
services="$work/pg_service.conf"
{
  printf '# Written by scripts/run-main.sh (make run): PGSERVICEFILE=%s psql service=NAME\n' "$services"
  printf '[synapse]\nhost=%s\nport=%s\ndbname=synapse\nuser=postgres\n' "$PGHOST" "$port"
  for login in synapse_api synapse_reporter synapse_migrator; do
    printf '\n[%s]\nhost=127.0.0.1\nport=%s\ndbname=synapse\nuser=%s\nsslmode=verify-full\nsslrootcert=%s\npassfile=%s\n' \
      "${login/_/-}" "$port" "$login" "$PGSSLROOTCERT" "$PGPASSFILE"
  done
} >"$services"

cat <<TEXT

synapse_ext is installed in database "synapse" of the scratch cluster (127.0.0.1:$port, TLS
only), migrated and seeded; pg_cron job $job runs CALL synapse.run_recurring_generation()
every five minutes, job $merge_job SELECT synapse.merge_project_count_deltas() every minute.
Connect with the service file make run wrote:

    export PGSERVICEFILE=$services
    psql service=synapse          # the superuser postgres, over the cluster's socket only
    psql service=synapse-api      # the application's login (synapse_app), over TLS

or with a connection string (a program gives the password itself: make passwords):

    psql 'postgresql://synapse_api@127.0.0.1:$port/synapse?sslmode=verify-full&sslrootcert=$PGSSLROOTCERT&passfile=$PGPASSFILE'

Stop it with: make stop

TEXT
psql_run -P footer=off <<'SQL'
\echo '-- what the last generation run made (template, occurrence in its time zone, assignees)'
WITH last_run AS (SELECT started_at, coalesce(finished_at, clock_timestamp()) AS finished_at
                    FROM synapse.generation_runs ORDER BY id DESC LIMIT 1)
SELECT tpl.task_id AS template, i.task_id AS instance,
       to_char(i.occurrence_at AT TIME ZONE coalesce(tpl.recurrence_pattern ->> 'timezone', 'UTC'),
               'Dy YYYY-MM-DD HH24:MI') || ' ' || coalesce(tpl.recurrence_pattern ->> 'timezone', 'UTC') AS due,
       (SELECT string_agg(u.name, ', ' ORDER BY u.name)
          FROM synapse.task_assignees a JOIN synapse.users u ON u.id = a.user_id
         WHERE a.department_id = i.department_id AND a.task_id = i.id) AS assignees
  FROM synapse.tasks i
  JOIN synapse.tasks tpl ON tpl.department_id = i.department_id AND tpl.id = i.recurrence_parent_id
 CROSS JOIN last_run
 WHERE i.created_at BETWEEN last_run.started_at AND last_run.finished_at
 ORDER BY i.occurrence_at, tpl.task_id;
\echo '-- the templates, what comes next'
SELECT task_id AS template, next_occurrence, recurrence_generated_count AS generated
  FROM synapse.tasks WHERE is_recurring ORDER BY next_occurrence NULLS LAST;
\echo '-- generation health'
\x on
SELECT * FROM synapse.generation_health;
\x off
\echo '-- a few more calls: next stand-up, last Fridays, a bad pattern, RFC 5545 text'
SELECT synapse.calculate_next_occurrence(
         '{"frequency":"weekly","daysOfWeek":[1,2,3,4,5],"timezone":"Europe/Berlin"}',
         now(), '2026-01-05 09:00 Europe/Berlin') AS next_standup;
SELECT synapse.recurrence_occurrences(
         '{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}',
         date_trunc('month', now()) + interval '17 hours', now(), NULL, 3) AS last_friday;
SELECT synapse.recurrence_pattern_errors('{"frequency":"weekly","daysOfWeek":[1,8]}') AS errors;
SELECT synapse.recurrence_to_rrule(
         '{"frequency":"monthly","dayOfMonth":31,"monthDayOverflow":"clamp","timezone":"Europe/Berlin"}',
         '2026-01-31 09:00 Europe/Berlin') AS rrule;
SQL
