#!/usr/bin/env bash
# Prints the directory that holds the scratch clusters' data (and the pgrx test cluster):
# .cluster under the project when the postgres OS user can reach it, which the servers
# run as; otherwise (a checkout below a private home directory, say) a directory of its
# own under /tmp, named after the project path so two checkouts never share one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/privileges.sh"
if as_postgres test -x "$root" 2>/dev/null; then
  dir="$root/.cluster"
else
  dir="/tmp/synapse-clusters-$(printf '%s' "$root" | md5sum | cut -c1-12)"
fi
mkdir -p "$dir"
chmod 755 "$dir"
echo "$dir"
