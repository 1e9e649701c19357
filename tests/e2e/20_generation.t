#!/usr/bin/env bash
# Recurring generation, rule by rule (docs/generation.md): instances with copied fields and
# assignees and deterministic external ids, exactly once, the run log, catch-up all
# (bounded per batch) and latest, the end of a series by count, until, end date, exdates
# and skip_dates, DST, the completion anchor, a failing template isolated, templates
# edited and soft-deleted while due, the health views, bad arguments, and the claim's
# schedule (migration 15).
source "$(dirname "$0")/lib.sh"
DB=synapse_t20_generation
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }
st() { sqlstate_of "$DB" "$1"; }

D1=d0000000-0000-4000-8000-000000000001; D2=d0000000-0000-4000-8000-000000000002
ANN=a0000000-0000-4000-8000-000000000001; BOB=a0000000-0000-4000-8000-000000000002
CID=a0000000-0000-4000-8000-000000000003
psql_db "$DB" >/dev/null <<SQL
INSERT INTO synapse.departments (id, name) VALUES ('$D1', 'Engineering'), ('$D2', 'Marketing');
INSERT INTO synapse.users (id, email, name, role, department_id) VALUES
  ('$ANN', 'ann@example.com', 'Ann', 'Manager', '$D1'),
  ('$BOB', 'bob@example.com', 'Bob', 'Member', '$D1'),
  ('$CID', 'cid@example.com', 'Cid', 'Member', '$D2');
SQL

# template EXTERNAL_ID DEPARTMENT PATTERN START [EXTRA_COLUMNS EXTRA_VALUES]: a template
# created the way a client creates one (no next_occurrence: the trigger sets it).
template() {
  local cols=${5:+, $5} vals=${6:+, $6}
  q "INSERT INTO synapse.tasks (department_id, task_id, title, description, priority, creator_id, metadata,
                                is_recurring, recurrence_pattern, recurrence_start $cols)
     VALUES ('$2', '$1', 'Title of $1', 'Description of $1', 'High', '$ANN', '{\"k\": \"$1\"}',
             true, '$3', '$4' $vals) RETURNING id"
}
tpl_id() { q "SELECT id FROM synapse.tasks WHERE task_id = '$1' AND is_recurring"; }
instances() { q "SELECT count(*) FROM synapse.tasks WHERE recurrence_parent_id = '$(tpl_id "$1")'"; }
occurrences() {
  q "SELECT string_agg(to_char(occurrence_at AT TIME ZONE '${2:-UTC}', 'YYYY-MM-DD HH24:MI'), ',' ORDER BY occurrence_at)
       FROM synapse.tasks WHERE recurrence_parent_id = '$(tpl_id "$1")'"
}
generate() { q "SELECT tasks_generated || '/' || tasks_failed FROM synapse.generate_recurring_tasks(${2:-100}, '$1')"; }
drain() { q "CALL synapse.run_recurring_generation(${2:-100}, '$1')"; }

# --- creating a template ----------------------------------------------------------------------
STANDUP=$(template STANDUP "$D1" '{"frequency":"weekly","daysOfWeek":[1,3,5]}' '2026-01-05 09:00+00')
q "INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by) VALUES
     ('$D1', '$STANDUP', '$ANN', '$ANN'), ('$D1', '$STANDUP', '$BOB', '$ANN')" >/dev/null
is "$(q "SELECT next_occurrence = '2026-01-05 09:00+00' FROM synapse.tasks WHERE id = '$STANDUP'")" t \
   "a template created without next_occurrence gets its series' first occurrence"
MIDWEEK=$(template MIDWEEK "$D1" '{"frequency":"weekly","daysOfWeek":[1]}' '2026-01-07 09:00+00')
is "$(q "SELECT next_occurrence = '2026-01-12 09:00+00' FROM synapse.tasks WHERE id = '$MIDWEEK'")" t \
   "a start that does not match the rule is not an occurrence (first Monday after it)"

# --- one batch ----------------------------------------------------------------------------------
is "$(generate '2026-01-09 12:00+00')" "3/0" "generate_recurring_tasks returns instances made and failures"
is "$(occurrences STANDUP)" "2026-01-05 09:00,2026-01-07 09:00,2026-01-09 09:00" "every due occurrence is materialised (catch-up all)"
is "$(q "SELECT string_agg(DISTINCT format('%s|%s|%s|%s|%s|%s|%s', title, description, priority, status, creator_id = '$ANN',
                                          metadata ->> 'k', due_date = occurrence_at), ';')
           FROM synapse.tasks WHERE recurrence_parent_id = '$STANDUP'")" \
   "Title of STANDUP|Description of STANDUP|High|To Do|t|STANDUP|t" \
   "instances copy title, description, priority, creator and metadata; status To Do; due date = occurrence"
is "$(q "SELECT count(*) FILTER (WHERE i.search_vector = synapse.task_search_vector(i.title, i.description)
                                   AND i.search_vector = t.search_vector AND i.search_vector @@ to_tsquery('english', 'standup'))
             || '/' || count(*)
           FROM synapse.tasks i JOIN synapse.tasks t ON t.department_id = i.department_id AND t.id = i.recurrence_parent_id
          WHERE i.recurrence_parent_id = '$STANDUP'")" "3/3" \
   "and their template's search vector, the one of their text (migration 19: the trigger keeps the generator's)"
is "$(q "SELECT string_agg(task_id, ',' ORDER BY occurrence_at) FROM synapse.tasks WHERE recurrence_parent_id = '$STANDUP'")" \
   "STANDUP-20260105T090000Z,STANDUP-20260107T090000Z,STANDUP-20260109T090000Z" \
   "external ids are derived from the template's and the occurrence"
is "$(q "SELECT count(*) || ' ' || count(DISTINCT a.task_id) || ' ' || bool_and(a.assigned_by = '$ANN')
           FROM synapse.task_assignees a JOIN synapse.tasks i ON i.department_id = a.department_id AND i.id = a.task_id
          WHERE i.recurrence_parent_id = '$STANDUP'")" "6 3 true" "each instance gets the template's two assignees"
is "$(q "SELECT recurrence_generated_count || ' ' || (next_occurrence = '2026-01-12 09:00+00') || ' ' || (recurrence_last_error IS NULL)
           FROM synapse.tasks WHERE id = '$STANDUP'")" "3 true true" "the template counts its instances and moves next_occurrence on"

is "$(generate '2026-01-09 12:00+00')" "0/0" "a second run at the same moment makes nothing (exactly once)"
is "$(instances STANDUP)" 3 "still three instances"
is "$(q "SELECT count(*) || ' ' || bool_and(finished_at IS NOT NULL) || ' ' || string_agg(started_by, ',')
           || ' ' || sum(tasks_generated) || ' ' || sum(templates_processed) FROM synapse.generation_runs")" \
   "2 true function,function 3 1" "each call logs a finished run with its counts"
is "$(q "SELECT status FROM synapse.generation_recent_runs LIMIT 1")" finished "the recent-runs view reports it finished"

# Re-running an occurrence that exists (next_occurrence set back by hand) adds nothing.
q "UPDATE synapse.tasks SET next_occurrence = '2026-01-05 09:00+00' WHERE id = '$STANDUP'" >/dev/null
is "$(generate '2026-01-09 12:00+00')" "0/0" "occurrences that already have an instance are not made again"
is "$(q "SELECT next_occurrence = '2026-01-12 09:00+00' FROM synapse.tasks WHERE id = '$STANDUP'")" t \
   "and the template moves on past them"

# --- catch-up -------------------------------------------------------------------------------------
BACKLOG=$(template BACKLOG "$D2" '{"frequency":"daily"}' '2025-01-01 08:00+00')
is "$(generate '2025-09-07 12:00+00' 1)" "100/0" "catch-up all is bounded: one batch makes at most 100 instances of a template"
is "$(q "SELECT next_occurrence = '2025-04-11 08:00+00' FROM synapse.tasks WHERE id = '$BACKLOG'")" t "the rest stays due"
drain '2025-09-07 12:00+00' 1 >/dev/null
is "$(instances BACKLOG)" 250 "the procedure drains the backlog batch by batch (2025-01-01 .. 2025-09-07)"
is "$(q "SELECT batches FROM synapse.generation_runs WHERE started_by = 'procedure' ORDER BY id DESC LIMIT 1")" 3 \
   "one committed batch per 100 instances, and a last one that finds nothing left"
LATEST=$(template LATEST "$D2" '{"frequency":"daily","catchUp":"latest"}' '2026-01-01 08:00+00')
generate '2026-01-10 12:00+00' >/dev/null
is "$(occurrences LATEST)" "2026-01-10 08:00" "catch-up latest makes only the most recent missed occurrence"
is "$(q "SELECT next_occurrence = '2026-01-11 08:00+00' FROM synapse.tasks WHERE id = '$LATEST'")" t "and moves past the rest"

# --- end of series and skipped dates --------------------------------------------------------------
template COUNT3 "$D1" '{"frequency":"daily","count":3}' '2026-02-01 10:00+00' >/dev/null
template UNTIL "$D1" '{"frequency":"daily","until":"2026-02-03"}' '2026-02-01 10:00+00' >/dev/null
template COLCOUNT "$D1" '{"frequency":"daily","until":"2026-03-01"}' '2026-02-01 10:00+00' recurrence_count 2 >/dev/null
template COLEND "$D1" '{"frequency":"daily","count":30}' '2026-02-01 10:00+00' recurrence_end_date "'2026-02-02 10:00+00'" >/dev/null
template SKIPS "$D1" '{"frequency":"daily","exdates":["2026-02-02"]}' '2026-02-01 10:00+00' skip_dates "'{2026-02-03}'" >/dev/null
drain '2026-02-10 00:00+00' >/dev/null
is "$(instances COUNT3) $(instances UNTIL) $(instances COLCOUNT) $(instances COLEND)" "3 3 2 2" \
   "count, until, recurrence_count and recurrence_end_date end the series (the earlier end wins)"
is "$(q "SELECT count(*) FROM synapse.tasks WHERE task_id IN ('COUNT3','UNTIL','COLCOUNT','COLEND') AND next_occurrence IS NULL")" 4 \
   "an ended series has next_occurrence NULL"
is "$(occurrences SKIPS)" "2026-02-01 10:00,2026-02-04 10:00,2026-02-05 10:00,2026-02-06 10:00,2026-02-07 10:00,2026-02-08 10:00,2026-02-09 10:00" \
   "the pattern's exdates and the template's skip_dates are both skipped"

# --- DST: 09:00 Berlin stays 09:00 across both changes ---------------------------------------
template BERLIN "$D2" '{"frequency":"daily","timezone":"Europe/Berlin"}' '2026-03-27 09:00 Europe/Berlin' >/dev/null
drain '2026-10-27 12:00+00' 50 >/dev/null
is "$(q "SELECT count(*) || ' ' || count(DISTINCT to_char(occurrence_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI'))
                 || ' ' || min(to_char(occurrence_at AT TIME ZONE 'Europe/Berlin', 'HH24:MI'))
                 || ' ' || count(DISTINCT to_char(occurrence_at AT TIME ZONE 'UTC', 'HH24:MI'))
           FROM synapse.tasks WHERE recurrence_parent_id = '$(tpl_id BERLIN)'")" "215 1 09:00 2" \
   "09:00 Europe/Berlin every day from March 27 to October 27: one local time, two UTC times"

# --- completion anchor --------------------------------------------------------------------------
EVERY3=$(template EVERY3 "$D1" '{"frequency":"daily","interval":3,"anchor":"completion"}' '2026-04-06 09:00+00')
generate '2026-04-20 00:00+00' >/dev/null
is "$(occurrences EVERY3)" "2026-04-06 09:00" "completion anchor: one instance, however much time has passed"
is "$(q "SELECT next_occurrence IS NULL FROM synapse.tasks WHERE id = '$EVERY3'")" t "the template waits for its completion"
is "$(generate '2026-04-20 00:00+00')" "0/0" "nothing more while the instance is open"
q "UPDATE synapse.tasks SET status = 'Done', completed_at = '2026-04-08 15:00+00' WHERE recurrence_parent_id = '$EVERY3'" >/dev/null
is "$(q "SELECT next_occurrence = '2026-04-11 09:00+00' FROM synapse.tasks WHERE id = '$EVERY3'")" t \
   "completing it (Wednesday 15:00) schedules the next one three days later at the template's time"
generate '2026-04-20 00:00+00' >/dev/null
is "$(occurrences EVERY3)" "2026-04-06 09:00,2026-04-11 09:00" "and the next run makes it"

# --- a failing template does not stop the others --------------------------------------------------
BLOCKED=$(template BLOCKED "$D1" '{"frequency":"daily"}' '2026-05-01 09:00+00')
FINE=$(template FINE "$D1" '{"frequency":"daily"}' '2026-05-01 09:00+00')
# A task already holds the external id the first instance would get: a unique violation.
q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id) VALUES ('$D1', 'BLOCKED-20260501T090000Z', 'In the way', '$ANN')" >/dev/null
is "$(generate '2026-05-02 12:00+00')" "2/1" "one template fails, the other proceeds"
is "$(instances BLOCKED) $(instances FINE)" "0 2" "nothing half-made for the failing template"
is "$(q "SELECT recurrence_last_error LIKE '%tasks_task_id_key%' AND recurrence_last_error_at IS NOT NULL
           FROM synapse.tasks WHERE id = '$BLOCKED'")" t "the error is recorded on the template"
is "$(q "SELECT errors -> 0 ->> 'template_id' = '$BLOCKED' AND tasks_failed = 1 FROM synapse.generation_runs ORDER BY id DESC LIMIT 1")" t \
   "and in the run log"
is "$(q "SELECT string_agg(task_id, ',') FROM synapse.generation_failing_templates")" BLOCKED "the failing-templates view lists it"
is "$(q "SELECT failing_templates FROM synapse.generation_health")" 1 "the health view counts it"
q "UPDATE synapse.tasks SET task_id = 'NOT-IN-THE-WAY' WHERE task_id = 'BLOCKED-20260501T090000Z'" >/dev/null
is "$(generate '2026-05-02 12:00+00')" "2/0" "fixed, the next run catches up"
is "$(q "SELECT recurrence_last_error IS NULL FROM synapse.tasks WHERE id = '$BLOCKED'")" t "and clears the error"

# A failing template is tried once per procedure run, not once per batch.
q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id) VALUES ('$D1', 'BLOCKED-20260503T090000Z', 'In the way', '$ANN')" >/dev/null
drain '2026-05-04 12:00+00' 1 >/dev/null
is "$(q "SELECT tasks_failed || ' ' || jsonb_array_length(errors) FROM synapse.generation_runs ORDER BY id DESC LIMIT 1")" "1 1" \
   "a run with batch size 1 tries the failing template once and still ends"
q "UPDATE synapse.tasks SET deleted_at = now() WHERE task_id = 'BLOCKED'" >/dev/null

# --- edited and deleted while due ----------------------------------------------------------------
EDITED=$(template EDITED "$D2" '{"frequency":"weekly","daysOfWeek":[1]}' '2026-06-01 09:00+00')
q "UPDATE synapse.tasks SET recurrence_pattern = '{\"frequency\":\"weekly\",\"daysOfWeek\":[2]}' WHERE id = '$EDITED'" >/dev/null
is "$(q "SELECT next_occurrence = '2026-06-02 09:00+00' FROM synapse.tasks WHERE id = '$EDITED'")" t \
   "an edited pattern moves a due template to the new series' next occurrence (from the old one, nothing lost)"
q "UPDATE synapse.tasks SET skip_dates = '{2026-06-02}' WHERE id = '$EDITED'" >/dev/null
is "$(q "SELECT next_occurrence = '2026-06-09 09:00+00' FROM synapse.tasks WHERE id = '$EDITED'")" t \
   "skipping the next date moves next_occurrence past it"
q "UPDATE synapse.tasks SET recurrence_pattern = '{\"frequency\":\"daily\"}', next_occurrence = '2026-06-20 09:00+00' WHERE id = '$EDITED'" >/dev/null
is "$(q "SELECT next_occurrence = '2026-06-20 09:00+00' FROM synapse.tasks WHERE id = '$EDITED'")" t \
   "a next_occurrence set in the same UPDATE is kept"
FUTURE=$(template FUTURE "$D2" '{"frequency":"daily"}' '2099-01-01 09:00+00')
q "UPDATE synapse.tasks SET recurrence_pattern = '{\"frequency\":\"weekly\"}' WHERE id = '$FUTURE'" >/dev/null
is "$(q "SELECT next_occurrence = '2099-01-01 09:00+00' FROM synapse.tasks WHERE id = '$FUTURE'")" t \
   "a series that has not started yet keeps its start"
q "UPDATE synapse.tasks SET deleted_at = now() WHERE id = '$EDITED'" >/dev/null
generate '2026-06-25 12:00+00' >/dev/null
is "$(instances EDITED)" 0 "a soft-deleted template makes nothing, not even its due occurrences"
q "UPDATE synapse.tasks SET deleted_at = NULL WHERE id = '$EDITED'" >/dev/null
generate '2026-06-25 12:00+00' >/dev/null
is "$(instances EDITED)" 6 "undeleted, it catches up from where it stood (June 20 .. 25)"

# --- views and bad arguments ------------------------------------------------------------------
# Overdue is relative to now, and the fixtures above lie at fixed dates, moved on by runs as of
# them: one template is placed from the clock, due an hour ago and not made.
template LEFT "$D1" '{"frequency":"daily"}' "$(q "SELECT date_trunc('second', now()) - interval '1 hour'")" >/dev/null
psql_db postgres -c "DROP ROLE IF EXISTS t20_monitor" >/dev/null
login_role t20_monitor synapse_monitoring
is "$(psql_db "$DB" -U t20_monitor -c "SELECT last_run_status || ' ' || (overdue_templates > 0) FROM synapse.generation_health")" "finished true" \
   "synapse_monitoring reads the health view"
is "$(psql_db "$DB" -U t20_monitor -c "SELECT runs_last_hour > 0 AND generated_last_hour > 0 FROM synapse.generation_health")" t \
   "and the runs in figures (not the run log itself, whose errors name templates: migration 14)"
psql_db postgres -c "DROP ROLE t20_monitor" >/dev/null
is "$(q "SELECT string_agg(task_id, ',') FROM synapse.generation_overdue_templates WHERE task_id IN ('LEFT', 'FUTURE')")" LEFT \
   "a template left behind (due an hour ago) shows as overdue, one not due until 2099 does not"
is "$(st "SELECT * FROM synapse.generate_recurring_tasks(0)")" 22023 "batch_size 0: 22023"
is "$(st "SELECT * FROM synapse.generate_recurring_tasks(10, 'infinity')")" 22023 "an infinite as_of: 22023"
# A client passes "not given" as a NULL parameter: as_of NULL means now (one run, logged at
# the transaction's start, as the default); a NULL batch size is refused, by the procedure
# too (its strict batch steps would claim NULL, never 0, and loop for ever).
is "$(q "BEGIN; SELECT count(*) FROM synapse.generate_recurring_tasks(10, NULL);
           SELECT as_of = now() FROM synapse.generation_runs ORDER BY id DESC LIMIT 1; COMMIT;" | paste -sd' ')" "1 t" \
   "as_of NULL: a run as of now()"
is "$(st "SELECT * FROM synapse.generate_recurring_tasks(NULL)")" 22023 "batch_size NULL: 22023"
is "$(st "SET statement_timeout = '20s'; CALL synapse.run_recurring_generation(NULL)")" 22023 \
   "the procedure with batch_size NULL: 22023, not an endless loop"
is "$(st "BEGIN; CALL synapse.run_recurring_generation(); COMMIT;")" 2D000 \
   "the procedure inside a transaction block cannot commit per batch: 2D000"
is "$(st "SELECT synapse.schedule_recurring_generation()")" 55000 "scheduling without pg_cron in this database: 55000"
is "$(psql -X -q -d "$DB" -c "SELECT synapse.schedule_recurring_generation()" 2>&1 | grep -c 'HINT:.*shared_preload_libraries')" 1 \
   "with a hint that says what to do"
is "$(st "UPDATE synapse.tasks SET recurrence_count = 0 WHERE id = '$FUTURE'")" 23514 "a zero recurrence_count is refused by its CHECK"

# --- the claim's schedule (migration 15) -----------------------------------------------------------
# Every template generation may claim has a row of synapse.template_schedule no later than its
# next_occurrence, and no other task has one: "<claimable without a row> <rows later than the
# template> <rows of no claimable template>".
schedule() {
  q "SELECT (SELECT count(*) FROM synapse.tasks t
              WHERE t.is_recurring AND t.deleted_at IS NULL AND t.next_occurrence IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM synapse.template_schedule s
                                 WHERE s.department_id = t.department_id AND s.task_id = t.id
                                   AND s.next_occurrence <= t.next_occurrence))
         || ' ' || (SELECT count(*) FROM synapse.template_schedule s JOIN synapse.tasks t
                      ON t.department_id = s.department_id AND t.id = s.task_id
                     WHERE s.next_occurrence > t.next_occurrence)
         || ' ' || (SELECT count(*) FROM synapse.template_schedule s
                     WHERE NOT EXISTS (SELECT 1 FROM synapse.tasks t
                                        WHERE t.department_id = s.department_id AND t.id = s.task_id
                                          AND t.is_recurring AND t.deleted_at IS NULL AND t.next_occurrence IS NOT NULL))"
}
due_in_schedule() { q "SELECT coalesce(string_agg(to_char(next_occurrence AT TIME ZONE 'UTC', 'MM-DD HH24:MI') || '@' || (department_id = '$2'), ','), 'none')
                         FROM synapse.template_schedule WHERE task_id = '$1'"; }
is "$(schedule)" "0 0 0" "after every rule above, each claimable template has its row in the schedule, none is later than it, no other task has one"
MOVED=$(template MOVED "$D1" '{"frequency":"daily"}' '2026-06-27 09:00+00')
q "UPDATE synapse.tasks SET department_id = '$D2' WHERE id = '$MOVED'" >/dev/null
is "$(due_in_schedule "$MOVED" "$D2")" "06-27 09:00@true" "a template moved to another department takes its row along"
generate '2026-06-27 12:00+00' >/dev/null
is "$(q "SELECT count(*) FILTER (WHERE department_id = '$D2') || ' ' || count(*) FROM synapse.tasks WHERE recurrence_parent_id = '$MOVED'")" "1 1" \
   "and is generated in its new department"
LATER=$(template LATER "$D1" '{"frequency":"daily"}' '2026-06-28 09:00+00')
q "UPDATE synapse.tasks SET next_occurrence = '2026-06-30 09:00+00' WHERE id = '$LATER'" >/dev/null
is "$(due_in_schedule "$LATER" "$D1")" "06-28 09:00@true" "a template moved later keeps its earlier row (never a later one)"
generate '2026-06-29 12:00+00' >/dev/null
is "$(instances LATER)" 0 "which claims nothing early: the template's own next_occurrence decides"
generate '2026-06-30 12:00+00' >/dev/null
is "$(occurrences LATER) $(due_in_schedule "$LATER" "$D1")" "2026-06-30 09:00 07-01 09:00@true" \
   "once due it is generated, and its row follows the template again"
GONE=$(template GONE "$D1" '{"frequency":"daily"}' '2026-07-15 09:00+00')
q "DELETE FROM synapse.tasks WHERE id = '$GONE'" >/dev/null
is "$(due_in_schedule "$GONE" "$D1") $(schedule)" "none 0 0 0" "a deleted template's row goes with it"
# A newer library on a schema before migration 15 (installed, not yet migrated) claims from
# tasks alone; migrating up again fills the schedule from the templates.
"$ROOT/scripts/migrate.sh" --db "$DB" goto 14 2>/dev/null
generate '2026-07-01 12:00+00' >/dev/null
is "$(occurrences LATER)" "2026-06-30 09:00,2026-07-01 09:00" "without the schedule (migration 14), generation claims from tasks"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
is "$(due_in_schedule "$LATER" "$D1") $(schedule)" "07-02 09:00@true 0 0 0" "migration 15 again: every claimable template back in the schedule"
generate '2026-07-02 12:00+00' >/dev/null
is "$(occurrences LATER)" "2026-06-30 09:00,2026-07-01 09:00,2026-07-02 09:00" "and generation claims through it"
# --- a template's error in a batch with a capped template -----------------------------------------
# A batch runs whole first; a template's error rolls it back and it runs again with each
# template isolated. What the first attempt counted against the run's cap is taken back:
# counted twice, the capped template would make nothing in the second attempt.
CAPPED=$(template CAPPED "$D2" '{"frequency":"daily"}' '2026-08-01 09:00+00')
STUCK=$(template STUCK "$D2" '{"frequency":"daily"}' '2026-08-01 09:00+00')
q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id) VALUES ('$D2', 'STUCK-20260801T090000Z', 'In the way', '$ANN')" >/dev/null
run=$(q "SET synapse.generation_max_instances_per_template = 3;
         SELECT tasks_failed FROM synapse.generate_recurring_tasks(100, '2026-08-10 12:00+00')")
is "$run $(instances CAPPED) $(instances STUCK)" "1 3 0" \
   "one template fails, the capped one in the same batch makes its cap of 3, once"
is "$(q "SELECT next_occurrence = '2026-08-04 09:00+00' FROM synapse.tasks WHERE id = '$CAPPED'")" t \
   "and stays due from its fourth occurrence"
# --- the template's search vector -----------------------------------------------------------------
# Migration 19: the trigger keeps the vector the generator gives an instance (its template's)
# and computes everyone else's. A template whose stored vector differs from its text's (written
# here with the triggers off) shows which one an instance got.
COPIED=$(template COPIED "$D1" '{"frequency":"daily"}' '2026-09-01 09:00+00')
q "SET session_replication_role = replica;
   UPDATE synapse.tasks SET search_vector = to_tsvector('english', 'marker') WHERE id = '$COPIED'" >/dev/null
generate '2026-09-02 12:00+00' >/dev/null
is "$(q "SELECT string_agg((search_vector = to_tsvector('english', 'marker'))::text, ',') FROM synapse.tasks
          WHERE recurrence_parent_id = '$COPIED'")" "true,true" \
   "an instance gets its template's search vector from the generator, not computed again"
is "$(q "SELECT synapse._generator_copies_search_vector()")" f "outside the generator's insert the trigger computes it"
done_testing
