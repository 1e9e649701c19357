-- Copies the EXECUTE grants on synapse_ext's functions from the coordinator to every worker
-- (docs/citus.md, finding 21). Run on the coordinator, as a superuser: by distribute.sql,
-- after every migration that changes them, and after citus_add_node before shards move
-- (building a shard's tasks_search_keys_idx needs synapse_migrate's EXECUTE on
-- _search_keys there). Idempotent.
--
-- Citus propagates GRANT and REVOKE on distributed functions only, never on an extension's
-- own functions (and refuses to distribute those without a distribution argument): on a
-- worker they keep what CREATE EXTENSION left, where synapse_ext 0.3.0 takes EXECUTE on its
-- internals from PUBLIC. The migration set grants them to its groups (migration 14) on the
-- coordinator only; without this copy every policy, index expression and trigger helper
-- evaluated on a shard fails with 42501.
\set ON_ERROR_STOP 1
-- One statement per call: run_command_on_workers reports only a multi-statement string's
-- first result, so a later failure would go unnoticed. ROUTINE covers the procedure
-- (run_recurring_generation) too.
DO $$
DECLARE
  stmt text;
  failed text;
BEGIN
  FOR stmt IN
    SELECT c.cmd
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'synapse_ext'
     CROSS JOIN LATERAL (
       SELECT 0 AS n, pg_catalog.format('REVOKE ALL ON ROUTINE %s FROM PUBLIC, synapse_app, synapse_readonly, synapse_monitoring, synapse_worker, synapse_migrate',
                                        p.oid::pg_catalog.regprocedure) AS cmd
       UNION ALL
       SELECT 1, pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO %s', p.oid::pg_catalog.regprocedure,
                                   CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(a.grantee::pg_catalog.regrole::text) END)
         FROM pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
        WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner) c
     ORDER BY p.oid, c.n, c.cmd
  LOOP
    SELECT pg_catalog.string_agg(r.nodename || ':' || r.nodeport || ' ' || r.result, '; ')
      INTO failed FROM run_command_on_workers(stmt) r WHERE NOT r.success;
    IF failed IS NOT NULL THEN
      RAISE EXCEPTION 'extension_grants.sql: % failed on %', stmt, failed;
    END IF;
  END LOOP;
END
$$;
