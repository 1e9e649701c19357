#!/usr/bin/env bash
# `make package`: the release build of synapse_ext for PostgreSQL 15, as files
# (cargo pgrx package) and as a Debian package built with Debian's own tools:
#
#   target/package/root/usr/...                      what the package installs
#   target/package/synapse-ext_<version>_<arch>.deb  apt install ./synapse-ext_…deb
#
# The package holds the library, the control file, the install script of this version and
# every update script, under the paths of Debian's postgresql-15 (it depends on it). The
# library's own dependencies come from dpkg-shlibdeps. Installing it replaces the library
# by renaming (dpkg), so running servers are safe; `ALTER EXTENSION synapse_ext UPDATE`
# then brings each database's catalog along (README, "Upgrading").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$("$root/scripts/version.sh")
arch=$(dpkg --print-architecture)
out=$root/target/package
stage=$out/root
deb=$out/synapse-ext_${version}_${arch}.deb

"$root/scripts/stage-build.sh" --release "$root" "${CARGO_TARGET_DIR:-$root/target}" "$stage"
lib=$stage/usr/lib/postgresql/15/lib/synapse_ext.so
# No debug symbols in the package (the release profile builds none; the symbol table goes).
strip --strip-unneeded "$lib"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# dpkg-shlibdeps reads the package name from a debian/control; the symbols PostgreSQL
# itself provides are resolved at load time, not by a library (--warnings=0).
mkdir -p "$tmp/debian"
printf 'Source: synapse-ext\n\nPackage: synapse-ext\nArchitecture: any\n' >"$tmp/debian/control"
shlibs=$(cd "$tmp" && dpkg-shlibdeps -O --warnings=0 "$lib" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "package: dpkg-shlibdeps found no library dependencies for $lib" >&2; exit 1; }

doc=$stage/usr/share/doc/synapse-ext
mkdir -p "$doc" "$stage/DEBIAN"
gzip -9n <"$root/CHANGELOG.md" >"$doc/changelog.gz"
cat >"$doc/copyright" <<TEXT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: synapse_ext

Files: *
License: MIT
TEXT
cat >"$stage/DEBIAN/control" <<TEXT
Package: synapse-ext
Version: $version
Architecture: $arch
Maintainer: synapse_ext maintainers <maintainers@users.noreply.b-seed-efca669d.example>
Depends: postgresql-15, $shlibs
Section: database
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Description: Synapse task-management core for PostgreSQL 15
 The synapse_ext extension (schema synapse): recurrence engine over JSONB
 patterns, recurring task generation, project task counters and task search.
 CREATE EXTENSION synapse_ext in a database, or apply the Synapse migrations.
 Update scripts for every earlier release are included: ALTER EXTENSION
 synapse_ext UPDATE after installing a newer package.
TEXT
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f -exec chmod 644 {} +
rm -f "$out"/synapse-ext_*.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
