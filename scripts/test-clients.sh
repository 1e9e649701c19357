#!/usr/bin/env bash
# make test-clients: the example clients in clients/ (Go with pgx v4, Python with psycopg 3,
# Node with pg) run as tests, each twice: directly against a scratch cluster
# (.cluster/clients) and through PgBouncer in transaction mode in front of it
# (scripts/pgbouncer.sh). Each run gets a fresh copy of a database with the migrations and
# the development seed, and connects as the login role synapse_client (in synapse_app), as
# an API would: over TLS with the server's (or PgBouncer's) certificate verified against the
# generated CA (sslmode=verify-full, sslrootcert) and its random password from the passfile
# (PGPASSFILE). Expects the extension installed (make install does that first).
#
#   scripts/test-clients.sh [go|python|node]...     default: all three
#
# Ports: SYNAPSE_CLIENTS_PORT (cluster, default 25360), SYNAPSE_CLIENTS_BOUNCER_PORT
# (PgBouncer, default 25361).
#
# Each run also gets a second copy, <database>_signed, for the signed identity mode: its test
# connects there as the superuser (directly) to require tokens of a key it made, before
# anyone else connects (database settings apply to new sessions; a fresh database has no
# PgBouncer server connections yet).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${SYNAPSE_CLIENTS_PORT:-25360}
bouncer_port=${SYNAPSE_CLIENTS_BOUNCER_PORT:-25361}
languages=("$@")
[ ${#languages[@]} -gt 0 ] || languages=(go python node)

"$root/scripts/setup-clients.sh"

"$root/scripts/cluster.sh" start clients "$port"
tmp=$(mktemp -d)
stop_all() {
  rm -rf "$tmp"
  "$root/scripts/pgbouncer.sh" stop clients || true
  "$root/scripts/cluster.sh" stop clients
}
trap stop_all EXIT
"$root/scripts/pgbouncer.sh" start clients "$port" "$bouncer_port"
# The superuser over the cluster's socket; the CA and the passfile for the clients.
eval "$("$root/scripts/cluster.sh" env clients "$port")"

psql_admin() { PGOPTIONS=--client-min-messages=warning psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# The database every run copies: migrated and seeded once (CREATE DATABASE … TEMPLATE is a
# file copy, much faster than migrating again).
psql_admin -d postgres -c "DROP DATABASE IF EXISTS clients_template WITH (FORCE)" -c "CREATE DATABASE clients_template"
"$root/scripts/migrate.sh" --db clients_template up 2>"$tmp/migrate.log" ||
  { cat "$tmp/migrate.log" >&2; exit 1; }
psql_admin -d clients_template -1 -f "$root/sql/seed/dev_seed.sql" >/dev/null
"$root/scripts/cluster.sh" login clients synapse_client synapse_app

# Go's build cache inside the project, so a machine without $HOME builds too.
export GOCACHE=${GOCACHE:-$root/target/go-build}

run_client() {  # LANGUAGE
  case "$1" in
    go)
      (cd "$root/clients/go" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go test -count=1 -v .) ;;
    python)
      (cd "$root/clients/python" && .venv/bin/python -m unittest -v) ;;
    node)
      (cd "$root/clients/node" && node --test) ;;
    *) echo "test-clients: unknown client $1 (go, python, node)" >&2; return 2 ;;
  esac
}

# count_tests LANGUAGE LOG: "PASSED FAILED" from a runner's output.
count_tests() {
  case "$1" in
    go) echo "$(grep -c '^--- PASS' "$2") $(grep -c '^--- FAIL' "$2")" ;;
    python)
      # "Ran N tests", then "OK" or "FAILED (failures=A, errors=B)".
      local ran failed=0 n
      ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$2" | tail -1)
      for n in $(sed -n 's/^FAILED (\(.*\))$/\1/p' "$2" | grep -o '[0-9]\+'); do failed=$((failed + n)); done
      echo "$(( ${ran:-0} - failed )) $failed" ;;
    node) echo "$(sed -n 's/^# pass //p' "$2" | tail -1) $(sed -n 's/^# fail //p' "$2" | tail -1)" ;;
  esac
}

log=$tmp/run.log
passed=0 failed=0 failed_runs=()
for language in "${languages[@]}"; do
  for path in direct pgbouncer; do
    db="clients_${language}_$path"
    for d in "$db" "${db}_signed"; do
      psql_admin -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" -c "CREATE DATABASE $d TEMPLATE clients_template"
    done
    if [ "$path" = direct ]; then
      dsn_port=$port pooling=0
    else
      dsn_port=$bouncer_port pooling=1
    fi
    echo "=== $language, $path (127.0.0.1:$dsn_port/$db)"
    run_ok=1
    # The superuser over the socket, where there is no TLS (the environment's PGSSLMODE is for TCP).
    SYNAPSE_DSN="postgresql://synapse_client@127.0.0.1:$dsn_port/$db?sslmode=verify-full&sslrootcert=$PGSSLROOTCERT" \
      SYNAPSE_SIGNED_DSN="postgresql://synapse_client@127.0.0.1:$dsn_port/${db}_signed?sslmode=verify-full&sslrootcert=$PGSSLROOTCERT" \
      SYNAPSE_SIGNED_ADMIN_DSN="postgresql://postgres@/${db}_signed?host=$PGHOST&port=$port&sslmode=disable" \
      SYNAPSE_TRANSACTION_POOLING=$pooling run_client "$language" 2>&1 | tee "$log" || run_ok=0
    read -r p f < <(count_tests "$language" "$log")
    passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0}))
    if [ "$run_ok" = 1 ]; then
      psql_admin -d postgres -c "DROP DATABASE $db WITH (FORCE)" -c "DROP DATABASE ${db}_signed WITH (FORCE)"
    else
      failed_runs+=("$language/$path")
      # A run that failed before any test reported counts as one failure.
      [ "${f:-0}" != 0 ] || failed=$((failed + 1))
    fi
  done
done

if [ ${#failed_runs[@]} -gt 0 ]; then
  echo "test-clients: FAILED: ${failed_runs[*]} (their databases are kept in the cluster \"clients\")" >&2
fi
echo "test-clients: $passed passed, $failed failed"
[ ${#failed_runs[@]} -eq 0 ]
