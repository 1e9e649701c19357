#!/usr/bin/env bash
# Task search: what the client sees beyond the rows, so cannot run inside the pgTAP file
# 32_search.sql (syntax, ranking, the trigram fallback, row-level security, query texts that
# never raise, soft-deleted tasks, my_tasks and its keyset pages, the copies behind them),
# through a real connection of a LOGIN role in synapse_app acting for a seed user: no NOTICE
# reaches the client for a stop-word query.
source "$(dirname "$0")/lib.sh"
DB=synapse_t31_search
API=t31_api; REPORT=t31_report
rls_db "$DB" "$API" "$REPORT"
SOFIA=$(psql_db "$DB" -c "SELECT md5('dev:user:sofia')::uuid")

# lib.sh's PGOPTIONS keep NOTICEs from the client: this connection gets the default again.
out=$(printf 'BEGIN;\nSELECT synapse.set_current_user(%s) \\g /dev/null\nSELECT count(*) FROM synapse.search_tasks(%s);\nCOMMIT;\n' "'$SOFIA'" "'the'" |
        PGOPTIONS=--client-min-messages=notice psql -X -q -At -d "$DB" -U "$API" 2>&1)
is "$out" 0 "no NOTICE reaches the client for a stop-word query"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
psql_db postgres -c "DROP ROLE IF EXISTS $API" -c "DROP ROLE IF EXISTS $REPORT"
done_testing
