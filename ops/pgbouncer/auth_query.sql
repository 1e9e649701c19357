-- PgBouncer's password lookup (auth_query in ops/pgbouncer/pgbouncer.ini), part of the
-- operations set-up, not of the Synapse migrations. scripts/pgbouncer.sh runs it as the
-- superuser in every database that accepts connections (template1 too, so new databases
-- have it): PgBouncer 1.18 runs auth_query in the database the client asked for.
--
--   psql -v login=pgbouncer_auth -f ops/pgbouncer/auth_query.sql DB
--
-- PgBouncer logs in as :login (its auth_user, a LOGIN role with a password and nothing
-- else) and calls pgbouncer.user_lookup, a SECURITY DEFINER function owned by
-- pgbouncer_lookup: a NOLOGIN role that may read the five columns of pg_authid the lookup
-- needs (no superuser), and EXECUTE is :login's alone. It returns the SCRAM secret of a
-- login role, never a superuser's or a replication role's (PgBouncer could then log in as
-- them), and NULL for an expired password. Idempotent.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT 'CREATE ROLE pgbouncer_lookup NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgbouncer_lookup') \gexec
-- The ACL of a shared catalog is kept per database: granted in each one.
GRANT SELECT (rolname, rolpassword, rolcanlogin, rolsuper, rolreplication, rolvaliduntil)
   ON pg_catalog.pg_authid TO pgbouncer_lookup;
CREATE SCHEMA IF NOT EXISTS pgbouncer AUTHORIZATION pgbouncer_lookup;
REVOKE ALL ON SCHEMA pgbouncer FROM PUBLIC;
-- A set: no row at all for an unknown role (PgBouncer takes a row of NULLs for a
-- configuration error, not for "no such user").
DROP FUNCTION IF EXISTS pgbouncer.user_lookup(text);
CREATE FUNCTION pgbouncer.user_lookup(p_username text)
  RETURNS TABLE (username text, secret text)
  LANGUAGE sql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT rolname::text, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword END
    FROM pg_catalog.pg_authid
   WHERE rolname = p_username AND rolcanlogin AND NOT rolsuper AND NOT rolreplication
$$;
ALTER FUNCTION pgbouncer.user_lookup(text) OWNER TO pgbouncer_lookup;
REVOKE ALL ON FUNCTION pgbouncer.user_lookup(text) FROM PUBLIC;
GRANT USAGE ON SCHEMA pgbouncer TO :"login";
GRANT EXECUTE ON FUNCTION pgbouncer.user_lookup(text) TO :"login";
COMMENT ON FUNCTION pgbouncer.user_lookup(text) IS
  'PgBouncer''s auth_query: the SCRAM secret of a login role (no superuser, no replication role), for PgBouncer''s own login only';
