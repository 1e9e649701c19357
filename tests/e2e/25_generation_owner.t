#!/usr/bin/env bash
# Generation runs as the owner of synapse.tasks whoever calls it (docs/generation.md, Who
# generation runs as): a LOGIN member of synapse_app with no INSERT/UPDATE on the run log
# runs generate_recurring_tasks() and CALL run_recurring_generation(), with or without a
# current user, and every department's due templates are generated; a failing template
# does not hand the rest of the batch back to the caller's rights; the caller's own rights
# are back afterwards; it may not generate ahead of time; and its search_path cannot
# redirect a name in generation's statements to an object of its own.
source "$(dirname "$0")/lib.sh"
DB=synapse_t25_owner
API=t25_api; REPORT=t25_report
rls_db "$DB" "$API" "$REPORT"
q() { psql_db "$DB" -c "$1"; }
SOFIA=$(q "SELECT md5('dev:user:sofia')::uuid"); ENG=$(q "SELECT md5('dev:dept:eng')::uuid")

# Migration 14 (written separately) takes these from the application; until then, here.
q "REVOKE INSERT, UPDATE ON synapse.generation_runs FROM synapse_app" >/dev/null
is "$(q "SELECT has_table_privilege('$API', 'synapse.generation_runs', 'INSERT')
                OR has_table_privilege('$API', 'synapse.generation_runs', 'UPDATE')")" f \
   "the application login may not write the run log"

# templates TAG [HOURS]: one daily template per department (four), three days behind, made by
# the superuser; the first occurrence HOURS (default 1) after "three days ago".
templates() {
  q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
     SELECT d.id, '$1-' || d.name, 'Template $1 of ' || d.name,
            (SELECT u.id FROM synapse.users u WHERE u.department_id = d.id ORDER BY u.id LIMIT 1), true,
            '{\"frequency\":\"daily\"}', date_trunc('second', now()) - interval '3 days' + ${2:-1} * interval '1 hour'
       FROM synapse.departments d" >/dev/null
}
# served TAG: templates TAG-* with exactly their three due instances / all templates TAG-*.
served() {
  q "SELECT count(*) FILTER (WHERE n = 3 AND next_occurrence > now()) || '/' || count(*)
       FROM (SELECT t.next_occurrence, (SELECT count(*) FROM synapse.tasks i WHERE i.recurrence_parent_id = t.id) AS n
               FROM synapse.tasks t WHERE t.task_id LIKE '$1-%' AND t.is_recurring) AS s"
}
due() { q "SELECT count(*) FROM synapse.tasks WHERE is_recurring AND deleted_at IS NULL AND next_occurrence <= now()"; }
last_run() { q "SELECT $1 FROM synapse.generation_runs ORDER BY id DESC LIMIT 1"; }

# --- generate_recurring_tasks() without a current user ---------------------------------------
templates A
is "$(q "SELECT count(DISTINCT department_id) FROM synapse.tasks WHERE is_recurring AND next_occurrence <= now()")" 4 \
   "due templates in all four departments (the seed's and A's)"
is "$(login_as "$DB" "$API" "" "SELECT tasks_failed FROM synapse.generate_recurring_tasks();
                                SELECT count(*) FROM synapse.tasks")" "0
0" "the login without a current user runs a batch; afterwards it still sees no task (its own rights are back)"
is "$(served A)" "4/4" "every department's template was generated"
is "$(due)" 0 "nothing due is left, the seed's templates included"
is "$(last_run "started_by || ' ' || (finished_at IS NOT NULL) || ' ' || (tasks_generated >= 12)")" "function true true" \
   "the run is logged, begun and finished, without the login's write access to the log"
is "$(login_state "$DB" "$API" "" "INSERT INTO synapse.generation_runs (as_of, batch_size, started_by) VALUES (now(), 1, 'function')")" 42501 \
   "the login itself still may not write the run log"

# --- with a current user: her department does not limit generation -----------------------------
templates B
is "$(login_as "$DB" "$API" "$SOFIA" "SELECT tasks_generated || '/' || tasks_failed FROM synapse.generate_recurring_tasks();
                                      SELECT count(DISTINCT department_id) FROM synapse.tasks WHERE task_id LIKE 'B-%'")" "12/0
1" "a member of Engineering acting as herself generates all four departments' templates, and then reads only her own"
is "$(served B)" "4/4" "every department's template was generated"

# --- the procedure ----------------------------------------------------------------------------
templates C
if out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -U "$API" -c "CALL synapse.run_recurring_generation()" 2>&1); then
  ok "the login runs CALL synapse.run_recurring_generation()"
else
  not_ok "the login runs CALL synapse.run_recurring_generation()" "$out"
fi
is "$(served C)" "4/4" "every department's template was generated"
is "$(last_run "started_by || ' ' || (finished_at IS NOT NULL) || ' ' || tasks_generated")" "procedure true 12" \
   "the procedure's run is logged through all its batches"

# --- a failing template: the rest of the batch is still written as the owner ---------------------
templates D 1
templates E 2
# A task already holds the external id of D-Engineering's first instance: it fails; E-Engineering,
# written after it in a subtransaction of its own, and the failure record must still succeed.
q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id)
   SELECT department_id, task_id || '-' || to_char(next_occurrence AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"'), 'In the way', creator_id
     FROM synapse.tasks WHERE task_id = 'D-Engineering'" >/dev/null
is "$(login_as "$DB" "$API" "" "SELECT tasks_generated || '/' || tasks_failed FROM synapse.generate_recurring_tasks()")" "21/1" \
   "the login's batch: one template fails, seven make their instances"
is "$(served D) $(served E)" "3/4 4/4" "every other template in every department was generated"
is "$(q "SELECT recurrence_last_error LIKE '%tasks_task_id_key%' FROM synapse.tasks WHERE task_id = 'D-Engineering'")" t \
   "the failure is recorded on the template"
is "$(last_run "errors -> 0 ->> 'department_id' = '$ENG' AND tasks_failed = 1")" t "and in the run log"
q "UPDATE synapse.tasks SET deleted_at = now() WHERE task_id = 'D-Engineering'" >/dev/null

# --- no generating ahead of time -------------------------------------------------------------------
# ahead SQL: the SQLSTATE and whether the message is generation's own refusal.
ahead() {
  local out
  out=$(login_as "$DB" "$API" "" "$1" 2>&1) || true
  echo "$(sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1) $(grep -c 'only the owner of synapse.tasks may generate ahead of time' <<<"$out")"
}
is "$(ahead "SELECT * FROM synapse.generate_recurring_tasks(100, now() + interval '1 day')")" "42501 1" \
   "an as_of in the future (other tenants' future instances): 42501 for the login"
is "$(ahead "SELECT synapse._generation_run_begin(now() + interval '1 day', 100)")" "42501 1" \
   "the procedure's first step refuses it too"
is "$(login_state "$DB" "$API" "" "SELECT * FROM synapse.generate_recurring_tasks(100, now() - interval '1 hour')")" "" \
   "a past as_of is allowed"
is "$(sqlstate_of "$DB" "SELECT * FROM synapse.generate_recurring_tasks(100, now() + interval '1 day')")" "" \
   "the superuser may generate ahead of time"

# --- the caller's search_path cannot reach into generation ---------------------------------------
templates F
# A domain named uuid in the login's temporary schema, first in its search_path, whose CHECK
# reports who evaluates it: had generation's casts to uuid[] resolved to it, the check
# would run as the owner of the tasks.
trap_out=$(psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" -U "$API" 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.trap() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RAISE WARNING 'trap fired as %', current_user; RETURN true; END $$;
CREATE DOMAIN pg_temp.uuid AS pg_catalog.uuid CHECK (pg_temp.trap());
SET search_path = pg_temp, pg_catalog, synapse;
SELECT '00000000-0000-4000-8000-000000000000'::uuid IS NOT NULL;
SELECT tasks_generated || '/' || tasks_failed FROM synapse.generate_recurring_tasks();
SQL
) || true
is "$(grep -c 'trap fired as t25_api' <<<"$trap_out")" 1 "the trap works: the login's own cast to uuid fires it"
is "$(grep -c 'trap fired as synapse_migrate' <<<"$trap_out")" 0 "generation never evaluates it as the owner"
is "$(grep -x '[0-9]*/[0-9]*' <<<"$trap_out") $(served F)" "12/0 4/4" "and generates as usual"
done_testing
