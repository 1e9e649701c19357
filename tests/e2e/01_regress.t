#!/usr/bin/env bash
# The psql tour through PostgreSQL's own pg_regress (tour_matches in lib.sh): each
# tests/sql/NAME.sql runs in a fresh database with the extension, and its whole output
# (results and error texts) must equal tests/expected/NAME.out. SYNAPSE_REGRESS_UPDATE=1
# rewrites the expected files instead.
source "$(dirname "$0")/lib.sh"
tour_matches synapse_regress "a fresh extension" "CREATE EXTENSION synapse_ext CASCADE"
done_testing
