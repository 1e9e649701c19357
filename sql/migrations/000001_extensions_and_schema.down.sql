-- Undo migration 1. Every table is gone by now (later downs ran first), so plain DROPs
-- (RESTRICT) suffice, and fail loudly if something unexpected still depends on them.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I RESET search_path', current_database());
END
$$;

DROP EXTENSION IF EXISTS synapse_ext;
DROP EXTENSION IF EXISTS pg_trgm;
DROP EXTENSION IF EXISTS pgcrypto;
DROP SCHEMA IF EXISTS synapse;
