#!/usr/bin/env bash
# Point-in-time recovery with the WAL-archiving settings of docs/operations.md: a cluster
# (.cluster/ops-archive) archiving its WAL with archive_command, a base backup, rows
# written before and after a target time, then a copy of the base backup recovered with
# restore_command to that time: the rows before it are there, the ones after are not.
source "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/privileges.sh"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
work=$("$ROOT/scripts/pg-workdir.sh")
src="$work/ops-archive"; dst="$work/ops-pitr"; archive="$src/wal-archive"
src_db() { on ops-archive "$@"; }

"$ROOT/scripts/cluster.sh" destroy ops-archive
"$ROOT/scripts/cluster.sh" destroy ops-pitr
"$ROOT/scripts/cluster.sh" start ops-archive "$OPS_ARCHIVE_PORT"
as_postgres mkdir -p "$archive"
as_postgres tee -a "$src/data/postgresql.conf" >/dev/null <<CONF
archive_mode = on
archive_command = 'test ! -f $archive/%f && cp %p $archive/%f'
archive_timeout = 300
CONF
"$ROOT/scripts/cluster.sh" stop ops-archive
"$ROOT/scripts/cluster.sh" start ops-archive "$OPS_ARCHIVE_PORT"
is "$(src_db -c "SHOW archive_mode")" on "archive_mode on"
"$ROOT/scripts/migrate.sh" --host "$src" --port "$OPS_ARCHIVE_PORT" --db synapse up >/dev/null 2>&1
src_db -1 -f "$ROOT/sql/seed/dev_seed.sql" >/dev/null

as_root mkdir -p "$dst" && as_root chown postgres: "$dst"
as_postgres "$PG_BIN/pg_basebackup" -h "$src" -p "$OPS_ARCHIVE_PORT" -U postgres -D "$dst/data" -X fetch -c fast
as_root test -s "$dst/data/backup_label" && as_root test -s "$dst/data/global/pg_control" \
  && ok "a base backup (pg_basebackup: backup_label, pg_control)" || not_ok "a base backup (pg_basebackup)" "no backup_label or pg_control in $dst/data"

src_db -c "INSERT INTO synapse.departments (name) VALUES ('Before the target')"
sleep 1
target=$(src_db -c "SELECT now()")
sleep 1
src_db -c "INSERT INTO synapse.departments (name) VALUES ('After the target')"
wal=$(src_db -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
src_db -c "SELECT pg_switch_wal()" >/dev/null
archived() { as_postgres test -f "$archive/$wal"; }
wait_for "the WAL archive" 30 archived && ok "the segment holding both rows is archived" || not_ok "the segment holding both rows is archived"
is "$(src_db -c "SELECT failed_count FROM pg_stat_archiver")" 0 "pg_stat_archiver: no failure"
"$ROOT/scripts/cluster.sh" stop ops-archive

# The copy: restore_command, a target time, recovery.signal, its own port.
as_postgres tee -a "$dst/data/postgresql.conf" >/dev/null <<CONF
port = $OPS_PITR_PORT
unix_socket_directories = '$dst'
archive_mode = off
restore_command = 'cp $archive/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
CONF
as_postgres touch "$dst/data/recovery.signal"
"$ROOT/scripts/cluster.sh" start ops-pitr "$OPS_PITR_PORT"
promoted() { [ "$(on ops-pitr -c "SELECT pg_is_in_recovery()")" = f ]; }
wait_for "recovery" 60 promoted && ok "recovered to the target time and promoted" || not_ok "recovered to the target time and promoted"
is "$(on ops-pitr -c "SELECT string_agg(name, ',' ORDER BY name) FROM synapse.departments WHERE name LIKE '%the target'")" \
   "Before the target" "the row written before the target is there, the one after it is not"
is "$(on ops-pitr -c "SELECT count(*) FROM synapse.tasks")" 36 "the seed's 36 tasks are there"
is "$(on ops-pitr -c "SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\"}', '2026-01-01 10:00+00')")" \
   "2026-01-02 10:00:00+00" "the extension answers"
grep -q "recovery stopping before commit" "$dst/server.log" && ok "the log says where recovery stopped" || not_ok "the log says where recovery stopped"

"$ROOT/scripts/cluster.sh" destroy ops-pitr
"$ROOT/scripts/cluster.sh" destroy ops-archive
done_testing
