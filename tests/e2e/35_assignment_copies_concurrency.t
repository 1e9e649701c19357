#!/usr/bin/env bash
# An assignment's "my tasks" copies given by its writer (migration 17) stay exact when the
# task changes at the same time. The statement trigger locks the tasks FOR SHARE before it
# compares, as migration 10's row trigger locked each one, so both orders end with copies
# equal to the task:
#   1. the task is changed first and committed while the insert waits for its lock: the
#      insert's check reads the committed change and has the stale copies read again;
#   2. the assignment is inserted first: the task's change waits for the inserting
#      transaction, then its own trigger (migration 10) rewrites the assignment's copies.
# Without the lock, both would leave the copies of the task as it was.
source "$(dirname "$0")/lib.sh"
DB=synapse_t35_copies
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
psql_db "$DB" -1 -f "$ROOT/sql/seed/dev_seed.sql" >/dev/null
q() { psql_db "$DB" -c "$1"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# task EXT: a new open task of Engineering, due 2030-01-01, priority High; prints its id.
task() {
  q "INSERT INTO synapse.tasks (department_id, task_id, title, due_date, priority, creator_id)
     VALUES (md5('dev:dept:eng')::uuid, '$1', 'Copies $1', '2030-01-01 09:00+00', 'High', md5('dev:user:sofia')::uuid)
     RETURNING id"
}
# assign_stale ID USER: USER assigned to task ID, with the copies of the task as created.
assign_stale() {
  echo "INSERT INTO synapse.task_assignees (department_id, task_id, user_id, task_open, task_due_key, task_priority)
        VALUES (md5('dev:dept:eng')::uuid, '$1', md5('dev:user:$2')::uuid, true, '2030-01-01 09:00+00', 'High');"
}
# change ID: the task done, due later, priority Low (every copy changes).
change() {
  echo "UPDATE synapse.tasks SET status = 'Done', due_date = '2031-01-01 09:00+00', priority = 'Low' WHERE id = '$1';"
}
# copies ID: "<open> <due> <priority>" of every assignment of task ID, and of the task.
copies() {
  q "SELECT string_agg(a.task_open || ' ' || to_char(a.task_due_key AT TIME ZONE 'UTC', 'YYYY') || ' ' || a.task_priority, ', ' ORDER BY a.user_id)
            || ' / task: ' || synapse._task_is_open(t.status, t.deleted_at, t.is_recurring) || ' '
            || to_char(t.due_date AT TIME ZONE 'UTC', 'YYYY') || ' ' || t.priority
       FROM synapse.tasks t JOIN synapse.task_assignees a ON a.department_id = t.department_id AND a.task_id = t.id
      WHERE t.id = '$1' GROUP BY t.status, t.deleted_at, t.is_recurring, t.due_date, t.priority"
}
# holding APPLICATION_NAME: waits until that session is in its pg_sleep (its lock taken).
holding() {
  for _ in $(seq 1 100); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND query LIKE '%pg_sleep%'")" = 1 ] && return 0
    sleep 0.05
  done
  return 1
}
# race FIRST SECOND: FIRST runs in a transaction held open for 1.5 s, SECOND once FIRST has
# its locks; sets waited to "waited" when SECOND took at least 0.5 s, and waited_ms.
race() {
  PGAPPNAME=first psql_db "$DB" -c "BEGIN; $1 SELECT pg_sleep(1.5); COMMIT;" >/dev/null & local first=$!
  holding first || not_ok "the first transaction took its locks"
  local start; start=$(now_ms)
  psql_db "$DB" -c "$2" >/dev/null
  waited_ms=$(($(now_ms) - start))
  wait $first
  waited=$([ "$waited_ms" -ge 500 ] && echo waited || echo "did not wait")
}

# 1. The change holds the task's row lock; the insert with the old copies waits.
T1=$(task COPIES-1)
race "$(change "$T1")" "$(assign_stale "$T1" priya)"
is "$waited" waited "an insert with given copies waits for a concurrent change of its task (${waited_ms} ms)"
is "$(copies "$T1")" "false 2031 Low / task: false 2031 Low" \
   "and, the change committed first, its copies are read again from the changed task"

# 2. The insert holds its transaction open; the change waits for it.
T2=$(task COPIES-2)
race "$(assign_stale "$T2" priya)" "$(change "$T2")"
is "$waited" waited "a change of a task waits for a transaction that gave copies of it (${waited_ms} ms)"
is "$(copies "$T2")" "false 2031 Low / task: false 2031 Low" \
   "and then rewrites the assignment's copies (migration 10's trigger on tasks)"
done_testing
