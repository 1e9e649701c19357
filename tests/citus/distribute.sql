-- Distributes the migrated Synapse schema by department (docs/citus.md). Run once on the
-- coordinator, as a superuser, after scripts/migrate.sh up (with or without data).
--
-- Foreign keys tie all eleven tables into one graph, and Citus cannot distribute a table that
-- a plain (local) table references, nor let a reference/local table point at a distributed
-- one, so the foreign keys are dropped, the tables distributed, and the very same
-- constraints re-added (Citus then creates and validates them shard by shard). One
-- transaction: either everything is distributed with all constraints, or nothing changed.
--
-- create_*_table copies existing rows into the shards with INSERTs that fire the shards'
-- triggers: the tasks counter trigger would add every task to its project's counters a
-- second time. So the enabled user triggers of the tables are disabled around the copy and
-- re-enabled (not the INSTEAD OF trigger of the view synapse.projects: views are not copied).
\set ON_ERROR_STOP 1
BEGIN;
-- The tables carry triggers (updated_at, completed_at, project counters, refuse DELETE on
-- users); Citus refuses to distribute tables with triggers unless this is on.
SET LOCAL citus.enable_unsafe_triggers = on;
-- DDL on reference tables and distributed tables referencing them in one transaction.
SET LOCAL citus.multi_shard_modify_mode = 'sequential';

CREATE TEMP TABLE _synapse_fk ON COMMIT DROP AS
  SELECT c.conrelid::regclass AS rel, c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS def
    FROM pg_catalog.pg_constraint c
   WHERE c.contype = 'f' AND c.connamespace = 'synapse'::regnamespace;
DO $$
DECLARE f record;
BEGIN
  FOR f IN SELECT * FROM _synapse_fk LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', f.rel, f.conname);
  END LOOP;
END
$$;

CREATE TEMP TABLE _synapse_trg ON COMMIT DROP AS
  SELECT t.tgrelid::regclass AS rel, t.tgname
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind IN ('r', 'p') AND NOT t.tgisinternal AND t.tgenabled <> 'D';
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT * FROM _synapse_trg LOOP
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', t.rel, t.tgname);
  END LOOP;
END
$$;

-- Small shared tables, replicated to every node (joins with them stay local everywhere).
SELECT create_reference_table('synapse.departments');
SELECT create_reference_table('synapse.users');
SELECT create_reference_table('synapse.auth_sessions');
SELECT create_reference_table('synapse.email_integrations');
SELECT create_reference_table('synapse.email_processing_log');

-- The tenant's data, hash-distributed by department_id and co-located. The projects' table
-- is synapse.projects_base (migration 16; synapse.projects is a view over it and the
-- pending counter deltas, which Citus reads but does not write through).
SELECT create_distributed_table('synapse.projects_base', 'department_id');
SELECT create_distributed_table('synapse.tasks', 'department_id', colocate_with => 'synapse.projects_base');
SELECT create_distributed_table('synapse.task_assignees', 'department_id', colocate_with => 'synapse.projects_base');
SELECT create_distributed_table('synapse.task_dependencies', 'department_id', colocate_with => 'synapse.projects_base');
SELECT create_distributed_table('synapse.comments', 'department_id', colocate_with => 'synapse.projects_base');
-- The typo fallback's words per department (migration 10), written by a trigger on tasks'
-- shards: co-located, so that insert stays on the task's node.
SELECT create_distributed_table('synapse.search_words', 'department_id', colocate_with => 'synapse.projects_base');
-- The project counters' pending deltas (migration 16), appended by the counter trigger on
-- tasks' shards: co-located, so the append, the view's sum and the merge stay on one node.
SELECT create_distributed_table('synapse.project_count_deltas', 'department_id', colocate_with => 'synapse.projects_base');
-- Generation's claim index of templates by next occurrence (migration 15), written by the
-- generator and by a trigger on tasks' shards: co-located, so the claim's join with the
-- tasks and those writes stay on the department's node.
SELECT create_distributed_table('synapse.template_schedule', 'department_id', colocate_with => 'synapse.projects_base');

DO $$
DECLARE f record;
BEGIN
  FOR f IN SELECT * FROM _synapse_fk LOOP
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', f.rel, f.conname, f.def);
  END LOOP;
  FOR f IN SELECT * FROM _synapse_trg LOOP
    EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', f.rel, f.tgname);
  END LOOP;
END
$$;
COMMIT;

-- synapse.projects on Citus (docs/citus.md, finding 24): the same columns, the pending
-- deltas joined as one grouped subquery instead of migration 16's scalar subqueries, which
-- Citus sends to every shard even for one project; joined on the distribution column, a
-- project's or a department's counters are a router query, and a read that names no
-- counter skips the join. Citus writes through no view, so the INSTEAD OF trigger goes:
-- a write through the view is refused (55000 "cannot update view") and the application
-- writes synapse.projects_base.
BEGIN;
DROP TRIGGER projects_write_through_view ON synapse.projects;
CREATE OR REPLACE VIEW synapse.projects WITH (security_invoker = true) AS
SELECT p.department_id, p.id, p.name, p.description, p.status, p.owner_id, p.start_date, p.end_date,
       (p.task_count + coalesce(d.tasks, 0))::integer AS task_count,
       (p.completed_task_count + coalesce(d.completed, 0))::integer AS completed_task_count,
       p.created_at, p.updated_at, p.deleted_at
  FROM synapse.projects_base p
  LEFT JOIN (SELECT department_id, project_id, sum(tasks) AS tasks, sum(completed) AS completed
               FROM synapse.project_count_deltas GROUP BY department_id, project_id) d
    ON d.department_id = p.department_id AND d.project_id = p.id;
COMMIT;

-- The local copies left behind on the coordinator by create_*_table (invisible, on disk).
SELECT truncate_local_data_after_distributing_table(t)
  FROM unnest(ARRAY['synapse.departments', 'synapse.users', 'synapse.auth_sessions',
                    'synapse.email_integrations', 'synapse.email_processing_log',
                    'synapse.projects_base', 'synapse.tasks', 'synapse.task_assignees',
                    'synapse.task_dependencies', 'synapse.comments', 'synapse.search_words',
                    'synapse.project_count_deltas', 'synapse.template_schedule']::regclass[]) AS t;

-- Citus opens the shard connections of a SECURITY DEFINER function as its owner. The
-- search helper synapse._search_task_matches_for_user (migration 9) is owned by
-- synapse_migrate, a NOLOGIN group: without LOGIN, search_tasks fails for every
-- application user ("role "synapse_migrate" is not permitted to log in"). Citus propagates
-- this to the workers. Like any login it authenticates: over TLS with a SCRAM password that
-- the nodes' passfile holds (tests/citus/check.sh gives it one with scripts/cluster.sh login
-- --server, never here); let only the nodes' addresses use it in pg_hba.conf
-- (docs/citus.md, finding 10).
ALTER ROLE synapse_migrate LOGIN;

-- A function's own SET clause applies on the coordinator only, never in the shard queries
-- it sends: the trigram fallback of search_tasks (_search_task_matches SETs
-- pg_trgm.word_similarity_threshold = 0.45) would run on the workers with pg_trgm's default
-- 0.6 and miss typos that single node finds. The same value as a database default reaches
-- the workers (Citus propagates ALTER DATABASE ... SET; finding 11).
SELECT current_database() AS synapse_db \gset
ALTER DATABASE :"synapse_db" SET pg_trgm.word_similarity_threshold = 0.45;

-- The matching step of search_tasks for one department (_search_department_matches,
-- migration 10) tests the department with uuid_eq(t.department_id, department): on one
-- node that keeps the planner on the department-prefixed keys index (with `=` it may walk
-- the department's primary key instead, and search p95 doubles). Citus prunes shards only
-- on `=`: with uuid_eq every tier of every search reads all 32 shards. On a shard a
-- department is all or most of the rows, so `=` is no reason to leave the keys index there.
-- The function is redefined with `=`, the rest of it unchanged (finding 20); a migration
-- that replaces it must be followed by this step again (the Citus check counts
-- multi-shard executions of a search and fails otherwise).
DO $$
DECLARE
  def text := pg_catalog.pg_get_functiondef('synapse._search_department_matches(tsquery, text, tsquery, integer, uuid)'::pg_catalog.regprocedure);
  uuid_test constant text := 'pg_catalog.uuid_eq(t.department_id, department)';
BEGIN
  IF def LIKE '%' || uuid_test || '%' THEN
    EXECUTE pg_catalog.replace(def, uuid_test, 't.department_id = department');
  ELSIF def NOT LIKE '%t.department_id = department%' THEN
    RAISE EXCEPTION 'distribute.sql: synapse._search_department_matches tests the department neither with uuid_eq nor with =; adapt this step to it';
  END IF;
END
$$;

-- Citus never propagates a GRANT on an extension's functions: copy the migration set's
-- grants on synapse_ext's internals to the workers (finding 21).
\ir extension_grants.sql
