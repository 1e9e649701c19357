#!/usr/bin/env bash
# A private copy of the system PostgreSQL 15 installation (binaries, libraries, share and
# headers), so that a second checkout can install its own build of synapse_ext and run its
# clusters without replacing the library under another checkout's running servers.
# PostgreSQL finds its share and lib directories relative to its binaries, so the copy works
# from anywhere. Prints the variables that point the Makefile and scripts at it.
#
#   eval "$(scripts/private-pg.sh DIR)"        copy once (DIR absent), then print exports
#   eval "$(scripts/private-pg.sh --fresh DIR)" copy anew (after apt upgraded PostgreSQL or
#                                               Citus was installed into the system)
set -euo pipefail
fresh=0
if [ "${1:-}" = --fresh ]; then fresh=1; shift; fi
dir=${1:?usage: private-pg.sh [--fresh] DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ "$fresh" = 1 ] || [ ! -x "$dir/usr/lib/postgresql/15/bin/postgres" ]; then
  rm -rf "$dir/usr"
  mkdir -p "$dir/usr/lib/postgresql" "$dir/usr/share/postgresql" "$dir/usr/include"
  cp -a /usr/lib/postgresql/15 "$dir/usr/lib/postgresql/"
  cp -a /usr/share/postgresql/15 "$dir/usr/share/postgresql/"
  cp -a /usr/include/postgresql "$dir/usr/include/"
  chmod -R a+rX "$dir"
fi
bin="$dir/usr/lib/postgresql/15/bin"
echo "export PG_CONFIG='$bin/pg_config' PG_BIN='$bin' PGBENCH='$bin/pgbench'"
