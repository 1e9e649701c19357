#!/usr/bin/env bash
# A hot standby of a scratch cluster: pg_basebackup -R (streaming replication, the
# primary's WAL fetched during the copy) into the cluster directory of NAME, then started
# on its own port by scripts/cluster.sh, which also stops and destroys it.
#
#   scripts/standby.sh create NAME PRIMARY_PORT PORT   copy anew (an old NAME is destroyed) and start
#   scripts/cluster.sh stop|destroy|status NAME
#
# The scratch clusters trust loopback connections, replication included (initdb's default
# pg_hba.conf), and wal_level replica is PostgreSQL's default: no change on the primary.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: standby.sh create NAME PRIMARY_PORT PORT"
cmd=${1:?$usage}
name=${2:?$usage}
primary_port=${3:?$usage}
port=${4:?$usage}
[ "$cmd" = create ] || { echo "$usage" >&2; exit 2; }
dir="$("$root/scripts/pg-workdir.sh")/$name"
. "$root/scripts/privileges.sh"

"$root/scripts/cluster.sh" destroy "$name"
as_root mkdir -p "$dir"
as_root chown postgres: "$dir"
as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
  -D "$dir/data" -R -X stream -c fast
# The copy carries the primary's settings; the later lines win.
as_postgres tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF

# synapse hot standby of the cluster on port $primary_port
port = $port
unix_socket_directories = '$dir'
cron.host = '$dir'
hot_standby = on
CONF
"$root/scripts/cluster.sh" start "$name" "$port"
