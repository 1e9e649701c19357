-- Applied last, once every function exists: comments for \df+ and \dd, then privileges.
COMMENT ON FUNCTION recurrence_pattern_errors(jsonb) IS
  'Every problem of a recurrence pattern, each naming its key as a JSON path (e.g. "daysOfWeek[2]: 8 is not an ISO weekday (1..7)"); empty when valid.';
COMMENT ON FUNCTION is_valid_recurrence_pattern(jsonb) IS
  'True when the recurrence pattern is valid. Immutable: usable in CHECK constraints.';
COMMENT ON FUNCTION validate_recurrence_pattern(jsonb) IS
  'The normalised recurrence pattern (defaults filled in). A bad pattern raises SQLSTATE 22023: first problem as message, all in DETAIL.';
COMMENT ON FUNCTION calculate_next_occurrence(jsonb, timestamptz, timestamptz) IS
  'First occurrence strictly after "after"; NULL once the series has ended (count, until). The series starts at dtstart, or at "after" when dtstart is NULL.';
COMMENT ON FUNCTION recurrence_occurrences(jsonb, timestamptz, timestamptz, timestamptz, integer) IS
  'Occurrences of the series starting at dtstart within [window_start, window_end] (NULL = open), ascending, at most max_count.';
COMMENT ON FUNCTION recurrence_to_rrule(jsonb, timestamptz) IS
  'The pattern as RFC 5545 text (DTSTART;TZID, RRULE, EXDATE lines); clamp is written RSCALE=GREGORIAN;SKIP=BACKWARD (RFC 7529).';
COMMENT ON FUNCTION recurrence_from_rrule(text) IS
  'The recurrence pattern for an RFC 5545 RRULE text (optionally with DTSTART and EXDATE lines, RFC 7529 RSCALE/SKIP). SQLSTATE 22023 names any part this shape cannot express.';
COMMENT ON FUNCTION recurrence_describe(jsonb, timestamptz) IS
  'The pattern in plain English ("Every weekday at 09:00 (Europe/Berlin)"), every key said; with dtstart also its time of day and the days the series takes from its start. recurrence_from_text reads it back.';
COMMENT ON FUNCTION recurrence_from_text(text, text) IS
  'The pattern an English text says ("every last Friday at 5pm", "every 2 weeks on Monday and Wednesday until 30 June 2027"); timezone unless the text names one. SQLSTATE 22023 quotes the word it could not read. Grammar: docs/recurrence.md.';
COMMENT ON FUNCTION recurrence_start_from_text(text, timestamptz, text) IS
  'The series start an English text asks for, seen at "after" (usually now()): the first occurrence on or after its "starting" day (else after''s day) at its "at" time (else 00:00); NULL when the series has no occurrence from there.';
COMMENT ON FUNCTION ical_calendar(uuid) IS
  'An RFC 5545 calendar of what the current user may read (row-level security applies): one project''s tasks, or (NULL) their open assigned tasks and assigned recurring templates; templates with RRULE, EXDATE and VTIMEZONE, instances as RECURRENCE-ID overrides. 55000 without the migration set.';
COMMENT ON FUNCTION ical_import(text, text) IS
  'The VTODOs and VEVENTs of an iCalendar text as rows to insert as tasks or templates (title, description, status, priority, due, dtstart, pattern, depends_on); what a row cannot keep is listed in warnings. Floating times in X-WR-TIMEZONE, else timezone.';
COMMENT ON FUNCTION task_search_vector(text, text) IS
  'Weighted search document of a task: title (weight A) above description (weight B), English configuration. Immutable: backs tasks.search_vector.';
COMMENT ON FUNCTION generate_recurring_tasks(integer, timestamptz) IS
  'One batch of recurring generation: up to batch_size due templates (next_occurrence <= as_of; as_of NULL: now()) become task instances, exactly once, with their assignees; a failing template is recorded and skipped. Logs a run in synapse.generation_runs.';
COMMENT ON PROCEDURE run_recurring_generation(integer, timestamptz) IS
  'What pg_cron runs: generates every due template, committing after each batch (a crash loses at most one batch). Does nothing on a standby.';
COMMENT ON FUNCTION schedule_recurring_generation(text) IS
  'Schedules CALL synapse.run_recurring_generation() with pg_cron (job synapse-recurring-generation; idempotent); returns the job id. 55000 with a hint when pg_cron is not installed.';
COMMENT ON FUNCTION unschedule_recurring_generation() IS
  'Removes the pg_cron job synapse-recurring-generation; false when there was none. 55000 when pg_cron is not installed.';
COMMENT ON FUNCTION _require_pg_cron() IS
  'Internal: raises 55000 (with a hint) unless pg_cron is installed in this database.';
COMMENT ON FUNCTION _generation_run_begin(timestamptz, integer) IS
  'Internal (run_recurring_generation): starts a run in synapse.generation_runs and returns its id.';
COMMENT ON FUNCTION _generate_recurring_batch(bigint, integer, timestamptz) IS
  'Internal (run_recurring_generation): one batch of a run; returns how many templates it claimed.';
COMMENT ON FUNCTION _generation_run_end(bigint) IS
  'Internal (run_recurring_generation): marks a run finished.';
COMMENT ON FUNCTION _template_occurrence_from(jsonb, timestamptz, timestamptz, date[], timestamptz, integer) IS
  'Internal (migration triggers): first occurrence at or after "from" of a template''s series, with its skip_dates, end date and count merged in.';
COMMENT ON FUNCTION _template_next_after_completion(jsonb, timestamptz, timestamptz, integer, date[], timestamptz, integer) IS
  'Internal (migration triggers): next occurrence of a completion-anchored template after its instance was completed; NULL once the series has ended.';
COMMENT ON FUNCTION _rls_departments_from() IS
  'RLS helper: lower end of the department ids the current user may read (the own department; the smallest uuid for an Admin; NULL without a user). Read policies: department_id BETWEEN _rls_departments_from() AND _rls_departments_to(), an index condition.';
COMMENT ON FUNCTION _rls_departments_to() IS
  'RLS helper: upper end of the department ids the current user may read (the own department; the largest uuid for an Admin; NULL without a user).';
COMMENT ON FUNCTION _rls_can_read(uuid) IS
  'RLS helper: may the current user read rows of this department? An Admin any, anyone else the own; false without a user.';
COMMENT ON FUNCTION _rls_can_write(uuid, uuid) IS
  'RLS helper, the write rule''s cheap part: an Admin anywhere; in the own department its Manager or the row''s owner (second argument: creator, project owner, comment author). False without a user.';
COMMENT ON FUNCTION _tasks_count_in_projects() IS
  'AFTER ROW trigger on synapse.tasks (migration 8): collects what a row change does to projects.task_count/completed_task_count (inserts, moves between projects and departments, status changes, soft deletes, undeletes, deletes; templates are not counted, instances are) for _tasks_apply_project_counts.';
COMMENT ON FUNCTION _tasks_apply_project_counts() IS
  'AFTER STATEMENT trigger on synapse.tasks: writes the project counter changes the statement''s rows collected, one statement per project in (department_id, project_id) order, as the table owner: without an argument (migration 8) an UPDATE of synapse.projects, with the argument ''deltas'' (migration 16) a row appended to synapse.project_count_deltas.';
COMMENT ON FUNCTION _search_key_array(text, text[], text[]) IS
  'Internal (_search_keys): the index keys of a task: department:lexeme for every lexeme, department!lexeme for the title''s; lexemes over 2,000 bytes left out.';
COMMENT ON FUNCTION _generator_copies_search_vector() IS
  'Internal (_tasks_before_write, migration 19): true only while this backend''s recurring generator inserts instances, which carry their template''s search vector (made of the same title and description) for the trigger to keep.';
COMMENT ON FUNCTION _search_keys(uuid, tsvector) IS
  'Search index keys of a task''s search vector, prefixed with its department (all lexemes, and title lexemes separately). Immutable: backs tasks_search_keys_idx.';
COMMENT ON FUNCTION _search_keys_query(uuid, tsquery, boolean) IS
  'The tasks_search_keys_idx query (department-prefixed, title words only or all) that finds a superset of a search query''s matches in one department; NULL when nothing of it is indexable.';

COMMENT ON FUNCTION "_set_current_user"(uuid) IS
  'Behind synapse.set_current_user (migration 14): the user the rest of the transaction acts for, with their department and role from synapse.users now; NULL clears it. 28000 for an unknown or deleted user, 42501 while synapse.identity_require_token is on.';
COMMENT ON FUNCTION set_current_user_token(text) IS
  'Sets the user the rest of the transaction acts for from a signed identity token (compact JWT, EdDSA/Ed25519, checked against synapse.identity_keys: sub, exp, nbf, aud); returns the user. 28000 for a bad, expired or unknown-key token or an inactive user.';
COMMENT ON FUNCTION "_rls_current_user"() IS
  'RLS helper: the Synapse user the current transaction acts for, NULL without one.';
COMMENT ON FUNCTION "_rls_is_admin"() IS
  'RLS helper: does the current transaction act for an Admin? False without a user.';

-- Least privilege: PostgreSQL lets PUBLIC execute every new function. The internals (a
-- leading underscore), the trigger functions and the jobs (generation runs as the owner of
-- the tasks; scheduling writes pg_cron's table) are for the roles the migration set grants
-- them to (migration 14), not for every role. Except the two an index expression evaluates
-- (tasks_search_keys_idx): PostgreSQL evaluates it as the table's owner, and pg_restore
-- builds the indexes before it grants any privilege, so a restore would fail to build the
-- index; they read no table and refuse oversized input. And _generator_copies_search_vector,
-- which the trigger _tasks_before_write (migration 19) calls as whoever inserts a task: it
-- reads no table and only tells whether this backend's generator is inserting instances.
DO $$
DECLARE
  routine regprocedure;
BEGIN
  FOR routine IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'synapse_ext'
     WHERE (p.proname LIKE '\_%' AND p.proname NOT IN ('_search_keys', '_search_key_array', '_generator_copies_search_vector'))
        OR p.prorettype = 'pg_catalog.trigger'::regtype
        OR p.proname IN ('generate_recurring_tasks', 'run_recurring_generation',
                         'schedule_recurring_generation', 'unschedule_recurring_generation')
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', routine);
  END LOOP;
END
$$;
