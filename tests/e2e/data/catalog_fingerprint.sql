-- What a migration's down must give back exactly (tests/e2e/13_down_migrations.t): the
-- database's catalog as one line per fact, sorted. It covers every schema but the system
-- ones (synapse, public with the extensions and schema_migrations, any other a migration
-- made), the database itself and the cluster-wide roles the migrations create:
--   schemas (owner, privileges); relations of every kind (owner, persistence, access method,
--   row-level security and FORCE, options such as security_invoker, replica identity,
--   partitioning, privileges, view definitions); columns (position, type, NOT NULL,
--   default or generation expression, identity, collation, storage, privileges); constraints
--   (definition, deferrability, validation); indexes (definition, clustering); rules;
--   functions and procedures (owner, privileges, the whole definition: language,
--   volatility, strictness, parallel safety, SECURITY DEFINER, leakproof, cost, rows, SET
--   settings, body); aggregates; triggers and event triggers; policies (command, roles,
--   expressions); types (enums with their labels in order, domains, ranges, base types;
--   owner, privileges); sequences (type, bounds, step, cache, cycle); default privileges;
--   extensions (version, schema, configuration tables) and their initial privileges; every
--   comment; every dependency between objects (so which sequence a column owns, what
--   belongs to an extension, what a function body or policy refers to); the database's
--   owner, privileges and settings (search_path); and the roles named synapse_* with their
--   attributes, settings and memberships.
-- Privileges are compared as sets of grantor>grantee:privilege (an ACL's order, and an
-- explicit ACL equal to the default, change nothing that takes effect). Schemas are
-- looked up by name, never cast to regnamespace: before migration 1 synapse is absent.
-- Names, never OIDs: a down that re-creates an object exactly gives the same lines; with
-- only pg_catalog on the search_path every name is qualified with its schema.
SET search_path = pg_catalog;
CREATE FUNCTION pg_temp.acl_text(acl aclitem[]) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT string_agg(e, ',' ORDER BY e) FROM (
    SELECT format('%s>%s:%s%s', a.grantor::regrole, CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                  a.privilege_type, CASE WHEN a.is_grantable THEN '*' END) AS e
      FROM aclexplode(acl) a) s
$$;
CREATE FUNCTION pg_temp.one_line(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT replace(t, E'\n', '\n') $$;
CREATE TEMP VIEW fp_schema AS
  SELECT n.oid, n.nspname FROM pg_namespace n
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%';
CREATE TEMP VIEW fp_role AS SELECT r.oid, r.rolname FROM pg_roles r WHERE r.rolname LIKE 'synapse\_%';

SELECT x FROM (
  SELECT concat_ws(' ', 'schema', n.nspname, pg_get_userbyid(n.nspowner), pg_temp.acl_text(coalesce(n.nspacl, acldefault('n', n.nspowner)))) AS x
    FROM pg_namespace n JOIN fp_schema s ON s.oid = n.oid
  UNION ALL
  SELECT concat_ws(' ', 'relation', c.oid::regclass, c.relkind, c.relpersistence, pg_get_userbyid(c.relowner),
                   (SELECT a.amname FROM pg_am a WHERE a.oid = c.relam), 'rls=' || c.relrowsecurity, 'force=' || c.relforcerowsecurity,
                   'options=' || c.reloptions::text, 'replident=' || c.relreplident::text, 'partition=' || c.relispartition,
                   pg_get_expr(c.relpartbound, c.oid), CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                   (SELECT t.spcname FROM pg_tablespace t WHERE t.oid = c.reltablespace),
                   'acl=' || pg_temp.acl_text(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner))),
                   CASE WHEN c.relkind IN ('v', 'm') THEN pg_temp.one_line(pg_get_viewdef(c.oid)) END)
    FROM pg_class c JOIN fp_schema s ON s.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'column', a.attrelid::regclass,
                   row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum), a.attname,
                   format_type(a.atttypid, a.atttypmod), 'notnull=' || a.attnotnull,
                   'default=' || pg_get_expr(d.adbin, d.adrelid), 'generated=' || nullif(a.attgenerated::text, ''),
                   'identity=' || nullif(a.attidentity::text, ''),
                   'collation=' || (SELECT co.collname FROM pg_collation co WHERE co.oid = a.attcollation),
                   'storage=' || a.attstorage::text, 'compression=' || nullif(a.attcompression::text, ''),
                   'statistics=' || a.attstattarget, 'acl=' || pg_temp.acl_text(a.attacl))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN fp_schema s ON s.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')
  UNION ALL
  SELECT concat_ws(' ', 'constraint', coalesce(k.conrelid::regclass::text, k.contypid::regtype::text), k.conname, k.contype,
                   pg_get_constraintdef(k.oid), 'deferrable=' || k.condeferrable, 'deferred=' || k.condeferred,
                   'validated=' || k.convalidated, 'local=' || k.conislocal, 'noinherit=' || k.connoinherit,
                   'index=' || nullif(k.conindid, 0)::regclass)
    FROM pg_constraint k JOIN fp_schema s ON s.oid = k.connamespace
  UNION ALL
  SELECT concat_ws(' ', 'index', i.indexrelid::regclass, pg_get_indexdef(i.indexrelid), 'clustered=' || i.indisclustered,
                   'replident=' || i.indisreplident, 'valid=' || i.indisvalid, 'immediate=' || i.indimmediate)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN fp_schema s ON s.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'rule', r.ev_class::regclass, r.rulename, r.ev_enabled, pg_temp.one_line(pg_get_ruledef(r.oid)))
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN fp_schema s ON s.oid = c.relnamespace
   WHERE r.rulename <> '_RETURN'
  UNION ALL
  SELECT concat_ws(' ', 'function', p.oid::regprocedure, p.prokind, pg_get_userbyid(p.proowner),
                   'acl=' || pg_temp.acl_text(coalesce(p.proacl, acldefault('f', p.proowner))),
                   'volatile=' || p.provolatile::text, 'strict=' || p.proisstrict, 'parallel=' || p.proparallel::text,
                   'definer=' || p.prosecdef, 'leakproof=' || p.proleakproof, 'config=' || p.proconfig::text,
                   CASE WHEN p.prokind <> 'a' THEN pg_temp.one_line(pg_get_functiondef(p.oid)) END)
    FROM pg_proc p JOIN fp_schema s ON s.oid = p.pronamespace
  UNION ALL
  SELECT concat_ws(' ', 'aggregate', g.aggfnoid::regprocedure, g.aggkind, g.aggtransfn::regproc, g.aggfinalfn::regproc,
                   g.aggcombinefn::regproc, g.aggtranstype::regtype, g.agginitval)
    FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid JOIN fp_schema s ON s.oid = p.pronamespace
  UNION ALL
  SELECT concat_ws(' ', 'trigger', t.tgrelid::regclass, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid))
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN fp_schema s ON s.oid = c.relnamespace WHERE NOT t.tgisinternal
  UNION ALL
  SELECT concat_ws(' ', 'event-trigger', e.evtname, e.evtevent, e.evtfoid::regprocedure, pg_get_userbyid(e.evtowner), e.evtenabled, e.evttags::text)
    FROM pg_event_trigger e
  UNION ALL
  SELECT concat_ws(' ', 'policy', pol.polrelid::regclass, pol.polname, pol.polcmd, pol.polpermissive,
                   (SELECT string_agg(CASE r WHEN 0 THEN 'PUBLIC' ELSE r::regrole::text END, ',' ORDER BY r::regrole::text) FROM unnest(pol.polroles) r),
                   pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))
    FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid JOIN fp_schema s ON s.oid = c.relnamespace
  UNION ALL
  -- Types of their own (a relation's row type and an array type come with their owner).
  SELECT concat_ws(' ', 'type', t.oid::regtype, t.typtype, pg_get_userbyid(t.typowner),
                   'acl=' || pg_temp.acl_text(coalesce(t.typacl, acldefault('T', t.typowner))),
                   'labels=' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
                   'base=' || CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                   'notnull=' || CASE WHEN t.typtype = 'd' THEN t.typnotnull END, 'default=' || t.typdefault,
                   'range=' || (SELECT rg.rngsubtype::regtype::text FROM pg_range rg WHERE rg.rngtypid = t.oid),
                   'io=' || CASE WHEN t.typtype = 'b' THEN concat_ws(',', t.typinput, t.typoutput, t.typreceive, t.typsend, t.typlen, t.typalign, t.typstorage) END)
    FROM pg_type t JOIN fp_schema s ON s.oid = t.typnamespace
   WHERE NOT (t.typcategory = 'A' AND t.typelem <> 0)
     AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
  UNION ALL
  SELECT concat_ws(' ', 'sequence', q.seqrelid::regclass, q.seqtypid::regtype, q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle)
    FROM pg_sequence q JOIN pg_class c ON c.oid = q.seqrelid JOIN fp_schema s ON s.oid = c.relnamespace
  UNION ALL
  SELECT concat_ws(' ', 'default-acl', d.defaclrole::regrole, d.defaclnamespace::regnamespace, d.defaclobjtype, pg_temp.acl_text(d.defaclacl))
    FROM pg_default_acl d
  UNION ALL
  SELECT concat_ws(' ', 'extension', e.extname, e.extversion, e.extnamespace::regnamespace, pg_get_userbyid(e.extowner),
                   e.extrelocatable, e.extconfig::regclass[]::text, e.extcondition::text)
    FROM pg_extension e
  UNION ALL
  SELECT concat_ws(' ', 'initial-privileges', pg_describe_object(i.classoid, i.objoid, i.objsubid), i.privtype, pg_temp.acl_text(i.initprivs))
    FROM pg_init_privs i WHERE i.objoid >= 16384
  UNION ALL
  -- Every comment on an object made after initdb (16384 is FirstNormalObjectId).
  SELECT concat_ws(' ', 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), pg_temp.one_line(d.description))
    FROM pg_description d WHERE d.objoid >= 16384
  UNION ALL
  -- Every dependency of an object made after initdb, but this file's own temporary objects,
  -- TOAST tables and the internal triggers of foreign keys (named after OIDs; the columns
  -- and constraints above stand for them).
  SELECT concat_ws(' ', 'depend', pg_describe_object(d.classid, d.objid, d.objsubid), d.deptype,
                   pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid))
    FROM pg_depend d
   WHERE (d.objid >= 16384 OR d.refobjid >= 16384)
     AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE d.classid = 'pg_class'::regclass AND c.oid = d.objid AND c.relnamespace = 'pg_toast'::regnamespace)
     AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE d.refclassid = 'pg_class'::regclass AND c.oid = d.refobjid AND c.relnamespace = 'pg_toast'::regnamespace)
     AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE d.classid = 'pg_trigger'::regclass AND t.oid = d.objid AND t.tgisinternal)
     AND NOT EXISTS (SELECT 1 FROM pg_proc p WHERE d.classid = 'pg_proc'::regclass AND p.oid = d.objid AND p.pronamespace = pg_my_temp_schema())
     AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE d.classid = 'pg_class'::regclass AND c.oid = d.objid AND c.relnamespace = pg_my_temp_schema())
     AND NOT EXISTS (SELECT 1 FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
                      WHERE d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid AND c.relnamespace = pg_my_temp_schema())
     AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid AND t.typnamespace = pg_my_temp_schema())
  UNION ALL
  -- Owners, privileges and policy roles of this database's objects, as the roles see them.
  SELECT concat_ws(' ', 'shared-depend', pg_describe_object(d.classid, d.objid, d.objsubid), d.deptype, d.refobjid::regrole)
    FROM pg_shdepend d JOIN pg_database db ON db.oid = d.dbid
   WHERE db.datname = current_database() AND d.refclassid = 'pg_authid'::regclass
     AND NOT EXISTS (SELECT 1 FROM pg_proc p WHERE d.classid = 'pg_proc'::regclass AND p.oid = d.objid AND p.pronamespace = pg_my_temp_schema())
     AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE d.classid = 'pg_class'::regclass AND c.oid = d.objid AND c.relnamespace = pg_my_temp_schema())
  UNION ALL
  SELECT concat_ws(' ', 'database', pg_get_userbyid(db.datdba), pg_temp.acl_text(coalesce(db.datacl, acldefault('d', db.datdba))),
                   shobj_description(db.oid, 'pg_database'))
    FROM pg_database db WHERE db.datname = current_database()
  UNION ALL
  SELECT concat_ws(' ', 'setting', CASE s.setrole WHEN 0 THEN 'database' ELSE s.setrole::regrole::text END,
                   CASE WHEN s.setdatabase = 0 THEN 'everywhere' END, s.setconfig::text)
    FROM pg_db_role_setting s
   WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
      OR (s.setdatabase = 0 AND s.setrole IN (SELECT oid FROM fp_role))
  UNION ALL
  SELECT concat_ws(' ', 'role', r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
                   r.rolreplication, r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil, r.rolpassword IS NOT NULL,
                   shobj_description(r.oid, 'pg_authid'))
    FROM pg_authid r JOIN fp_role f ON f.oid = r.oid
  UNION ALL
  SELECT concat_ws(' ', 'member', m.member::regrole, 'in', m.roleid::regrole, 'admin=' || m.admin_option, 'grantor=' || m.grantor::regrole)
    FROM pg_auth_members m WHERE m.member IN (SELECT oid FROM fp_role)
) s ORDER BY x;
