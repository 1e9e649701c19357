#!/usr/bin/env bash
# Applies the numbered migrations in sql/migrations (golang-migrate layout:
# NNNNNN_name.up.sql / NNNNNN_name.down.sql) to a database.
#
#   scripts/migrate.sh [--host H] [--port P] [--user U] [--db D] [--dir DIR] COMMAND
#     up [N]          apply all pending migrations, or the next N
#     down [N|--all]  revert the last N migrations (default 1), or all of them
#     goto V          migrate up or down to version V
#     version         print the current version ("none" before the first migration)
#     force V         record version V as clean without running anything (recovery after a
#                     failed golang-migrate run left the database dirty; -1 = no version)
#
# Connection defaults come from PGHOST/PGPORT/PGUSER/PGDATABASE (database: synapse).
#
# State lives in public.schema_migrations(version bigint PRIMARY KEY, dirty boolean NOT
# NULL), one row holding the current version, exactly as golang-migrate's postgres driver
# keeps it, so either tool can take over (golang-migrate needs
# x-migrations-table="public"."schema_migrations"&x-migrations-table-quoted=1 in its URL,
# because migration 1 puts schema synapse first in the search_path). Each migration file
# and the version update run in ONE transaction, so a failure leaves the previous version
# recorded and nothing half-applied; a dirty flag (set only by golang-migrate) stops us.
# Each transaction also takes the advisory lock golang-migrate takes for this table, so the
# two tools never migrate the same database at once.
#
# Every up file states the synapse_ext version it needs in a header line
# `-- requires: synapse_ext >= X.Y.Z`. Before applying anything, up and goto compare the
# newest version the pending files need with the extension in the database (its
# extversion, or the server's default_version when migration 1 has yet to create it) and
# refuse, applying nothing, when it is older.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/sql/migrations"

die() { echo "migrate: $*" >&2; exit 1; }
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --host) export PGHOST=${2:?--host needs a value}; shift 2 ;;
    --port) export PGPORT=${2:?--port needs a value}; shift 2 ;;
    --user) export PGUSER=${2:?--user needs a value}; shift 2 ;;
    --db)   export PGDATABASE=${2:?--db needs a value}; shift 2 ;;
    --dir)  dir=${2:?--dir needs a value}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) [ "$1" = --all ] && break; die "unknown option $1" ;;
    *) break ;;
  esac
done
export PGDATABASE=${PGDATABASE:-synapse}
cmd=${1:-}; [ -n "$cmd" ] || usage; shift

is_int() { [[ $1 =~ ^-?[0-9]+$ ]]; }

# --- the migration files -------------------------------------------------------------
declare -a versions=()       # ascending
declare -A up_file=() down_file=()
shopt -s nullglob
for f in "$dir"/*.up.sql "$dir"/*.down.sql; do
  base=$(basename "$f")
  [[ $base =~ ^([0-9]+)_[A-Za-z0-9_.-]+\.(up|down)\.sql$ ]] || die "unexpected file name: $base"
  v=$((10#${BASH_REMATCH[1]}))
  if [ "${BASH_REMATCH[2]}" = up ]; then
    [ -z "${up_file[$v]:-}" ] || die "two up migrations for version $v"
    up_file[$v]=$f
  else
    [ -z "${down_file[$v]:-}" ] || die "two down migrations for version $v"
    down_file[$v]=$f
  fi
done
mapfile -t versions < <(printf '%s\n' "${!up_file[@]}" | sort -n)
[ ${#versions[@]} -gt 0 ] && [ -n "${versions[0]}" ] || die "no migrations in $dir"
for v in "${!down_file[@]}"; do [ -n "${up_file[$v]:-}" ] || die "down migration without up for version $v"; done

# --- the extension version each migration needs --------------------------------------
declare -A requires=()
for v in "${versions[@]}"; do
  line=$(grep -m1 '^-- requires:' "${up_file[$v]}" || true)
  [[ $line =~ ^--\ requires:\ synapse_ext\ \>=\ ([0-9]+\.[0-9]+\.[0-9]+)$ ]] ||
    die "$(basename "${up_file[$v]}") has no header line \"-- requires: synapse_ext >= X.Y.Z\" (the extension version it needs; docs/migrations.md)"
  requires[$v]=${BASH_REMATCH[1]}
done

# version_lt A B: A is older than B (dotted numbers, compared part by part).
version_lt() {
  local -a a b
  local i
  IFS=. read -r -a a <<<"$1"
  IFS=. read -r -a b <<<"$2"
  for i in 0 1 2; do
    [ "$((10#${a[i]:-0}))" -lt "$((10#${b[i]:-0}))" ] && return 0
    [ "$((10#${a[i]:-0}))" -gt "$((10#${b[i]:-0}))" ] && return 1
  done
  return 1
}

# --- database access -----------------------------------------------------------------
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# golang-migrate's lock id (database.GenerateAdvisoryLockId): crc32 of
# "<db>\0public\0schema_migrations" times 1486364155, mod 2^32. Its database name is the
# path of the connection URL, hence the slash.
lock_id=$(perl -MCompress::Zlib -e 'use integer; my $c = Compress::Zlib::crc32(join("\0", @ARGV)); print(($c * 1486364155) % 4294967296)' \
            "/$PGDATABASE" public schema_migrations 2>/dev/null ||
          python3 -c 'import sys, zlib; print((zlib.crc32("\0".join(sys.argv[1:]).encode()) * 1486364155) % 2**32)' \
            "/$PGDATABASE" public schema_migrations) || true
[[ $lock_id =~ ^[0-9]+$ ]] || die "cannot compute the advisory lock id (needs perl's Compress::Zlib or python3)"

# Created only when missing (like golang-migrate), so a role without CREATE can still ask
# for the version.
if [ "$(psql_q -c "SELECT to_regclass('public.schema_migrations') IS NULL")" = t ]; then
  psql_q -c "CREATE TABLE IF NOT EXISTS public.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)" >/dev/null
fi

read_state() {
  local row
  row=$(psql_q -F ' ' -c "SELECT version, dirty FROM public.schema_migrations LIMIT 1")
  if [ -z "$row" ]; then cur=-1; dirty=f; else read -r cur dirty <<<"$row"; fi
}

refuse_dirty() {
  [ "$dirty" = t ] || return 0
  die "database $PGDATABASE is dirty at version $cur: a migration failed halfway (outside this tool).
Repair the schema by hand, then record the version that matches it: scripts/migrate.sh force V"
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# Runs first in each transaction: serialise with any other runner, and check that the
# recorded state is still what we planned from.
cat >"$tmp/pre.sql" <<'SQL'
SELECT pg_catalog.pg_advisory_xact_lock(:'mig_lock'::bigint);
SELECT pg_catalog.set_config('synapse_migrate.expected', :'mig_from', true);
DO $$
DECLARE
  v bigint;
  d boolean;
BEGIN
  SELECT version, dirty INTO v, d FROM public.schema_migrations LIMIT 1;
  IF NOT FOUND THEN v := -1; d := false; END IF;
  IF d OR v <> pg_catalog.current_setting('synapse_migrate.expected')::bigint THEN
    RAISE EXCEPTION 'schema_migrations changed under us (now version %, dirty %); rerun', v, d;
  END IF;
END
$$;
SQL
# Runs last in the same transaction: record the new version the way golang-migrate does.
cat >"$tmp/post.sql" <<'SQL'
TRUNCATE public.schema_migrations;
INSERT INTO public.schema_migrations (version, dirty)
SELECT :'mig_to'::bigint, false WHERE :'mig_to'::bigint >= 0;
SQL

# step FILE FROM TO
step() {
  local label
  label=$(basename "$1")
  echo "migrate: $label" >&2
  if ! psql_q -1 -v mig_lock="$lock_id" -v mig_from="$2" -v mig_to="$3" \
        -f "$tmp/pre.sql" -f "$1" -f "$tmp/post.sql" >/dev/null; then
    die "$label failed; rolled back, the database stays at version $2"
  fi
  cur=$3
}

prev_version() {  # the version below $1 among the files, -1 when none
  local p=-1 v
  for v in "${versions[@]}"; do [ "$v" -lt "$1" ] && p=$v; done
  echo "$p"
}

# refuse_old_extension VERSION...: dies, before anything is applied, when the synapse_ext
# these migrations would run against is older than one of them requires.
refuse_old_extension() {
  local v need="" installed available have what too_old="" hint
  for v in "$@"; do
    if [ -z "$need" ] || version_lt "$need" "${requires[$v]}"; then need=${requires[$v]}; fi
  done
  [ -n "$need" ] || return 0
  installed=$(psql_q -c "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'synapse_ext'")
  available=$(psql_q -c "SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'synapse_ext'")
  if [ -n "$installed" ]; then
    have=$installed what="database $PGDATABASE has synapse_ext $installed installed"
  elif [ -n "$available" ]; then
    have=$available what="synapse_ext is not created in database $PGDATABASE yet and the server would create version $available"
  else
    die "the pending migrations need synapse_ext >= $need, which is not installed in this PostgreSQL server (install a release: README, \"Installing a release\"); nothing was applied"
  fi
  [[ $have =~ ^[0-9]+(\.[0-9]+)*$ ]] || die "cannot compare synapse_ext version \"$have\" with the required $need; nothing was applied"
  for v in "$@"; do
    if version_lt "$have" "${requires[$v]}"; then too_old="$too_old
  $(basename "${up_file[$v]}") requires synapse_ext >= ${requires[$v]}"; fi
  done
  [ -z "$too_old" ] && return 0
  if [ -n "$installed" ] && [ -n "$available" ] && ! version_lt "$available" "$need"; then
    hint="The server has synapse_ext $available: run ALTER EXTENSION synapse_ext UPDATE in database $PGDATABASE first (README, \"Upgrading\")."
  else
    hint="Install synapse_ext >= $need into this PostgreSQL server first${installed:+, then run ALTER EXTENSION synapse_ext UPDATE} (README, \"Upgrading\")."
  fi
  die "$what, too old for:$too_old
Nothing was applied (the database stays at version $(fmt_version "$cur")). $hint"
}

do_up() {  # do_up LIMIT(-1 = all) [TARGET]
  local limit=$1 target=${2:-} v
  local -a pending=()
  for v in "${versions[@]}"; do
    [ "$v" -gt "$cur" ] || continue
    [ -z "$target" ] || [ "$v" -le "$target" ] || break
    [ "$limit" -lt 0 ] || [ "${#pending[@]}" -lt "$limit" ] || break
    pending+=("$v")
  done
  if [ "${#pending[@]}" -eq 0 ]; then
    echo "migrate: no change (version $(fmt_version "$cur"))" >&2
    return 0
  fi
  refuse_old_extension "${pending[@]}"
  for v in "${pending[@]}"; do
    step "${up_file[$v]}" "$cur" "$v"
  done
}

do_down() {  # do_down LIMIT(-1 = all) [TARGET]
  local limit=$1 target=${2:--1} n=0
  while [ "$cur" -ge 0 ] && [ "$cur" -gt "$target" ]; do
    [ "$limit" -lt 0 ] || [ "$n" -lt "$limit" ] || break
    [ -n "${up_file[$cur]:-}" ] || die "the database is at version $cur, which has no migration in $dir"
    [ -n "${down_file[$cur]:-}" ] || die "no down migration for version $cur"
    step "${down_file[$cur]}" "$cur" "$(prev_version "$cur")"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || echo "migrate: no change (version $(fmt_version "$cur"))" >&2
}

fmt_version() { if [ "$1" -lt 0 ]; then echo none; else echo "$1"; fi; }

read_state
case "$cmd" in
  up)
    n=${1:--1}; is_int "$n" && { [ "$n" -gt 0 ] || [ "$n" = -1 ]; } || die "up: N must be a positive integer"
    refuse_dirty; do_up "$n" ;;
  down)
    arg=${1:-1}
    if [ "$arg" = --all ]; then n=-1
    else is_int "$arg" && [ "$arg" -gt 0 ] || die "down: N must be a positive integer or --all"; n=$arg; fi
    refuse_dirty; do_down "$n" ;;
  goto)
    v=${1:?goto needs a version}; [[ $v =~ ^[0-9]+$ ]] || die "goto: version must be a non-negative integer"
    v=$((10#$v)); [ -n "${up_file[$v]:-}" ] || die "goto: no migration with version $v"
    refuse_dirty
    if [ "$v" -gt "$cur" ]; then do_up -1 "$v"; else do_down -1 "$v"; fi ;;
  version)
    if [ "$dirty" = t ]; then echo "$(fmt_version "$cur") (dirty)"; else fmt_version "$cur"; fi ;;
  force)
    v=${1:?force needs a version}; is_int "$v" && [ "$v" -ge -1 ] || die "force: version must be an integer >= -1"
    psql_q -v mig_to="$v" -1 -f "$tmp/post.sql" >/dev/null
    echo "migrate: recorded version $(fmt_version "$v") (clean)" >&2 ;;
  *) usage ;;
esac
