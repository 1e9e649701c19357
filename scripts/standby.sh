#!/usr/bin/env bash
# A hot standby of a scratch cluster: pg_basebackup (streaming replication, the primary's
# WAL fetched during the copy) into the cluster directory of NAME, then started on its own
# port by scripts/cluster.sh, which also stops and destroys it.
#
#   scripts/standby.sh create NAME PRIMARY PORT   copy the running cluster PRIMARY anew (an
#                                                 old NAME is destroyed) and start it on PORT
#   scripts/cluster.sh stop|destroy|status NAME
#
# It replicates as synapse_replication, a LOGIN REPLICATION role made on the primary
# (scripts/cluster.sh login --replication --server: a random password, recorded for the
# servers), over TLS with the primary's certificate verified (verify-full) and SCRAM, which
# the primary's pg_hba.conf allows that role alone. wal_level replica is PostgreSQL's
# default: no other change on the primary. The copy keeps the primary's roles and
# passwords; its certificate is its own (scripts/tls.sh, at its first start).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: standby.sh create NAME PRIMARY PORT"
cmd=${1:?$usage}
name=${2:?$usage}
primary=${3:?$usage}
port=${4:?$usage}
[ "$cmd" = create ] || { echo "$usage" >&2; exit 2; }
work=$("$root/scripts/pg-workdir.sh")
dir="$work/$name"
. "$root/scripts/privileges.sh"

eval "$("$root/scripts/cluster.sh" env "$primary")"
primary_port=$PGPORT
"$root/scripts/cluster.sh" login "$primary" synapse_replication --replication --server
"$root/scripts/cluster.sh" destroy "$name"
as_root mkdir -p "$dir"
as_root chown postgres: "$dir"
# As the server will: the postgres OS user with the servers' passfile.
conninfo="host=127.0.0.1 port=$primary_port user=synapse_replication passfile=$work/server.pgpass sslmode=verify-full sslrootcert=$PGSSLROOTCERT"
as_postgres "$PG_BIN/pg_basebackup" -d "$conninfo" -D "$dir/data" -X stream -c fast
as_postgres touch "$dir/data/standby.signal"
# The copy carries the primary's settings; the later lines win.
as_postgres tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF

# synapse hot standby of $primary (port $primary_port)
port = $port
unix_socket_directories = '$dir'
cron.host = '$dir'
hot_standby = on
primary_conninfo = '$conninfo application_name=$name'
CONF
"$root/scripts/cluster.sh" start "$name" "$port"
