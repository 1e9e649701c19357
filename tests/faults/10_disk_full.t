#!/usr/bin/env bash
# The disk fills up during a generation run: synapse.tasks and synapse.task_assignees live
# in a tablespace on a 64 MB tmpfs, a ballast file leaves 8 MB of it free, and a run that
# would make 36,000 instances starts. The run fails with the disk's error (53100) to its
# caller and in its run log, the server stays up, no template is blamed, and every batch it
# committed is whole (counters exact). After the ballast is removed the next run completes:
# every instance exists exactly once, the same as in a database that never ran out of space.
source "$(dirname "$0")/../e2e/lib.sh"
AS_OF='2026-06-30 12:00+00'
DB=faults_disk REF=faults_disk_ref
tight=$("$ROOT/scripts/pg-workdir.sh")/faults-tight
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
cleanup() {
  psql_db postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "DROP TABLESPACE IF EXISTS faults_tight" >/dev/null 2>&1 || true
  if mountpoint -q "$tight"; then as_root umount "$tight"; fi
}
trap cleanup EXIT
cleanup
instances="SELECT count(*) || ' ' || count(DISTINCT (recurrence_parent_id, occurrence_at)) || ' ' ||
                  md5(string_agg(recurrence_parent_id || '@' || occurrence_at, ',' ORDER BY recurrence_parent_id, occurrence_at))
             FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL"
assigned="SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FROM (
            SELECT (SELECT count(*) FROM synapse.task_assignees a WHERE a.department_id = t.department_id AND a.task_id = t.id) AS n
              FROM synapse.tasks t WHERE t.recurrence_parent_id IS NOT NULL) s"
counters="SELECT task_count || '/' || completed_task_count FROM synapse.projects"
last_run="SELECT status || ' ' || coalesce(errors->-1->>'sqlstate', '-') || ' ' || (coalesce(errors->-1->>'error', '') LIKE '%No space left on device%')
            FROM synapse.generation_recent_runs ORDER BY id DESC LIMIT 1"

for db in $DB $REF; do
  fresh_db $db >/dev/null
  "$ROOT/scripts/migrate.sh" --db $db up >/dev/null 2>&1
  psql_db $db -f "$ROOT/tests/faults/data/templates.sql" >/dev/null
done
psql_db $REF -c "CALL synapse.run_recurring_generation(50, '$AS_OF')"

mkdir -p "$tight"
as_root mount -t tmpfs -o size=64m,mode=0700 tmpfs "$tight"
as_root chown postgres: "$tight"
psql_db $DB -c "CREATE TABLESPACE faults_tight LOCATION '$tight'" \
            -c "ALTER TABLE synapse.tasks SET TABLESPACE faults_tight" \
            -c "ALTER TABLE synapse.task_assignees SET TABLESPACE faults_tight" \
            -c "SELECT format('ALTER INDEX %s SET TABLESPACE faults_tight', indexrelid::regclass) FROM pg_index
                 WHERE indrelid IN ('synapse.tasks'::regclass, 'synapse.task_assignees'::regclass)" -c '\gexec' >/dev/null
free_kb() { df -k --output=avail "$tight" | tail -1; }
as_root dd if=/dev/zero of="$tight/ballast" bs=1k count=$(( $(free_kb) - 8192 )) status=none
is "$(( $(free_kb) / 1024 ))" 8 "the tasks' tablespace has 8 MB left"

up_before=$(psql_db postgres -c "SELECT pg_postmaster_start_time()")
out=$(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d $DB -c "CALL synapse.run_recurring_generation(50, '$AS_OF')" 2>&1) && rc=0 || rc=$?
st=$(sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1)
is "$rc $st" "1 53100" "the run fails to its caller with 53100 (disk_full)"
grep -q "generation run [0-9]* stopped: could not extend file .*No space left on device" <<<"$out" &&
  ok "its message names the run and the disk's error" || not_ok "its message names the run and the disk's error" "$out"
is "$(psql_db $DB -c "$last_run")" "interrupted 53100 true" "the run log shows the run interrupted, with the disk's error and SQLSTATE"
is "$(psql_db postgres -c "SELECT pg_postmaster_start_time()")" "$up_before" "the server stayed up (no restart)"
is "$(psql_db $DB -c "SELECT count(*) FROM synapse.tasks WHERE recurrence_last_error IS NOT NULL")" 0 \
   "no template is blamed for the full disk (recurrence_last_error unset)"
partial=$(psql_db $DB -c "SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL")
is "$(psql_db $DB -c "SELECT synapse.recount_project_tasks()")" 0 \
   "the $partial instances of the batches committed before the disk filled are whole: recount_project_tasks corrects nothing"
is "$(psql_db $DB -c "$assigned")" "$partial/$partial" "each of them has its assignee"

t0=$(date +%s%N)
as_root rm -f "$tight/ballast"
out=$(psql_db $DB -c "CALL synapse.run_recurring_generation(50, '$AS_OF')" 2>&1) &&
  ok "after space is freed the next run completes ($(( ($(date +%s%N) - t0) / 1000000 )) ms)" || not_ok "after space is freed the next run completes" "$out"
is "$(psql_db $DB -c "$last_run")" "finished - false" "the run log shows it finished without an error"
want=$(psql_db $REF -c "$instances")
is "$(psql_db $DB -c "$instances")" "$want" "every instance exactly once, the same as without the fault (${want%% *} instances)"
is "$(psql_db $DB -c "$assigned")" "$(psql_db $REF -c "$assigned")" "every instance has its assignee, once"
is "$(psql_db $DB -c "$counters")" "$(psql_db $REF -c "$counters")" "the project's counters equal the run without the fault"
is "$(psql_db $DB -c "SELECT synapse.recount_project_tasks()")" 0 "recount_project_tasks finds nothing to correct"
psql_db postgres -c "DROP DATABASE $REF WITH (FORCE)" >/dev/null
done_testing
