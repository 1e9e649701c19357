#!/usr/bin/env bash
# A migration killed half-way: migration 14 is held on a lock after its first ~420 lines
# ran (a session holds synapse.generation_runs, which it alters), then killed, once by
# SIGKILL of its server process (the server restarts, as after a crash) and once by SIGKILL
# of the client running it (scripts/migrate.sh's psql). Each time the database is exactly as
# before the migration (schema, grants, roles: pg_dump and the roles' catalog compared),
# the recorded version is still 13 and clean, and the next `scripts/migrate.sh up`
# completes it: the schema then equals a database migrated without a fault.
source "$(dirname "$0")/../e2e/lib.sh"
DB=faults_migration REF=faults_migration_ref
migrate() { "$ROOT/scripts/migrate.sh" --db "$1" "${@:2}"; }
# The catalog of DB as one line per fact: schema, grants, the synapse_* roles
# (tests/e2e/data/catalog_fingerprint.sql, the down-migration check's).
fingerprint() { psql_db "$1" -f "$ROOT/tests/e2e/data/catalog_fingerprint.sql"; }
# differ A B DESCRIPTION: ok when the fingerprints are equal, else not ok with their diff.
differ() {
  if [ "$1" = "$2" ]; then ok "$3 ($(grep -c . <<<"$1") catalog facts compared)"
  else not_ok "$3"; diff <(echo "$1") <(echo "$2") | head -20 | sed 's/^/#   /'; fi
}
# Crash restarts of the server so far (the postmaster reinitialises after a backend dies).
restarts() { grep -c "all server processes terminated; reinitializing" "$("$ROOT/scripts/pg-workdir.sh")/$SYNAPSE_TEST_CLUSTER/server.log" || true; }
started() { psql_db postgres -c "SELECT pg_postmaster_start_time()"; }
wait_ready() { local i; for i in $(seq 1 120); do psql_db postgres -c "SELECT 1" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
# The migration's server process once it waits for the lock on generation_runs.
blocked_migration() {
  psql_db "$DB" -c "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
                        WHERE a.datname = '$DB' AND l.relation = (SELECT 'synapse.generation_runs'::regclass::oid)" 2>/dev/null |
    head -1
}
# hold_lock: a session holding generation_runs (ACCESS SHARE, as a reader would) until
# the file $release appears.
hold_lock() {
  psql -X -q -d "$DB" -c "BEGIN" -c "LOCK TABLE synapse.generation_runs IN ACCESS SHARE MODE" \
       -c "SELECT 'locked'" -c "\\! while [ ! -f $release ]; do sleep 0.1; done" -c "COMMIT" >/dev/null 2>&1
}

for db in $DB $REF; do fresh_db $db >/dev/null; done
migrate $DB goto 13 >/dev/null 2>&1
migrate $REF up >/dev/null 2>&1
latest=$(migrate $REF version)
[ "$latest" -ge 14 ] && ok "migration 14, which this test holds half-way, is among the migrations (newest: $latest)" ||
  not_ok "migration 14, which this test holds half-way, is among the migrations" "newest: $latest"
release=$(mktemp -u)

for victim in server client; do
  before=$(fingerprint $DB)
  rm -f "$release"
  hold_lock & holder=$!
  for i in $(seq 1 100); do
    [ -n "$(psql_db "$DB" -c "SELECT 1 FROM pg_locks WHERE relation = (SELECT oid FROM pg_class WHERE relname = 'generation_runs' AND relnamespace = 'synapse'::regnamespace) AND mode = 'AccessShareLock' AND granted" 2>/dev/null)" ] && break
    sleep 0.1
  done
  t0=$(date +%s%N)
  migrate $DB up >/tmp/faults_migrate.$$ 2>&1 & migration=$!
  pid=""
  for i in $(seq 1 300); do pid=$(blocked_migration); [ -z "$pid" ] || break; sleep 0.1; done
  if [ -z "$pid" ]; then
    not_ok "$victim: migration 14 waits for generation_runs half-way" "$(cat /tmp/faults_migrate.$$)"
    touch "$release"; wait $migration $holder || true; continue
  fi
  up_before=$(started) restarts_before=$(restarts)
  if [ $victim = server ]; then
    # Half-way: the functions of its first ~420 lines are already replaced in its transaction.
    kill -9 "$pid"
    wait $migration && not_ok "$victim: the migration reports failure" || ok "$victim: SIGKILL of the migration's server process (pid $pid): the migration reports failure"
    wait_ready || not_ok "$victim: the server is back after crash recovery"
    touch "$release"; wait $holder || true
    is "$(restarts)" "$((restarts_before + 1))" "$victim: the server reinitialised after the kill (crash recovery)"
  else
    client=$(pgrep -f -- "-v mig_from=13 -v mig_to=14" | head -1)
    kill -9 "$client" $migration 2>/dev/null || true
    wait $migration 2>/dev/null || true
    # The backend finishes the statement it waits in once the lock is free, then finds its
    # client gone and rolls back.
    touch "$release"; wait $holder || true
    for i in $(seq 1 100); do
      [ -z "$(psql_db postgres -c "SELECT 1 FROM pg_stat_activity WHERE pid = $pid")" ] && break; sleep 0.1
    done
    is "$(psql_db postgres -c "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid") $(started)" "0 $up_before" \
       "$victim: SIGKILL of migrate.sh's psql (pid $client): its server process ends, the server stays up"
  fi
  is "$(migrate $DB version)" 13 "$victim: the recorded version is still 13, not dirty"
  differ "$before" "$(fingerprint $DB)" "$victim: the schema, grants and roles are exactly as before migration 14"
  # Migration 14 sets the roles up cluster-wide; the fault's database goes back to 13 each
  # round (through the later migrations' downs), so the second round starts from the same place.
  out=$(migrate $DB up 2>&1) && ok "$victim: the next scripts/migrate.sh up completes ($(( ($(date +%s%N) - t0) / 1000000 )) ms after the migration began)" ||
    not_ok "$victim: the next scripts/migrate.sh up completes" "$out"
  is "$(migrate $DB version)" "$latest" "$victim: version $latest recorded"
  # The second round's database went down through migration 19 (lib.sh, without_positions).
  differ "$(fingerprint $REF | without_positions synapse.tasks)" "$(fingerprint $DB | without_positions synapse.tasks)" \
    "$victim: the schema equals a database migrated without a fault (the order of the tasks' columns aside)"
  migrate $DB goto 13 >/dev/null 2>&1
done
rm -f /tmp/faults_migrate.$$ "$release"
for db in $DB $REF; do psql_db postgres -c "DROP DATABASE $db WITH (FORCE)" >/dev/null; done
done_testing
