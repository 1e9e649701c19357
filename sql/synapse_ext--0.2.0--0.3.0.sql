-- synapse_ext 0.2.0 -> 0.3.0, run by ALTER EXTENSION synapse_ext UPDATE.
--
-- What a fresh CREATE EXTENSION of 0.3.0 defines differently from 0.2.0 (see the header of
-- synapse_ext--0.1.0--0.2.0.sql; tests/upgrade/from_releases.t compares the two).
--
-- After this update, apply the migration set's migration 14 at once: migration 13's
-- synapse.set_current_user writes the identity settings of 0.2.0, which 0.3.0 makes
-- read-only, so until migration 14 replaces it, set_current_user fails (42501) and the
-- application sees no rows: closed, never open.
\echo Use "ALTER EXTENSION synapse_ext UPDATE TO '0.3.0'" to load this file. \quit

-- The identity (issue 21): set only by the extension, as a signed claim in the setting
-- synapse.identity_claim (the shared library defines the settings).
CREATE FUNCTION "_set_current_user"(
	"user_id" uuid
) RETURNS void
VOLATILE PARALLEL UNSAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'set_current_user_trusted_wrapper';

CREATE FUNCTION "set_current_user_token"(
	"token" TEXT
) RETURNS uuid
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'set_current_user_token_wrapper';

CREATE FUNCTION "_rls_current_user"() RETURNS uuid
STRICT STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', '_rls_current_user_wrapper';

CREATE FUNCTION "_rls_is_admin"() RETURNS bool
STRICT STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', '_rls_is_admin_wrapper';

COMMENT ON FUNCTION "_set_current_user"(uuid) IS
  'Behind synapse.set_current_user (migration 14): the user the rest of the transaction acts for, with their department and role from synapse.users now; NULL clears it. 28000 for an unknown or deleted user, 42501 while synapse.identity_require_token is on.';
COMMENT ON FUNCTION set_current_user_token(text) IS
  'Sets the user the rest of the transaction acts for from a signed identity token (compact JWT, EdDSA/Ed25519, checked against synapse.identity_keys: sub, exp, nbf, aud); returns the user. 28000 for a bad, expired or unknown-key token or an inactive user.';
COMMENT ON FUNCTION "_rls_current_user"() IS
  'RLS helper: the Synapse user the current transaction acts for, NULL without one.';
COMMENT ON FUNCTION "_rls_is_admin"() IS
  'RLS helper: does the current transaction act for an Admin? False without a user.';

-- Recurring generation gives an instance its template's search vector, which migration 19's
-- trigger keeps while this backend's generator inserts (issue 25).
CREATE FUNCTION "_generator_copies_search_vector"() RETURNS bool
STRICT VOLATILE PARALLEL RESTRICTED
LANGUAGE c
AS 'MODULE_PATHNAME', 'generator_copies_search_vector_wrapper';

COMMENT ON FUNCTION _generator_copies_search_vector() IS
  'Internal (_tasks_before_write, migration 19): true only while this backend''s recurring generator inserts instances, which carry their template''s search vector (made of the same title and description) for the trigger to keep.';

-- Recurrence in words and in calendars (issue 26): public API, EXECUTE stays with PUBLIC.
CREATE FUNCTION "recurrence_describe"(
	"pattern" jsonb,
	"dtstart" timestamp with time zone DEFAULT NULL
) RETURNS TEXT
IMMUTABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'recurrence_describe_wrapper';

CREATE FUNCTION "recurrence_from_text"(
	"text" TEXT,
	"timezone" TEXT DEFAULT 'UTC'
) RETURNS jsonb
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'recurrence_from_text_wrapper';

CREATE FUNCTION "recurrence_start_from_text"(
	"text" TEXT,
	"after" timestamp with time zone,
	"timezone" TEXT DEFAULT 'UTC'
) RETURNS timestamp with time zone
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'recurrence_start_from_text_wrapper';

CREATE FUNCTION "ical_calendar"(
	"project_id" uuid DEFAULT NULL
) RETURNS TEXT
STABLE
LANGUAGE c
AS 'MODULE_PATHNAME', 'ical_calendar_wrapper';

CREATE FUNCTION "ical_import"(
	"calendar" TEXT,
	"timezone" TEXT DEFAULT 'UTC'
) RETURNS TABLE (
	"component" TEXT,
	"uid" TEXT,
	"recurrence_id" timestamp with time zone,
	"title" TEXT,
	"description" TEXT,
	"status" TEXT,
	"priority" TEXT,
	"due" timestamp with time zone,
	"dtstart" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"pattern" jsonb,
	"depends_on" TEXT[],
	"warnings" TEXT[]
)
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'ical_import_wrapper';

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

-- The counters' statement trigger takes an argument (issue 25): 'deltas' appends to
-- synapse.project_count_deltas (migration 16) instead of updating synapse.projects.
COMMENT ON FUNCTION _tasks_apply_project_counts() IS
  'AFTER STATEMENT trigger on synapse.tasks: writes the project counter changes the statement''s rows collected, one statement per project in (department_id, project_id) order, as the table owner: without an argument (migration 8) an UPDATE of synapse.projects, with the argument ''deltas'' (migration 16) a row appended to synapse.project_count_deltas.';

-- Least privilege: PostgreSQL lets PUBLIC execute every new function. The internals (a
-- leading underscore), the trigger functions and the jobs (generation runs as the owner of
-- the tasks; scheduling writes pg_cron's table) are for the roles the migration set grants
-- them to (migration 14), not for every role. Except the two an index expression evaluates
-- and the one the trigger _tasks_before_write calls (finalize.sql says why).
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
    -- A privilege changed by an extension script becomes the routine's initial privileges
    -- (pg_init_privs), all of them: here also what the migration set had granted its
    -- groups. pg_dump leaves initial privileges out, so a dump of this database would lose
    -- those grants. The initial privileges are made what CREATE EXTENSION gives: the owner's.
    UPDATE pg_catalog.pg_init_privs i
       SET initprivs = ARRAY[pg_catalog.makeaclitem(p.proowner, p.proowner, 'EXECUTE', false)]
      FROM pg_catalog.pg_proc p
     WHERE p.oid = routine AND i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass
       AND i.objoid = p.oid AND i.objsubid = 0;
  END LOOP;
END
$$;
