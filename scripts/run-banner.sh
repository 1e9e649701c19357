#!/usr/bin/env bash
# Printed by `make run`: how to connect to the scratch cluster, and a few example calls
# run against it so a newcomer sees the extension answer.
set -euo pipefail
port=${1:?port}
psql_run() { psql -X -h 127.0.0.1 -p "$port" -U postgres -d synapse "$@"; }

cat <<TEXT

synapse_ext is installed in database "synapse" of the scratch cluster .cluster/main
(port $port, pg_cron preloaded). Connect with:

    psql -h 127.0.0.1 -p $port -U postgres synapse

Stop it with: make stop

A few example calls:
TEXT
psql_run -P footer=off <<'SQL'
\echo '-- next stand-up (weekdays 09:00 Berlin) after now'
SELECT synapse.calculate_next_occurrence(
         '{"frequency":"weekly","daysOfWeek":[1,2,3,4,5],"timezone":"Europe/Berlin"}',
         now(), '2026-01-05 09:00 Europe/Berlin') AS next_standup;
\echo '-- the last Friday of the next three months'
SELECT synapse.recurrence_occurrences(
         '{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}',
         date_trunc('month', now()) + interval '17 hours', now(), NULL, 3) AS last_friday;
\echo '-- a bad pattern names the key'
SELECT synapse.recurrence_pattern_errors('{"frequency":"weekly","daysOfWeek":[1,8]}') AS errors;
\echo '-- as RFC 5545 text'
SELECT synapse.recurrence_to_rrule(
         '{"frequency":"monthly","dayOfMonth":31,"monthDayOverflow":"clamp","timezone":"Europe/Berlin"}',
         '2026-01-31 09:00 Europe/Berlin') AS rrule;
SQL
