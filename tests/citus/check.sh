#!/usr/bin/env bash
# End-to-end check that the schema of sql/migrations distributes on Citus 13.2 with the
# department as tenant (docs/citus.md). Not part of `make test` (it builds Citus when
# missing and runs three servers); wired as `make test-citus`.
#
#   tests/citus/check.sh [--keep]
#
# 1. Citus 13.2 must be installed into the system PostgreSQL 15 (citus.control with
#    default_version 13.2-1); when it is not, ../shared/vendor/citus/install-citus.sh
#    (relative to the repository root) builds and installs it (root, 1-3 minutes).
#    synapse_ext must be installed too (`make install`).
# 2. Starts a coordinator and two workers on 127.0.0.1: .cluster/citus-coord (5441),
#    .cluster/citus-w1 (5442), .cluster/citus-w2 (5443), with citus preloaded.
# 3. Migrates the coordinator's database synapse (scripts/migrate.sh), loads the dev seed,
#    distributes the tables (tests/citus/distribute.sql), and loads the same seed into a
#    plain single-node database (synapse_single, on the coordinator, without Citus) to
#    compare with.
# 4. Prints TAP. Exits non-zero on any failure.
# 5. Stops the three servers at the end and deletes them, unless --keep (then restart one
#    with `scripts/cluster.sh start citus-coord 5441`, and so on). Re-runnable: leftover
#    clusters of a previous run are deleted first.
#
# Environment: PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_BIN=${PG_BIN:-$("$PG_CONFIG" --bindir)}
NAMES=(citus-coord citus-w1 citus-w2)
PORTS=(5441 5442 5443)
COORD=5441
keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: tests/citus/check.sh [--keep]" >&2; exit 2 ;;
  esac
done

export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=synapse
export PGOPTIONS="--client-min-messages=warning"
unset PGPORT PGSERVICE PGPASSWORD 2>/dev/null || true

# --- TAP ---------------------------------------------------------------------------------
_n=0 _failed=0
ok()     { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $1"; shift; local l; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done; }
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got:      $1" "expected: $2"; fi; }
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
bail() { echo "Bail out! $*"; exit 1; }

# sql PORT SQL...: one psql session on database synapse (or $DB), unaligned tuples only.
sql() { local port=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -At -p "$port" -d "${DB:-synapse}" "$@"; }
# try DESCRIPTION PORT SQL...: run it as one test; on failure show the error.
try() {
  local desc=$1 port=$2 out; shift 2
  if out=$(sql "$port" "$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; return 1; fi
}
# sqlstate PORT SQL: the SQLSTATE SQL fails with ("" when it succeeds); full error in $last_error.
last_error=""
sqlstate() {
  local port=$1 out; shift
  if out=$(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -p "$port" -d "${DB:-synapse}" "$@" 2>&1); then
    last_error=""; echo ""
  else
    last_error=$out; sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1
  fi
}

# --- 1. Citus and synapse_ext installed ---------------------------------------------------
sharedir=$("$PG_CONFIG" --sharedir)
pkglibdir=$("$PG_CONFIG" --pkglibdir)
citus_control="$sharedir/extension/citus.control"
citus_installed() {
  [ -f "$citus_control" ] && grep -q "default_version = '13.2-1'" "$citus_control" && [ -f "$pkglibdir/citus.so" ]
}
if ! citus_installed; then
  if [ -f "$citus_control" ]; then
    bail "a different Citus is installed ($(grep default_version "$citus_control")); this check needs Citus 13.2 (default_version 13.2-1) in $sharedir/extension"
  fi
  installer="$(dirname "$root")/shared/vendor/citus/install-citus.sh"
  [ -x "$installer" ] || bail "Citus 13.2 is not installed ($citus_control missing) and its source installer $installer is not there: install Citus 13.2 for PostgreSQL $("$PG_CONFIG" --version | awk '{print $2}')"
  [ "$(id -u)" = 0 ] || bail "Citus 13.2 is not installed; building it with $installer needs root (apt packages, make install)"
  diag "building Citus 13.2.2 with $installer"
  t0=$SECONDS
  "$installer" "$PG_CONFIG" >&2 || bail "$installer failed"
  diag "Citus build and install took $((SECONDS - t0)) s"
  citus_installed || bail "$installer ran, but $citus_control (default_version 13.2-1) or citus.so is still missing"
fi
[ -f "$sharedir/extension/synapse_ext.control" ] ||
  bail "synapse_ext is not installed into $("$PG_CONFIG" --bindir)/..: run \`make install\` first"

# --- 2. three servers --------------------------------------------------------------------
cluster() { "$root/scripts/cluster.sh" "$@"; }
cleanup() {
  local rc=$? n
  for n in "${NAMES[@]}"; do
    if [ "$keep" = 1 ]; then cluster stop "$n" >/dev/null 2>&1 || true
    else cluster destroy "$n" >/dev/null 2>&1 || true; fi
  done
  [ "$keep" = 0 ] || echo "# --keep: kept .cluster/citus-{coord,w1,w2} (stopped); restart with scripts/cluster.sh start citus-coord 5441 etc." >&2
  exit "$rc"
}
for n in "${NAMES[@]}"; do cluster destroy "$n"; done   # leftovers of an earlier run
for p in "${PORTS[@]}"; do
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$p" >/dev/null 2>&1; then
    bail "port $p is already taken by another server: this check needs 5441-5443"
  fi
done
trap cleanup EXIT
t_check=$SECONDS
for i in 0 1 2; do
  SYNAPSE_PRELOAD_CITUS=1 cluster start "${NAMES[$i]}" "${PORTS[$i]}" >/dev/null ||
    bail "cannot start ${NAMES[$i]} on port ${PORTS[$i]} (see .cluster/${NAMES[$i]}/server.log)"
done
for p in "${PORTS[@]}"; do
  spl=$(sql "$p" -c "SHOW shared_preload_libraries")
  [[ $spl == citus* ]] || bail "port $p: shared_preload_libraries = '$spl', citus must come first"
  sql "$p" -c "CREATE EXTENSION citus" || bail "CREATE EXTENSION citus failed on port $p"
done
sql $COORD -c "SELECT citus_set_coordinator_host('127.0.0.1', $COORD)" >/dev/null &&
sql $COORD -c "SELECT citus_add_node('127.0.0.1', 5442)" -c "SELECT citus_add_node('127.0.0.1', 5443)" >/dev/null ||
  bail "cannot add the workers to the coordinator"
is "$(sql $COORD -c "SELECT string_agg(nodeport::text, ',' ORDER BY nodeport) FROM pg_dist_node WHERE isactive")" \
   "5441,5442,5443" "coordinator 5441 and workers 5442, 5443 are active Citus nodes"
is "$(sql $COORD -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'")" "13.2-1" "Citus 13.2-1"
