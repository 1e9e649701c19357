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

-- Least privilege: PostgreSQL lets PUBLIC execute every new function. The internals (a
-- leading underscore), the trigger functions and the jobs (generation runs as the owner of
-- the tasks; scheduling writes pg_cron's table) are for the roles the migration set grants
-- them to (migration 14), not for every role.
DO $$
DECLARE
  routine regprocedure;
BEGIN
  FOR routine IN
    SELECT p.oid::regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'synapse_ext'
     WHERE p.proname LIKE '\_%'
        OR p.prorettype = 'pg_catalog.trigger'::regtype
        OR p.proname IN ('generate_recurring_tasks', 'run_recurring_generation',
                         'schedule_recurring_generation', 'unschedule_recurring_generation')
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', routine);
  END LOOP;
END
$$;
