#!/usr/bin/env bash
# The clock make test-dates runs the other tests on (tests/dates/run.sh): the server's
# now() reads the hard date, the scripts' `date` reads the same, both in the date's time
# zone, and pg_cron's launcher runs on that server.
source "$(dirname "$0")/../e2e/lib.sh"
target=${SYNAPSE_DATE_TARGET:?run through tests/dates/run.sh}
zone=${SYNAPSE_DATE_ZONE:?run through tests/dates/run.sh}

server=$(psql_db postgres -c "SELECT floor(extract(epoch FROM now()))::bigint")
client=$(date +%s)
at="$(date -d "@$target" '+%F %T %Z') ($zone)"
# The server was started on the target a moment ago.
[ $((server - target)) -ge 0 ] && [ $((server - target)) -le 30 ] && ok "the server's clock reads $at" ||
  not_ok "the server's clock reads $at" "got: $(psql_db postgres -c "SELECT now()")"
[ $((client - server)) -ge 0 ] && [ $((client - server)) -le 2 ] && ok "the scripts' clock reads the same" ||
  not_ok "the scripts' clock reads the same" "server $server, date $client"
is "$(psql_db postgres -c "SHOW TimeZone")" "$zone" "the server's time zone is $zone"
is "$(psql_db postgres -c "SELECT to_char(now(), 'TZH:TZM')")" "$(date +%:z)" "server and scripts agree on its UTC offset"
is "$(psql_db postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher'")" 1 \
   "pg_cron's launcher runs"
done_testing
