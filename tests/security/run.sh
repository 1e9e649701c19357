#!/usr/bin/env bash
# The department wall (docs/security.md) against a real scratch cluster (.cluster/security,
# port SYNAPSE_SECURITY_PORT, default 25333): the attacks of issue 21 and their neighbours
# in both identity modes (tests/security/*.t, run by prove) and the privilege and policy
# matrix (tests/security/*.sql, pgTAP, run by pg_prove on a migrated database with pgtap in
# schema tap). Expects synapse_ext installed (make test-security does that first).
#   tests/security/run.sh [prove arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
port=${SYNAPSE_SECURITY_PORT:-25333}
export SYNAPSE_TEST_PORT=$port SYNAPSE_TEST_CLUSTER=security
"$root/scripts/cluster.sh" start security "$port"
trap '"$root/scripts/cluster.sh" stop security' EXIT
cd "$root"
# The superuser over the cluster's socket (logins: TLS and their recorded passwords).
eval "$("$root/scripts/cluster.sh" env security "$port")"
psqlp() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

status=0
prove --timer "$@" tests/security/*.t || status=1

db=synapse_security_matrix
psqlp -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
"$root/scripts/migrate.sh" --db "$db" --dir "${SYNAPSE_MIGRATIONS_DIR:-$root/sql/migrations}" up 2>/dev/null
psqlp -d "$db" -c "CREATE SCHEMA tap" -c "CREATE EXTENSION pgtap SCHEMA tap"
pg_prove --timer -h "$PGHOST" -p "$port" -U postgres -d "$db" tests/security/*.sql || status=1
psqlp -d postgres -c "DROP DATABASE $db WITH (FORCE)"
exit $status
