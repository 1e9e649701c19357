-- requires: synapse_ext >= 0.1.0
-- Migration 1: the schema and the extensions everything else stands on.
--
-- The schema is created here, before synapse_ext, so it is NOT a member of the extension:
-- DROP EXTENSION synapse_ext can never take the schema, and with it the tables, along.
CREATE SCHEMA IF NOT EXISTS synapse;
COMMENT ON SCHEMA synapse IS
  'Synapse task management: tables, types and functions (synapse_ext installs its functions here too).';

-- pgcrypto: digest/HMAC helpers for the application (token hashes, encryption at rest);
-- gen_random_uuid() itself is core since PostgreSQL 13.
-- pg_trgm: trigram indexes for substring search on task titles.
-- Both go to public (the usual home of utility extensions); Synapse objects qualify them.
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- The recurrence engine and search helpers used by CHECK constraints and generated columns.
-- pg_cron is deliberately not created: it is optional, and the schema works without it.
CREATE EXTENSION IF NOT EXISTS synapse_ext WITH SCHEMA synapse;

-- New sessions resolve unqualified names in synapse first. Migrations themselves qualify
-- every name, because this setting only applies to sessions started after it.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET search_path = synapse, public', current_database());
END
$$;
