-- What synapse_ext defines in this database, one line per fact, sorted: the extension's
-- version and settings, every member object with its comment, and for functions their
-- whole definition (signature, result, language, volatility, strictness, parallel safety,
-- security, cost, settings, C symbol or body) and privileges, for types their shape.
-- tests/upgrade/from_releases.t compares a database updated in place with one where the
-- current version was created afresh; equal output means the same extension surface.
WITH ext AS (
  SELECT e.oid, e.extversion, e.extrelocatable, e.extnamespace::regnamespace AS ns, e.extconfig
    FROM pg_catalog.pg_extension e
   WHERE e.extname = 'synapse_ext'
), members AS (
  SELECT d.classid, d.objid, d.objsubid
    FROM pg_catalog.pg_depend d JOIN ext ON d.refobjid = ext.oid
   WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
)
SELECT line FROM (
  SELECT format('extension synapse_ext %s relocatable=%s schema=%s config=%s',
                extversion, extrelocatable, ns, extconfig::regclass[]) AS line
    FROM ext
  UNION ALL
  SELECT format('member %s | comment: %s',
                pg_catalog.pg_describe_object(m.classid, m.objid, m.objsubid),
                coalesce(pg_catalog.obj_description(m.objid, c.relname), '(none)'))
    FROM members m JOIN pg_catalog.pg_class c ON c.oid = m.classid
  UNION ALL
  SELECT format('function %s | (%s) returns %s | kind=%s language=%s volatility=%s strict=%s parallel=%s security_definer=%s leakproof=%s cost=%s rows=%s set=%s',
                p.oid::regprocedure, pg_catalog.pg_get_function_arguments(p.oid),
                pg_catalog.pg_get_function_result(p.oid), p.prokind, l.lanname,
                CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
                p.proisstrict,
                CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END,
                p.prosecdef, p.proleakproof, p.procost, p.prorows, p.proconfig)
    FROM members m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
    JOIN pg_catalog.pg_language l ON l.oid = p.prolang
  UNION ALL
  -- For C functions the library and symbol, otherwise the body. The privileges in a fixed
  -- order (their order means nothing), and the extension's own (pg_init_privs: what
  -- pg_dump leaves out and a restore gets from CREATE EXTENSION).
  SELECT format('function %s | owner=%s acl=%s initial=%s | %s %s',
                p.oid::regprocedure, pg_catalog.pg_get_userbyid(p.proowner),
                (SELECT array_agg(a::text ORDER BY a::text) FROM unnest(p.proacl) a),
                (SELECT array_agg(a::text ORDER BY a::text)
                   FROM pg_catalog.pg_init_privs i, unnest(i.initprivs) a
                  WHERE i.classoid = 'pg_catalog.pg_proc'::regclass AND i.objoid = p.oid AND i.objsubid = 0),
                p.probin, replace(p.prosrc, E'\n', '\n'))
    FROM members m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
  UNION ALL
  SELECT format('type %s | typtype=%s owner=%s acl=%s | enum: %s | attributes: %s | domain: %s %s',
                t.oid::regtype, t.typtype, pg_catalog.pg_get_userbyid(t.typowner), t.typacl,
                (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),
                (SELECT string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                   FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
                CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
                (SELECT string_agg(pg_catalog.pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname)
                   FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid))
    FROM members m JOIN pg_catalog.pg_type t ON m.classid = 'pg_catalog.pg_type'::regclass AND t.oid = m.objid
  UNION ALL
  SELECT format('relation %s | relkind=%s | columns: %s | %s',
                r.oid::regclass, r.relkind,
                (SELECT string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                   FROM pg_catalog.pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
                CASE WHEN r.relkind = 'v' THEN replace(pg_catalog.pg_get_viewdef(r.oid), E'\n', ' ') END)
    FROM members m JOIN pg_catalog.pg_class r ON m.classid = 'pg_catalog.pg_class'::regclass AND r.oid = m.objid
  UNION ALL
  SELECT format('trigger %s on %s | %s', tg.tgname, tg.tgrelid::regclass, pg_catalog.pg_get_triggerdef(tg.oid))
    FROM pg_catalog.pg_trigger tg
   WHERE NOT tg.tgisinternal
     AND tg.tgfoid IN (SELECT m.objid FROM members m WHERE m.classid = 'pg_catalog.pg_proc'::regclass)
) facts
ORDER BY line;
