#!/usr/bin/env bash
# pg_cron drives generation for real: on the e2e cluster (pg_cron preloaded, cron.database_name
# = synapse) schedule_recurring_generation() creates one job (idempotently), pg_cron fires
# CALL synapse.run_recurring_generation() (a procedure that COMMITs per batch) within a
# minute, the due template's instance appears, and unscheduling removes the job. Likewise
# schedule_project_count_merge() (migration 16): pg_cron merges a pending counter delta.
source "$(dirname "$0")/lib.sh"
DB=synapse
q() { psql_db "$DB" -c "$1"; }
# A fresh database synapse (cron.database_name), then a restart, so pg_cron's launcher
# starts against it (dropping the database ended the launcher's connection).
fresh_db "$DB"
cluster=${SYNAPSE_TEST_CLUSTER:-e2e}
"$ROOT/scripts/cluster.sh" stop "$cluster" && "$ROOT/scripts/cluster.sh" start "$cluster" "$PGPORT" >/dev/null
q "CREATE EXTENSION pg_cron" >/dev/null
"$ROOT/scripts/migrate.sh" --db "$DB" up >/dev/null 2>&1
is "$(q "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname IN ('pg_cron', 'synapse_ext')")/$(q "SELECT to_regclass('synapse.tasks') IS NOT NULL")" \
   "pg_cron,synapse_ext/t" "database $DB created anew, migrated, pg_cron created"

DEPT=$(q "INSERT INTO synapse.departments (name) VALUES ('Cron check ' || gen_random_uuid()) RETURNING id")
USER_ID=$(q "INSERT INTO synapse.users (email, name, department_id)
             VALUES ('cron-' || gen_random_uuid() || '@example.com', 'Cron', '$DEPT') RETURNING id")
TPL=$(q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
         VALUES ('$DEPT', 'CRON-' || left(gen_random_uuid()::text, 8), 'Cron template', '$USER_ID', true,
                 '{\"frequency\": \"daily\"}', date_trunc('second', now()) - interval '1 hour') RETURNING id")

JOB=$(q "SELECT synapse.schedule_recurring_generation('* * * * *')")
is "$(q "SELECT synapse.schedule_recurring_generation('* * * * *')")" "$JOB" "scheduling again returns the same job (idempotent)"
is "$(q "SELECT command || ' | ' || schedule FROM cron.job WHERE jobid = $JOB")" \
   "CALL synapse.run_recurring_generation() | * * * * *" "the job calls the procedure on the given schedule"
is "$(sqlstate_of "$DB" "SELECT synapse.schedule_recurring_generation('every full moon')")" 22023 "a bad schedule: 22023 from pg_cron"

PROJECT=$(q "INSERT INTO synapse.projects (department_id, name) VALUES ('$DEPT', 'Cron project') RETURNING id")
q "INSERT INTO synapse.tasks (department_id, title, creator_id, project_id) VALUES ('$DEPT', 'Counted', '$USER_ID', '$PROJECT')" >/dev/null
MERGE=$(q "SELECT synapse.schedule_project_count_merge()")
is "$(q "SELECT synapse.schedule_project_count_merge()")" "$MERGE" "scheduling the merge again returns the same job"
is "$(q "SELECT command || ' | ' || schedule FROM cron.job WHERE jobid = $MERGE")" \
   "SELECT synapse.merge_project_count_deltas() | * * * * *" "the merge job runs every minute by default"

made=0
for i in $(seq 1 100); do
  made=$(q "SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id = '$TPL'")
  [ "$made" = 0 ] || break
  sleep 1
done
is "$made" 1 "pg_cron fired the job and the due occurrence was generated (after ${i} s)"
# The instance is there once its batch commits; pg_cron records the run when the CALL returns.
for _ in $(seq 1 20); do
  status=$(q "SELECT status FROM cron.job_run_details WHERE jobid = $JOB ORDER BY runid DESC LIMIT 1")
  case "$status" in starting|running) sleep 0.5 ;; *) break ;; esac
done
is "$status" succeeded "pg_cron records the run as succeeded"
is "$(q "SELECT started_by FROM synapse.generation_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1")" procedure \
   "the run log has the procedure's run"

for i in $(seq 1 100); do
  pending=$(q "SELECT count(*) FROM synapse.project_count_deltas WHERE project_id = '$PROJECT'")
  [ "$pending" != 0 ] || break
  sleep 1
done
is "$pending/$(q "SELECT task_count FROM synapse.projects_base WHERE id = '$PROJECT'")" 0/1 \
   "pg_cron ran the merge: the delta is folded into the project's row"
is "$(q "SELECT synapse.unschedule_project_count_merge()")/$(q "SELECT synapse.unschedule_project_count_merge()")" t/f \
   "unscheduling the merge removes its job, then says false"

is "$(q "SELECT synapse.unschedule_recurring_generation()")" t "unscheduling removes the job"
is "$(q "SELECT synapse.unschedule_recurring_generation()")" f "and says false when there is none"
q "UPDATE synapse.tasks SET deleted_at = now() WHERE id = '$TPL'" >/dev/null
done_testing
