#!/usr/bin/env bash
# Builds a checkout of synapse_ext and lays out the files a PostgreSQL 15 installation needs
# (lib/synapse_ext.so, the control file, the install script synapse_ext--V.sql and every
# update script sql/synapse_ext--A--B.sql) under OUT/usr/..., exactly where the Debian
# package puts them: `cp -a OUT/. TREE/` installs into a private tree (scripts/private-pg.sh),
# `dpkg-deb` packages it. Nothing is installed anywhere.
#
#   scripts/stage-build.sh [--release] CHECKOUT TARGET_DIR OUT
#
# Always built against the system pg_config: pgrx's bindings are rebuilt whenever the
# pg_config a build names changes, so every build of a target directory names the same one
# (a private tree is a copy of the same PostgreSQL, so the library works there too).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
profile=--debug
if [ "${1:-}" = --release ]; then profile=""; shift; fi
src=$(cd "${1:?usage: stage-build.sh [--release] CHECKOUT TARGET_DIR OUT}" && pwd)
target_dir=${2:?target directory required}
out=${3:?output directory required}
SYSTEM_PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
export PATH="$HOME/.cargo/bin:$PATH"

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "${out:?}/usr"
cd "$src"
CARGO_TARGET_DIR=$target_dir cargo pgrx package $profile --pg-config "$SYSTEM_PG_CONFIG" --out-dir "$out"
# What the files must be, whatever cargo-pgrx does: one library, the control file, the
# install script of this version.
version=$("$here/version.sh" "$src")
for f in "usr/lib/postgresql/15/lib/synapse_ext.so" "usr/share/postgresql/15/extension/synapse_ext.control" \
         "usr/share/postgresql/15/extension/synapse_ext--$version.sql"; do
  [ -f "$out/$f" ] || { echo "stage-build: $f missing from $out" >&2; exit 1; }
done
