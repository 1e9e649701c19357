-- The privilege and policy matrix behind the department wall (migration 14,
-- docs/security.md), asserted with pgTAP. Run by pg_prove (tests/security/run.sh) against a
-- migrated database with CREATE EXTENSION pgtap. A change to a grant, a column privilege, a
-- policy or a table's row-level security shows here as a failing row.
BEGIN;
-- pgTAP lives in schema tap (run.sh), apart from synapse.
SET LOCAL search_path = tap, pg_catalog;
SELECT plan(271);

-- --- tables and views: table-level privileges of each group ----------------------------------
-- (A privilege given on some columns only is no table privilege; those are below.)
SELECT table_privs_are('synapse', t, r, p::text[], format('%s: %s has %s', t, r, p))
  FROM (VALUES
    ('departments',          'synapse_app',        '{SELECT,INSERT,UPDATE,DELETE}'),
    ('departments',          'synapse_readonly',   '{SELECT}'),
    ('departments',          'synapse_monitoring', '{}'),
    ('departments',          'synapse_worker',     '{}'),
    ('users',                'synapse_app',        '{INSERT,DELETE}'),
    ('users',                'synapse_readonly',   '{}'),
    ('users',                'synapse_monitoring', '{}'),
    ('users',                'synapse_worker',     '{}'),
    ('projects',             'synapse_app',        '{SELECT,INSERT,UPDATE,DELETE}'),
    ('projects',             'synapse_readonly',   '{SELECT}'),
    ('projects',             'synapse_monitoring', '{}'),
    ('projects',             'synapse_worker',     '{}'),
    ('projects_base',        'synapse_app',        '{SELECT,INSERT,UPDATE,DELETE}'),
    ('projects_base',        'synapse_readonly',   '{SELECT}'),
    ('projects_base',        'synapse_monitoring', '{}'),
    ('project_count_deltas', 'synapse_app',        '{SELECT}'),
    ('project_count_deltas', 'synapse_readonly',   '{SELECT}'),
    ('project_count_deltas', 'synapse_monitoring', '{}'),
    ('project_count_deltas', 'synapse_worker',     '{}'),
    ('tasks',                'synapse_app',        '{SELECT,INSERT,UPDATE,DELETE}'),
    ('tasks',                'synapse_readonly',   '{SELECT}'),
    ('tasks',                'synapse_monitoring', '{}'),
    ('tasks',                'synapse_worker',     '{}'),
    ('task_assignees',       'synapse_app',        '{SELECT,INSERT,DELETE}'),
    ('task_assignees',       'synapse_readonly',   '{SELECT}'),
    ('task_assignees',       'synapse_monitoring', '{}'),
    ('task_dependencies',    'synapse_app',        '{SELECT,INSERT,DELETE}'),
    ('task_dependencies',    'synapse_readonly',   '{SELECT}'),
    ('task_dependencies',    'synapse_monitoring', '{}'),
    ('comments',             'synapse_app',        '{SELECT,INSERT,DELETE}'),
    ('comments',             'synapse_readonly',   '{SELECT}'),
    ('comments',             'synapse_monitoring', '{}'),
    ('comments',             'synapse_worker',     '{}'),
    ('auth_sessions',        'synapse_app',        '{INSERT}'),
    ('auth_sessions',        'synapse_readonly',   '{}'),
    ('auth_sessions',        'synapse_monitoring', '{}'),
    ('auth_sessions',        'synapse_worker',     '{}'),
    ('email_integrations',   'synapse_app',        '{INSERT,DELETE}'),
    ('email_integrations',   'synapse_readonly',   '{}'),
    ('email_integrations',   'synapse_monitoring', '{}'),
    ('email_integrations',   'synapse_worker',     '{SELECT}'),
    ('email_processing_log', 'synapse_app',        '{SELECT}'),
    ('email_processing_log', 'synapse_readonly',   '{SELECT}'),
    ('email_processing_log', 'synapse_monitoring', '{}'),
    ('email_processing_log', 'synapse_worker',     '{SELECT,INSERT,UPDATE}'),
    ('generation_runs',      'synapse_app',        '{SELECT}'),
    ('generation_runs',      'synapse_readonly',   '{SELECT}'),
    ('generation_runs',      'synapse_monitoring', '{}'),
    ('generation_runs',      'synapse_worker',     '{SELECT}'),
    ('generation_runs_default', 'synapse_app',     '{}'),
    ('generation_runs_default', 'synapse_readonly', '{}'),
    ('search_words',         'synapse_app',        '{}'),
    ('search_words',         'synapse_readonly',   '{}'),
    ('template_schedule',    'synapse_app',        '{}'),
    ('template_schedule',    'synapse_readonly',   '{}'),
    ('template_schedule',    'synapse_monitoring', '{}'),
    ('template_schedule',    'synapse_worker',     '{}'),
    ('generation_recent_runs',       'synapse_app',        '{SELECT}'),
    ('generation_recent_runs',       'synapse_readonly',   '{SELECT}'),
    ('generation_recent_runs',       'synapse_worker',     '{SELECT}'),
    ('generation_recent_runs',       'synapse_monitoring', '{}'),
    ('generation_overdue_templates', 'synapse_app',        '{SELECT}'),
    ('generation_overdue_templates', 'synapse_readonly',   '{SELECT}'),
    ('generation_overdue_templates', 'synapse_monitoring', '{}'),
    ('generation_failing_templates', 'synapse_app',        '{SELECT}'),
    ('generation_failing_templates', 'synapse_readonly',   '{SELECT}'),
    ('generation_failing_templates', 'synapse_monitoring', '{}'),
    ('generation_health',            'synapse_app',        '{}'),
    ('generation_health',            'synapse_readonly',   '{SELECT}'),
    ('generation_health',            'synapse_monitoring', '{SELECT}'),
    ('monitoring_generation',        'synapse_monitoring', '{SELECT}'),
    ('monitoring_generation',        'synapse_app',        '{}'),
    ('monitoring_generation',        'synapse_readonly',   '{}'),
    ('monitoring_alerts',            'synapse_monitoring', '{SELECT}'),
    ('monitoring_connections',       'synapse_app',        '{}')
  ) AS v(t, r, p);

-- --- columns: the secrets, and what is never changed after the insert --------------------------
SELECT column_privs_are('synapse', t, c, r, p::text[], format('%s.%s: %s has %s', t, c, r, p))
  FROM (VALUES
    ('users',              'password_hash',           'synapse_app',      '{INSERT,UPDATE}'),
    ('users',              'password_hash',           'synapse_readonly', '{}'),
    ('users',              'role',                    'synapse_app',      '{SELECT,INSERT,UPDATE}'),
    ('users',              'id',                      'synapse_app',      '{SELECT,INSERT}'),
    ('users',              'email',                   'synapse_readonly', '{SELECT}'),
    ('auth_sessions',      'refresh_token_hash',      'synapse_app',      '{INSERT}'),
    ('auth_sessions',      'refresh_token_hash',      'synapse_readonly', '{}'),
    ('auth_sessions',      'expires_at',              'synapse_app',      '{SELECT,INSERT}'),
    ('auth_sessions',      'revoked_at',              'synapse_app',      '{SELECT,INSERT,UPDATE}'),
    ('auth_sessions',      'user_id',                 'synapse_readonly', '{SELECT}'),
    ('email_integrations', 'access_token_encrypted',  'synapse_app',      '{INSERT,UPDATE}'),
    ('email_integrations', 'refresh_token_encrypted', 'synapse_app',      '{INSERT,UPDATE}'),
    ('email_integrations', 'access_token_encrypted',  'synapse_worker',   '{SELECT,UPDATE}'),
    ('email_integrations', 'refresh_token_encrypted', 'synapse_worker',   '{SELECT,UPDATE}'),
    ('email_integrations', 'access_token_encrypted',  'synapse_readonly', '{}'),
    ('email_integrations', 'refresh_token_encrypted', 'synapse_readonly', '{}'),
    ('email_integrations', 'user_id',                 'synapse_app',      '{SELECT,INSERT}'),
    ('email_integrations', 'user_id',                 'synapse_worker',   '{SELECT}'),
    ('email_integrations', 'status',                  'synapse_worker',   '{SELECT,UPDATE}'),
    ('comments',           'user_id',                 'synapse_app',      '{SELECT,INSERT}'),
    ('comments',           'content',                 'synapse_app',      '{SELECT,INSERT,UPDATE}'),
    ('task_assignees',     'assigned_by',             'synapse_app',      '{SELECT,INSERT}'),
    ('task_assignees',     'user_id',                 'synapse_app',      '{SELECT,INSERT,UPDATE}'),
    ('task_dependencies',  'created_by',              'synapse_app',      '{SELECT,INSERT}')
  ) AS v(t, c, r, p);

-- --- functions: EXECUTE per group ------------------------------------------------------------------
SELECT function_privs_are('synapse', f, a::text[], r, p::text[], format('%s(%s): %s has %s', f, a, r, p))
  FROM (VALUES
    ('set_current_user',         '{uuid}', 'synapse_app',        '{EXECUTE}'),
    ('set_current_user',         '{uuid}', 'synapse_readonly',   '{}'),
    ('set_current_user',         '{uuid}', 'synapse_monitoring', '{}'),
    ('set_current_user',         '{uuid}', 'synapse_worker',     '{}'),
    ('_set_current_user',        '{uuid}', 'synapse_app',        '{EXECUTE}'),
    ('_set_current_user',        '{uuid}', 'synapse_readonly',   '{}'),
    ('_set_current_user',        '{uuid}', 'synapse_worker',     '{}'),
    ('set_current_user_token',   '{text}', 'synapse_app',        '{EXECUTE}'),
    ('current_user_id',          '{}',     'synapse_app',        '{EXECUTE}'),
    ('current_user_id',          '{}',     'synapse_readonly',   '{EXECUTE}'),
    ('current_user_id',          '{}',     'synapse_monitoring', '{}'),
    ('_rls_current_user',        '{}',     'synapse_app',        '{EXECUTE}'),
    ('_rls_is_admin',            '{}',     'synapse_app',        '{EXECUTE}'),
    ('_rls_is_admin',            '{}',     'synapse_readonly',   '{}'),
    ('_rls_departments_from',    '{}',     'synapse_readonly',   '{EXECUTE}'),
    ('_rls_departments_from',    '{}',     'synapse_monitoring', '{}'),
    ('_rls_can_write',           '{uuid,uuid}', 'synapse_app',      '{EXECUTE}'),
    ('_rls_can_write',           '{uuid,uuid}', 'synapse_readonly', '{}'),
    ('_rls_may_be_assigned',     '{uuid,uuid}', 'synapse_app',      '{EXECUTE}'),
    ('_rls_may_be_assigned',     '{uuid,uuid}', 'synapse_readonly', '{}'),
    ('_rls_owns_email_integration', '{uuid}',   'synapse_app',      '{EXECUTE}'),
    ('_rls_is_task_assignee',    '{uuid,uuid}', 'synapse_app',      '{EXECUTE}'),
    ('_rls_is_task_assignee',    '{uuid,uuid}', 'synapse_readonly', '{}'),
    ('login_lookup',             '{text}',  'synapse_app',        '{EXECUTE}'),
    ('login_lookup',             '{text}',  'synapse_readonly',   '{}'),
    ('login_lookup',             '{text}',  'synapse_worker',     '{}'),
    ('refresh_auth_session',     '{bytea}', 'synapse_app',        '{EXECUTE}'),
    ('refresh_auth_session',     '{bytea}', 'synapse_readonly',   '{}'),
    ('revoke_auth_session',      '{bytea}', 'synapse_app',        '{EXECUTE}'),
    ('revoke_auth_session',      '{bytea}', 'synapse_monitoring', '{}'),
    ('search_tasks',             '{text,integer}', 'synapse_app',        '{EXECUTE}'),
    ('search_tasks',             '{text,integer}', 'synapse_readonly',   '{EXECUTE}'),
    ('search_tasks',             '{text,integer}', 'synapse_monitoring', '{}'),
    ('_search_task_matches_for_user', '{tsquery,text,tsquery,integer}', 'synapse_app', '{EXECUTE}'),
    ('_search_keys',             '{uuid,tsvector}', 'synapse_app',      '{EXECUTE}'),
    ('_search_keys',             '{uuid,tsvector}', 'synapse_readonly', '{EXECUTE}'),
    ('_search_key_array',        '{text,text[],text[]}', 'synapse_app', '{EXECUTE}'),
    ('_generator_copies_search_vector', '{}', 'synapse_app',      '{EXECUTE}'),
    ('_search_keys_query',       '{uuid,tsquery,boolean}', 'synapse_app', '{}'),
    ('_search_department_matches', '{tsquery,text,tsquery,integer,uuid}', 'synapse_app',      '{}'),
    ('_search_department_matches', '{tsquery,text,tsquery,integer,uuid}', 'synapse_readonly', '{}'),
    ('_title_words',             '{text}', 'synapse_app',        '{}'),
    ('recount_project_tasks',    '{uuid}', 'synapse_app',        '{EXECUTE}'),
    ('recount_project_tasks',    '{uuid}', 'synapse_readonly',   '{}'),
    ('merge_project_count_deltas', '{}',   'synapse_app',        '{}'),
    ('merge_project_count_deltas', '{}',   'synapse_worker',     '{}'),
    ('_fold_project_count_deltas', '{uuid,uuid[]}', 'synapse_app', '{}'),
    ('schedule_project_count_merge', '{text}', 'synapse_app',    '{}'),
    ('unschedule_project_count_merge', '{}', 'synapse_app',      '{}'),
    ('generate_recurring_tasks', '{integer,"timestamp with time zone"}', 'synapse_app',      '{EXECUTE}'),
    ('generate_recurring_tasks', '{integer,"timestamp with time zone"}', 'synapse_worker',   '{EXECUTE}'),
    ('generate_recurring_tasks', '{integer,"timestamp with time zone"}', 'synapse_readonly', '{}'),
    ('run_recurring_generation', '{integer,"timestamp with time zone"}', 'synapse_worker',   '{EXECUTE}'),
    ('run_recurring_generation', '{integer,"timestamp with time zone"}', 'synapse_readonly', '{}'),
    ('_generate_recurring_batch', '{bigint,integer,"timestamp with time zone"}', 'synapse_worker', '{EXECUTE}'),
    ('_generate_recurring_batch', '{bigint,integer,"timestamp with time zone"}', 'synapse_monitoring', '{}'),
    ('_generation_health',       '{}', 'synapse_monitoring', '{EXECUTE}'),
    ('_generation_health',       '{}', 'synapse_readonly',   '{EXECUTE}'),
    ('_generation_health',       '{}', 'synapse_app',        '{}'),
    ('_monitoring_slowest_statements', '{integer}', 'synapse_monitoring', '{EXECUTE}'),
    ('_monitoring_slowest_statements', '{integer}', 'synapse_app',        '{}'),
    ('schedule_recurring_generation', '{text}', 'synapse_app', '{}'),
    ('_tasks_apply_project_counts', '{}', 'synapse_migrate', '{EXECUTE}'),
    ('_tasks_count_in_projects',    '{}', 'synapse_migrate', '{EXECUTE}'),
    ('validate_recurrence_pattern', '{jsonb}', 'synapse_monitoring', '{EXECUTE}'),
    -- The trigger functions' table check: for whoever writes.
    ('_require_trigger_use', '{text,text,text[],text[],name,name,text,text,text}', 'synapse_app',        '{EXECUTE}'),
    ('_require_trigger_use', '{text,text,text[],text[],name,name,text,text,text}', 'synapse_worker',     '{EXECUTE}'),
    ('_require_trigger_use', '{text,text,text[],text[],name,name,text,text,text}', 'synapse_readonly',   '{}'),
    ('_require_trigger_use', '{text,text,text[],text[],name,name,text,text,text}', 'synapse_monitoring', '{}')
  ) AS v(f, a, r, p);

-- No group may execute a trigger function: EXECUTE is what CREATE TRIGGER needs.
SELECT function_privs_are('synapse', p.proname, '{}'::text[], r, '{}'::text[],
                          format('trigger function %s: %s has nothing', p.proname, r))
  FROM pg_catalog.pg_proc p
 CROSS JOIN unnest(ARRAY['synapse_app', 'synapse_readonly', 'synapse_monitoring', 'synapse_worker']) AS r
 WHERE p.pronamespace = 'synapse'::regnamespace AND p.prorettype = 'trigger'::regtype
   AND p.proname IN ('_set_updated_at', '_users_refuse_delete', '_users_admin_only_changes', '_tasks_before_write',
                     '_tasks_maintain_project_counts', '_tasks_schedule_template', '_tasks_schedule_after_completion',
                     '_task_assignees_copy_task', '_tasks_copy_to_assignees', '_tasks_add_search_words',
                     '_tasks_count_in_projects', '_tasks_apply_project_counts', '_projects_write_through_view',
                     '_tasks_keep_template_schedule', '_task_assignees_check_copies');

-- --- policies --------------------------------------------------------------------------------------
SELECT policies_are('synapse', t, p::name[], format('%s has the policies %s', t, p))
  FROM (VALUES
    ('departments',          '{departments_read,departments_insert,departments_update,departments_delete}'),
    ('users',                '{users_read,users_insert,users_update,users_delete,users_readonly}'),
    ('auth_sessions',        '{auth_sessions_read,auth_sessions_insert,auth_sessions_update,auth_sessions_readonly}'),
    ('email_integrations',   '{email_integrations_read,email_integrations_insert,email_integrations_update,email_integrations_delete,email_integrations_worker_read,email_integrations_worker_update,email_integrations_readonly}'),
    ('email_processing_log', '{email_processing_log_read,email_processing_log_worker_read,email_processing_log_worker_insert,email_processing_log_worker_update,email_processing_log_readonly}'),
    ('generation_runs',      '{generation_runs_read}'),
    ('projects_base',        '{projects_read,projects_insert,projects_update,projects_delete,projects_readonly}'),
    ('project_count_deltas', '{project_count_deltas_read,project_count_deltas_readonly}'),
    ('tasks',                '{tasks_read,tasks_insert,tasks_update,tasks_delete,tasks_readonly}'),
    ('task_assignees',       '{task_assignees_read,task_assignees_insert,task_assignees_update,task_assignees_delete,task_assignees_readonly}'),
    ('task_dependencies',    '{task_dependencies_read,task_dependencies_insert,task_dependencies_update,task_dependencies_delete,task_dependencies_readonly}'),
    ('comments',             '{comments_read,comments_insert,comments_update,comments_delete,comments_readonly}')
  ) AS v(t, p);
SELECT policy_roles_are('synapse', t, p, r::name[], format('%s.%s applies to %s', t, p, r))
  FROM (VALUES
    ('departments',          'departments_insert',             '{synapse_app}'),
    ('users',                'users_read',                     '{synapse_app}'),
    ('users',                'users_readonly',                 '{synapse_readonly}'),
    ('users',                'users_update',                   '{synapse_app}'),
    ('auth_sessions',        'auth_sessions_read',             '{synapse_app}'),
    ('email_integrations',   'email_integrations_worker_read', '{synapse_worker}'),
    ('email_processing_log', 'email_processing_log_read',      '{synapse_app}'),
    ('generation_runs',      'generation_runs_read',           '{synapse_app,synapse_worker,synapse_readonly}'),
    ('project_count_deltas', 'project_count_deltas_readonly',  '{synapse_readonly}')
  ) AS v(t, p, r);
SELECT is((SELECT roles::text FROM pg_catalog.pg_policies
            WHERE schemaname = 'synapse' AND tablename = 'departments' AND policyname = 'departments_read'),
          '{public}', 'departments.departments_read applies to everyone (generation reads departments as the owner)');
SELECT policy_cmd_is('synapse', t, p, c, format('%s.%s is FOR %s', t, p, c))
  FROM (VALUES
    ('departments',          'departments_read',                 'SELECT'),
    ('departments',          'departments_update',               'UPDATE'),
    ('users',                'users_insert',                     'INSERT'),
    ('users',                'users_update',                     'UPDATE'),
    ('auth_sessions',        'auth_sessions_update',             'UPDATE'),
    ('email_processing_log', 'email_processing_log_worker_insert', 'INSERT'),
    ('generation_runs',      'generation_runs_read',             'SELECT'),
    ('project_count_deltas', 'project_count_deltas_read',        'SELECT')
  ) AS v(t, p, c);

-- --- what holds for every object --------------------------------------------------------------
SELECT is(ARRAY(SELECT c.relname::text FROM pg_catalog.pg_class c
                 WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
                 ORDER BY 1), '{}'::text[],
          'every table of schema synapse has row-level security');
SELECT is(ARRAY(SELECT c.relname::text FROM pg_catalog.pg_class c
                 WHERE c.relnamespace = 'synapse'::regnamespace AND c.relforcerowsecurity ORDER BY 1),
          '{departments,email_integrations,email_processing_log}'::text[],
          'FORCE ROW LEVEL SECURITY where no code running as the owner reads the table');
SELECT is(ARRAY(SELECT c.relname::text FROM pg_catalog.pg_class c
                 WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind = 'v'
                   AND NOT coalesce(c.reloptions @> '{security_invoker=true}', false) ORDER BY 1), '{}'::text[],
          'every view reads with its reader''s rights (security_invoker)');
SELECT is(ARRAY(SELECT c.relname || ':' || r FROM pg_catalog.pg_class c
                 CROSS JOIN unnest(ARRAY['synapse_app', 'synapse_readonly', 'synapse_monitoring', 'synapse_worker']) AS r
                 WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind = 'v' AND c.relname <> 'projects'
                   AND pg_catalog.has_table_privilege(r, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') ORDER BY 1), '{}'::text[],
          'no group writes through a view, but synapse.projects');
SELECT is(ARRAY(SELECT r FROM unnest(ARRAY['synapse_app', 'synapse_readonly', 'synapse_monitoring', 'synapse_worker']) AS r
                 WHERE pg_catalog.has_table_privilege(r, 'synapse.projects', 'INSERT, UPDATE, DELETE, TRUNCATE') ORDER BY 1),
          '{synapse_app}'::text[],
          'synapse.projects, the view over the projects'' table and their pending counter deltas (migration 16), is the application''s to write, as the table was');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                 WHERE p.pronamespace = 'synapse'::regnamespace
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
                   AND EXISTS (SELECT 1 FROM pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                                WHERE a.grantee = 0)
                 ORDER BY 1), '{}'::text[],
          'no function of the migrations is executable by PUBLIC');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                 WHERE p.pronamespace = 'synapse'::regnamespace AND p.prorettype = 'trigger'::regtype
                   AND EXISTS (SELECT 1 FROM pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                                WHERE a.grantee = 0)
                 ORDER BY 1), '{}'::text[],
          'no trigger function, the extension''s included, is executable by PUBLIC');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                 WHERE p.pronamespace = 'synapse'::regnamespace AND p.proname LIKE '\_%'
                   AND EXISTS (SELECT 1 FROM pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                                WHERE a.grantee = 0)
                 ORDER BY 1),
          ARRAY['synapse._generator_copies_search_vector()', 'synapse._search_key_array(text,text[],text[])', 'synapse._search_keys(uuid,tsvector)'],
          'of the internals only the two tasks_search_keys_idx evaluates (pg_restore builds indexes before it grants) and the flag _tasks_before_write reads as whoever inserts a task are executable by PUBLIC');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
                 WHERE p.pronamespace = 'synapse'::regnamespace AND p.prosecdef
                   AND p.proconfig IS DISTINCT FROM '{"search_path=pg_catalog, pg_temp"}'
                 ORDER BY 1), '{}'::text[],
          'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp');
SELECT is(ARRAY(SELECT pol.polname::text FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
                 WHERE c.relnamespace = 'synapse'::regnamespace
                   AND (pol.polqual::text LIKE '%{SUBLINK %' OR pol.polwithcheck::text LIKE '%{SUBLINK %')
                 ORDER BY 1), '{}'::text[],
          'no policy contains a subquery (Citus refuses them on distributed and reference tables)');
SELECT is(ARRAY(SELECT a.defaclrole::regrole::text || ':' || a.defaclobjtype::text FROM pg_catalog.pg_default_acl a
                 WHERE a.defaclnamespace = 'synapse'::regnamespace AND a.defaclobjtype IN ('r', 'f') ORDER BY 1), '{}'::text[],
          'a new table or function gets no privilege by default');
-- What a later migration creates as synapse_migrate: no privilege for anyone but the owner.
SET LOCAL ROLE synapse_migrate;
CREATE FUNCTION synapse.security_probe() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE TABLE synapse.security_probe (id integer);
RESET ROLE;
SELECT is(ARRAY(SELECT r FROM unnest(ARRAY['public', 'synapse_app', 'synapse_readonly', 'synapse_worker']) AS r
                 WHERE pg_catalog.has_function_privilege(r, 'synapse.security_probe()', 'EXECUTE')
                    OR pg_catalog.has_table_privilege(r, 'synapse.security_probe', 'SELECT, INSERT, UPDATE, DELETE')),
          '{}'::text[],
          'a function or table synapse_migrate creates later is nobody''s but the owner''s until a migration grants it');
SELECT schema_privs_are('synapse', 'synapse_worker', '{USAGE}', 'synapse_worker uses schema synapse');
SELECT * FROM finish();
ROLLBACK;
