-- What a migration's down must give back exactly (tests/e2e/10_migrations.t), one line per
-- fact, sorted: schema synapse's policies (command, roles, expressions), relations (owner,
-- row-level security and FORCE, options such as security_invoker, privileges, view
-- definitions), column privileges, functions (owner, privileges, whole definition, comment),
-- triggers, the database's default privileges, the schema's privileges and the extensions.
-- Privileges are compared as sets of grantor>grantee:privilege (an ACL's order, and an
-- explicit ACL equal to the default, change nothing that takes effect). The schema is
-- named, not cast to regnamespace: before migration 1 and after its down it is absent.
CREATE FUNCTION pg_temp.acl_text(acl aclitem[]) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT string_agg(e, ',' ORDER BY e) FROM (
    SELECT format('%s>%s:%s%s', a.grantor::regrole, CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                  a.privilege_type, CASE WHEN a.is_grantable THEN '*' END) AS e
      FROM aclexplode(acl) a) s
$$;
SELECT x FROM (
  SELECT concat_ws(' ', 'policy', pol.polrelid::regclass, pol.polname, pol.polcmd, pol.polpermissive,
                   (SELECT string_agg(CASE r WHEN 0 THEN 'PUBLIC' ELSE r::regrole::text END, ',' ORDER BY r::regrole::text) FROM unnest(pol.polroles) r),
                   pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid)) AS x
    FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid WHERE c.relnamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = 'synapse')
  UNION ALL
  SELECT concat_ws(' ', 'relation', c.oid::regclass, c.relkind, pg_get_userbyid(c.relowner), c.relrowsecurity, c.relforcerowsecurity,
                   c.reloptions::text,
                   pg_temp.acl_text(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner))),
                   CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END)
    FROM pg_class c WHERE c.relnamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = 'synapse') AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
  SELECT concat_ws(' ', 'column', att.attrelid::regclass, att.attname, pg_temp.acl_text(att.attacl))
    FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid
   WHERE c.relnamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = 'synapse') AND att.attacl IS NOT NULL
  UNION ALL
  SELECT concat_ws(' ', 'function', p.oid::regprocedure, pg_get_userbyid(p.proowner),
                   pg_temp.acl_text(coalesce(p.proacl, acldefault('f', p.proowner))),
                   pg_get_functiondef(p.oid), obj_description(p.oid, 'pg_proc'))
    FROM pg_proc p WHERE p.pronamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = 'synapse')
  UNION ALL
  SELECT concat_ws(' ', 'trigger', t.tgrelid::regclass, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid))
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = 'synapse') AND NOT t.tgisinternal
  UNION ALL
  SELECT concat_ws(' ', 'default-acl', d.defaclrole::regrole, d.defaclnamespace::regnamespace, d.defaclobjtype, pg_temp.acl_text(d.defaclacl))
    FROM pg_default_acl d
  UNION ALL
  SELECT concat_ws(' ', 'schema', n.nspname, pg_temp.acl_text(coalesce(n.nspacl, acldefault('n', n.nspowner)))) FROM pg_namespace n WHERE n.nspname = 'synapse'
  UNION ALL
  SELECT concat_ws(' ', 'extension', e.extname, e.extversion, e.extnamespace::regnamespace) FROM pg_extension e
) s ORDER BY x;
