#!/usr/bin/env bash
# The Debian package from `make package`, checked as far as a test can without replacing the
# system PostgreSQL's files (other builds use them): its metadata and exact contents, apt's
# dependency resolution for it (apt-get --simulate), a library that needs nothing outside
# Debian (no Rust toolchain); then its files unpacked (dpkg -x) into a fresh private copy
# of PostgreSQL 15 holding no synapse_ext, a scratch cluster on that copy, CREATE
# EXTENSION, the recurrence tour (tests/sql, tests/expected), update paths from every
# release, the migrations, the seed and a generation run.
# Port SYNAPSE_PACKAGE_PORT (default 25332), cluster NAME package, tree package-pg.
export SYNAPSE_TEST_PORT=${SYNAPSE_PACKAGE_PORT:-25332} SYNAPSE_TEST_CLUSTER=package
source "$(dirname "$0")/../e2e/lib.sh"

version=$("$ROOT/scripts/version.sh")
arch=$(dpkg --print-architecture)
deb=$ROOT/target/package/synapse-ext_${version}_${arch}.deb
[ -f "$deb" ] || { echo "Bail out! $deb is missing: make package"; exit 1; }
tree=$("$ROOT/scripts/pg-workdir.sh")/package-pg
export PG_BIN=$tree/usr/lib/postgresql/15/bin
DB=synapse_package
tmp=$(mktemp -d)
trap '"$ROOT/scripts/cluster.sh" stop package >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

# --- the package -----------------------------------------------------------------------
is "$(dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' ')" "Package: synapse-ext Version: $version Architecture: $arch " \
   "package synapse-ext $version for $arch"
depends=$(dpkg-deb -f "$deb" Depends)
[[ $depends =~ ^postgresql-15,\ .*libc6 ]] && ok "depends on postgresql-15 and its libraries ($depends)" ||
  not_ok "depends on postgresql-15 and its libraries" "got: $depends"

expected=$( {
  echo ./usr/lib/postgresql/15/lib/synapse_ext.so
  echo ./usr/share/postgresql/15/extension/synapse_ext.control
  echo "./usr/share/postgresql/15/extension/synapse_ext--$version.sql"
  for f in "$ROOT"/sql/synapse_ext--*--*.sql; do echo "./usr/share/postgresql/15/extension/$(basename "$f")"; done
  echo ./usr/share/doc/synapse-ext/changelog.gz
  echo ./usr/share/doc/synapse-ext/copyright
} | sort)
is "$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sort)" "$expected" \
   "it holds the library, the control file, the $version install script and every update script"
is "$(dpkg-deb -c "$deb" | awk '{ print $2 }' | sort -u)" "root/root" "every file is owned by root"

if out=$(apt-get --simulate install "$deb" 2>&1) && grep -q '^Inst synapse-ext ' <<<"$out"; then
  ok "apt resolves its dependencies (apt-get --simulate install ./$(basename "$deb"))"
else
  not_ok "apt resolves its dependencies" "$(tail -5 <<<"$out")"
fi

# --- unpacked into a clean PostgreSQL 15 ------------------------------------------------
eval "$("$ROOT/scripts/private-pg.sh" --fresh "$tree")" >/dev/null
rm -f "$tree"/usr/lib/postgresql/15/lib/synapse_ext.so "$tree"/usr/share/postgresql/15/extension/synapse_ext.control \
      "$tree"/usr/share/postgresql/15/extension/synapse_ext--*.sql
dpkg -x "$deb" "$tree"
lib=$tree/usr/lib/postgresql/15/lib/synapse_ext.so
deps=$(ldd "$lib" | awk '{ print $1 }' | grep -v -e '^linux-vdso' -e '^/lib64/ld-linux' | sort | tr '\n' ' ')
if ldd "$lib" | grep -q -e 'not found' -e 'rustlib' -e '\.cargo'; then not_ok "the library needs only system libraries" "$(ldd "$lib")"
else ok "the library needs only system libraries ($deps)"; fi

"$ROOT/scripts/cluster.sh" destroy package
"$ROOT/scripts/cluster.sh" start package "$SYNAPSE_TEST_PORT"
fresh_db "$DB"
psql_db "$DB" -c "CREATE EXTENSION synapse_ext CASCADE"
is "$(psql_db "$DB" -c "SELECT extversion FROM pg_extension WHERE extname = 'synapse_ext'")" "$version" \
   "CREATE EXTENSION synapse_ext from the package: version $version"

tour_matches synapse_package_tour "the packaged extension" "CREATE EXTENSION synapse_ext"

while read -r old _; do
  [ "$old" != "$version" ] || continue
  path=$(psql_db "$DB" -c "SELECT path FROM pg_extension_update_paths('synapse_ext') WHERE source = '$old' AND target = '$version'")
  [ -n "$path" ] && ok "the package updates release $old to $version ($path)" ||
    not_ok "the package updates release $old to $version" "no update path: sql/synapse_ext--$old--…sql missing"
done < <(grep -Ev '^[[:space:]]*(#|$)' "$ROOT/releases.txt")

fresh_db synapse
"$ROOT/scripts/migrate.sh" --db synapse up 2>"$tmp/migrate.log" || sed 's/^/# /' "$tmp/migrate.log"
latest=$(ls "$ROOT"/sql/migrations/*.up.sql | sed 's#.*/0*\([0-9]*\)_.*#\1#' | sort -n | tail -1)
is "$("$ROOT/scripts/migrate.sh" --db synapse version)" "$latest" "the migrations apply on the packaged extension"
psql_db synapse -1 -f "$ROOT/sql/seed/dev_seed.sql" >/dev/null
generated=$(psql_db synapse -c "SELECT tasks_generated || ' ' || tasks_failed FROM synapse.generate_recurring_tasks(1000)")
[[ $generated =~ ^[0-9]+\ 0$ ]] && ok "generation runs on the seed (generated, failed: $generated)" ||
  not_ok "generation runs on the seed" "got: $generated"

"$ROOT/scripts/cluster.sh" destroy package
done_testing
