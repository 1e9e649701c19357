-- Development seed data: a small organisation (4 departments, 12 people, 6 projects,
-- 36 tasks of which 4 are recurring templates with 2 generated instances, assignees,
-- dependencies, comments).
--
-- Run after the migrations, as the migrating role (an owner or superuser, which row-level
-- security does not apply to):
--     psql -v ON_ERROR_STOP=1 -1 -d synapse -f sql/seed/dev_seed.sql
-- Idempotent: ids are derived from stable names (md5(...)::uuid), every INSERT is
-- ON CONFLICT DO NOTHING, so a rerun adds nothing and changes nothing already there.
-- Due dates are relative to the day of the first run; next_occurrence is computed by
-- synapse_ext from each template's pattern. Accounts use the keycloak/zoho providers and
-- carry no password hash: nothing here is a credential. Projects go into their table,
-- synapse.projects_base (migration 16; synapse.projects is a view over it, which Citus
-- does not write through), so the seed reruns on Citus as well.

DO $$
BEGIN
  IF to_regclass('synapse.tasks') IS NULL OR to_regprocedure('synapse.set_current_user(uuid)') IS NULL THEN
    RAISE EXCEPTION 'dev_seed: run the migrations first (scripts/migrate.sh up)';
  END IF;
END
$$;

INSERT INTO synapse.departments (id, name, description) VALUES
  (md5('dev:dept:eng')::uuid, 'Engineering', 'Builds and runs the Synapse platform'),
  (md5('dev:dept:mkt')::uuid, 'Marketing',   'Campaigns, content and brand'),
  (md5('dev:dept:sal')::uuid, 'Sales',       'Pipeline, accounts and renewals'),
  (md5('dev:dept:ops')::uuid, 'Operations',  'Finance, facilities and IT')
ON CONFLICT DO NOTHING;

INSERT INTO synapse.users (id, email, name, role, department_id, auth_provider, auth_provider_id)
SELECT md5('dev:user:' || u.key)::uuid, u.email, u.name, u.role::synapse.user_role,
       md5('dev:dept:' || u.dept)::uuid, u.provider, u.provider || '-' || u.key
FROM (VALUES
  ('priya',  'priya.raman@example.com',    'Priya Raman',     'Admin',   'ops', 'keycloak'),
  ('bharath','bharath.kumar@example.com',  'Bharath Kumar',   'Manager', 'eng', 'keycloak'),
  ('sofia',  'sofia.martins@example.com',  'Sofia Martins',   'Member',  'eng', 'keycloak'),
  ('liam',   'liam.oconnor@example.com',   'Liam O''Connor',  'Member',  'eng', 'keycloak'),
  ('chen',   'chen.wei@example.com',       'Chen Wei',        'Member',  'eng', 'keycloak'),
  ('raghu',  'raghu.nair@example.com',     'Raghu Nair',      'Manager', 'mkt', 'zoho'),
  ('aisha',  'aisha.bello@example.com',    'Aisha Bello',     'Member',  'mkt', 'zoho'),
  ('tomas',  'tomas.garcia@example.com',   'Tomás García',    'Member',  'mkt', 'keycloak'),
  ('hannah', 'hannah.schmidt@example.com', 'Hannah Schmidt',  'Manager', 'sal', 'keycloak'),
  ('kenji',  'kenji.sato@example.com',     'Kenji Sato',      'Member',  'sal', 'keycloak'),
  ('olga',   'olga.petrova@example.com',   'Olga Petrova',    'Manager', 'ops', 'keycloak'),
  ('mateo',  'mateo.rossi@example.com',    'Mateo Rossi',     'Member',  'ops', 'keycloak')
) AS u(key, email, name, role, dept, provider)
ON CONFLICT DO NOTHING;

INSERT INTO synapse.projects_base (department_id, id, name, description, status, owner_id, start_date, end_date)
SELECT md5('dev:dept:' || p.dept)::uuid, md5('dev:project:' || p.key)::uuid, p.name, p.description,
       p.status, md5('dev:user:' || p.owner)::uuid, p.start_date::date, p.end_date::date
FROM (VALUES
  ('api',     'eng', 'Platform API v2',      'Versioned REST API with pagination and search', 'Active',    'bharath', '2025-09-01', '2026-03-31'),
  ('mobile',  'eng', 'Mobile app',           'iOS and Android client for task triage',         'Active',    'sofia',   '2025-10-01', NULL),
  ('q1camp',  'mkt', 'Q1 product campaign',  'Launch campaign for recurring tasks',            'Active',    'raghu',   '2026-01-05', '2026-03-31'),
  ('crm',     'sal', 'CRM migration',        'Move accounts and pipeline to the new CRM',      'On Hold',   'hannah',  '2025-11-01', NULL),
  ('office',  'ops', 'Office move',          'Move to the new office on the 3rd floor',        'Active',    'olga',    '2025-12-01', '2026-02-28'),
  ('audit',   'ops', 'Annual audit',         'Prepare the yearly financial audit',             'Completed', 'olga',    '2025-01-10', '2025-04-30')
) AS p(key, dept, name, description, status, owner, start_date, end_date)
ON CONFLICT DO NOTHING;

-- Ordinary tasks. due: days from the day of the first run (NULL = no due date).
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, status, priority,
                           due_date, project_id, creator_id, metadata, completed_at)
SELECT md5('dev:dept:' || t.dept)::uuid, md5('dev:task:' || t.ext)::uuid, t.ext, t.title, t.description,
       t.status::synapse.task_status, t.priority::synapse.task_priority,
       t.due_at, CASE WHEN t.project IS NOT NULL THEN md5('dev:project:' || t.project)::uuid END,
       md5('dev:user:' || t.creator)::uuid, t.metadata::jsonb,
       -- finished tasks were finished on their due day
       CASE WHEN t.status = 'Done' THEN t.due_at END
FROM (SELECT v.*, date_trunc('day', now()) + make_interval(days => v.due, hours => 17) AS due_at FROM (VALUES
  ('ENG-101', 'eng', 'api',    'bharath', 'Design pagination for task lists', 'Cursor-based pagination for /tasks, stable under concurrent inserts.', 'Done',        'High',   -20, '{"estimate_hours": 6, "labels": ["api", "design"]}'),
  ('ENG-102', 'eng', 'api',    'bharath', 'Implement full-text search endpoint', 'Use the stored search_vector; rank title matches first.', 'In Progress', 'High',     5, '{"estimate_hours": 10, "labels": ["api", "search"]}'),
  ('ENG-103', 'eng', 'api',    'sofia',   'Rate limiting for public API', 'Token bucket per API key, 429 with Retry-After.', 'To Do',       'Medium',  14, '{"labels": ["api", "security"]}'),
  ('ENG-104', 'eng', 'api',    'liam',    'Fix N+1 query in assignee listing', 'Preload assignees in one query.', 'In Review',   'Urgent',  -2, '{"labels": ["bug", "performance"], "ai_source": "email"}'),
  ('ENG-105', 'eng', 'api',    'chen',    'OpenAPI spec for v2', NULL, 'To Do', 'Low', 30, '{}'),
  ('ENG-106', 'eng', 'mobile', 'sofia',   'Offline mode for task triage', 'Queue changes locally and sync when back online.', 'To Do', 'High', 21, '{"labels": ["mobile"]}'),
  ('ENG-107', 'eng', 'mobile', 'sofia',   'Push notifications for mentions', 'Notify when a comment mentions the user.', 'Blocked', 'Medium', 10, '{"labels": ["mobile"], "blocked_by": "vendor contract"}'),
  ('ENG-108', 'eng', 'mobile', 'chen',    'Dark mode', NULL, 'Done', 'Low', -7, '{"labels": ["mobile", "ui"]}'),
  ('ENG-109', 'eng', NULL,     'liam',    'Upgrade PostgreSQL minor version', 'Apply 15.x minor release on staging then production.', 'To Do', 'Medium', 3, '{"labels": ["ops"]}'),
  ('ENG-110', 'eng', NULL,     'bharath', 'Quarterly access review', 'Review who holds synapse_migrate and synapse_readonly.', 'In Progress', 'Urgent', -1, '{"labels": ["security"]}'),
  ('MKT-201', 'mkt', 'q1camp', 'raghu',   'Campaign brief', 'Goals, audience and budget for the Q1 launch.', 'Done', 'High', -15, '{"labels": ["planning"]}'),
  ('MKT-202', 'mkt', 'q1camp', 'aisha',   'Landing page copy', 'Headline, three benefits, call to action.', 'In Review', 'High', 4, '{"labels": ["content"]}'),
  ('MKT-203', 'mkt', 'q1camp', 'tomas',   'Product screenshots', 'Recurring task views, light and dark.', 'In Progress', 'Medium', 6, '{"labels": ["design"]}'),
  ('MKT-204', 'mkt', 'q1camp', 'aisha',   'Email announcement', NULL, 'To Do', 'Medium', 12, '{"labels": ["content", "email"]}'),
  ('MKT-205', 'mkt', NULL,     'raghu',   'Agency contract renewal', 'Compare two offers before the end of the month.', 'To Do', 'Urgent', 2, '{"ai_source": "email", "confidence": 0.91}'),
  ('MKT-206', 'mkt', NULL,     'tomas',   'Update brand guidelines', NULL, 'Blocked', 'Low', NULL, '{}'),
  ('MKT-207', 'mkt', 'q1camp', 'raghu',   'Webinar with a customer', 'Find a customer willing to present their workflow.', 'To Do', 'High', 25, '{}'),
  ('SAL-301', 'sal', 'crm',    'hannah',  'Export accounts from old CRM', 'CSV export with owners and stages.', 'Done', 'High', -30, '{"labels": ["migration"]}'),
  ('SAL-302', 'sal', 'crm',    'kenji',   'Map pipeline stages', 'Old stages to new stages, document exceptions.', 'In Progress', 'Medium', 9, '{"labels": ["migration"]}'),
  ('SAL-303', 'sal', 'crm',    'kenji',   'Import and verify accounts', NULL, 'To Do', 'High', 20, '{"labels": ["migration"]}'),
  ('SAL-304', 'sal', NULL,     'hannah',  'Renewal call with Northwind', 'Prepare usage numbers and the upgrade offer.', 'To Do', 'Urgent', 1, '{"account": "Northwind", "ai_source": "email"}'),
  ('SAL-305', 'sal', NULL,     'kenji',   'Send proposal to Contoso', NULL, 'In Review', 'High', 3, '{"account": "Contoso"}'),
  ('SAL-306', 'sal', NULL,     'kenji',   'Update price list', 'New prices from next quarter.', 'To Do', 'Low', 40, '{}'),
  ('OPS-401', 'ops', 'office', 'olga',    'Sign lease for 3rd floor', NULL, 'Done', 'Urgent', -40, '{"labels": ["facilities"]}'),
  ('OPS-402', 'ops', 'office', 'mateo',   'Order desks and chairs', '30 sit-stand desks.', 'In Progress', 'High', 7, '{"labels": ["facilities", "purchase"]}'),
  ('OPS-403', 'ops', 'office', 'mateo',   'Network cabling', 'Cat6 to every desk, two access points.', 'Blocked', 'High', 15, '{"labels": ["it"], "blocked_by": "landlord approval"}'),
  ('OPS-404', 'ops', 'office', 'olga',    'Moving day plan', NULL, 'To Do', 'Medium', 35, '{"labels": ["facilities"]}'),
  ('OPS-405', 'ops', 'audit',  'olga',    'Collect invoices for auditors', NULL, 'Done', 'High', -300, '{"labels": ["finance"]}'),
  ('OPS-406', 'ops', 'audit',  'mateo',   'Reconcile bank statements', NULL, 'Done', 'Medium', -290, '{"labels": ["finance"]}'),
  ('OPS-407', 'ops', NULL,     'priya',   'Renew SSL certificates', 'Wildcard certificate expires soon.', 'To Do', 'Urgent', 6, '{"labels": ["it", "security"]}')
) AS v(ext, dept, project, creator, title, description, status, priority, due, metadata)) AS t
ON CONFLICT DO NOTHING;

-- Recurring templates. recurrence_start is the series start; next_occurrence is the first
-- occurrence of the last seven days, computed by the extension from the pattern, so the
-- first generation run (make run) has a week to catch up on.
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, priority, project_id,
                           creator_id, metadata, is_recurring, recurrence_pattern, recurrence_start,
                           next_occurrence, skip_dates)
SELECT md5('dev:dept:' || r.dept)::uuid, md5('dev:task:' || r.ext)::uuid, r.ext, r.title, r.description,
       r.priority::synapse.task_priority,
       CASE WHEN r.project IS NOT NULL THEN md5('dev:project:' || r.project)::uuid END,
       md5('dev:user:' || r.creator)::uuid, '{"recurring": true}'::jsonb,
       true, r.pattern::jsonb, r.start::timestamptz,
       synapse.calculate_next_occurrence(r.pattern::jsonb, now() - interval '7 days', r.start::timestamptz),
       r.skip::date[]
FROM (VALUES
  -- Every workday at 09:00 Berlin time (stays 09:00 across DST).
  ('ENG-STANDUP', 'eng', NULL, 'bharath', 'Daily stand-up', 'Yesterday, today, blockers. 15 minutes.', 'Medium',
   '{"frequency": "weekly", "daysOfWeek": [1, 2, 3, 4, 5], "timezone": "Europe/Berlin"}',
   '2025-01-06 09:00:00 Europe/Berlin', '{2025-12-24,2025-12-31}'),
  -- Last Friday of every month (not dayOfMonth -5, which is the fifth-to-last day).
  ('MKT-REPORT', 'mkt', 'q1camp', 'raghu', 'Monthly status report', 'Campaign metrics and spend for the month.', 'High',
   '{"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -1}]}',
   '2025-01-31 17:00:00+00', '{}'),
  -- The 31st, or the month's last day when it has fewer.
  ('SAL-INVOICE', 'sal', NULL, 'hannah', 'Month-end invoicing run', 'Issue invoices for all active subscriptions.', 'Urgent',
   '{"frequency": "monthly", "dayOfMonth": 31, "monthDayOverflow": "clamp"}',
   '2025-01-31 10:00:00+00', '{}'),
  -- Last workday of every month.
  ('OPS-PAYROLL', 'ops', NULL, 'olga', 'Payroll approval', 'Approve payroll before the bank cut-off.', 'High',
   '{"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1, "timezone": "Europe/Berlin"}',
   '2025-01-31 12:00:00 Europe/Berlin', '{}')
) AS r(ext, dept, project, creator, title, description, priority, pattern, start, skip)
ON CONFLICT DO NOTHING;

-- Two instances generated from the stand-up template (the first two occurrences), with
-- the external id the generator derives from the template's and the occurrence (in UTC).
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, status, priority, due_date,
                           creator_id, metadata, recurrence_parent_id, occurrence_at, completed_at)
SELECT md5('dev:dept:eng')::uuid, md5('dev:task:ENG-STANDUP-' || i.day)::uuid, 'ENG-STANDUP-' || i.day || 'T080000Z',
       'Daily stand-up', 'Yesterday, today, blockers. 15 minutes.', 'Done', 'Medium', i.at::timestamptz,
       md5('dev:user:bharath')::uuid, '{"recurring": true}', md5('dev:task:ENG-STANDUP')::uuid, i.at::timestamptz,
       i.at::timestamptz + interval '20 minutes'
FROM (VALUES ('20250106', '2025-01-06 09:00:00 Europe/Berlin'),
             ('20250107', '2025-01-07 09:00:00 Europe/Berlin')) AS i(day, at)
ON CONFLICT DO NOTHING;

UPDATE synapse.tasks
   SET recurrence_generated_count = 2
 WHERE department_id = md5('dev:dept:eng')::uuid AND id = md5('dev:task:ENG-STANDUP')::uuid
   AND recurrence_generated_count = 0;

INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by)
SELECT md5('dev:dept:' || a.dept)::uuid, md5('dev:task:' || a.ext)::uuid,
       md5('dev:user:' || a.assignee)::uuid, md5('dev:user:' || a.by)::uuid
FROM (VALUES
  ('eng', 'ENG-101', 'sofia', 'bharath'), ('eng', 'ENG-102', 'liam', 'bharath'),
  ('eng', 'ENG-102', 'chen', 'bharath'),  ('eng', 'ENG-103', 'sofia', 'sofia'),
  ('eng', 'ENG-104', 'liam', 'liam'),     ('eng', 'ENG-105', 'chen', 'chen'),
  ('eng', 'ENG-106', 'sofia', 'sofia'),   ('eng', 'ENG-106', 'chen', 'sofia'),
  ('eng', 'ENG-107', 'sofia', 'sofia'),   ('eng', 'ENG-108', 'chen', 'chen'),
  ('eng', 'ENG-109', 'liam', 'bharath'),  ('eng', 'ENG-110', 'bharath', 'bharath'),
  ('eng', 'ENG-STANDUP', 'sofia', 'bharath'), ('eng', 'ENG-STANDUP', 'liam', 'bharath'),
  ('eng', 'ENG-STANDUP', 'chen', 'bharath'),
  ('mkt', 'MKT-201', 'raghu', 'raghu'),   ('mkt', 'MKT-202', 'aisha', 'raghu'),
  ('mkt', 'MKT-203', 'tomas', 'raghu'),   ('mkt', 'MKT-204', 'aisha', 'raghu'),
  ('mkt', 'MKT-205', 'raghu', 'raghu'),   ('mkt', 'MKT-206', 'tomas', 'tomas'),
  ('mkt', 'MKT-207', 'aisha', 'raghu'),   ('mkt', 'MKT-REPORT', 'aisha', 'raghu'),
  ('sal', 'SAL-301', 'kenji', 'hannah'),  ('sal', 'SAL-302', 'kenji', 'hannah'),
  ('sal', 'SAL-303', 'kenji', 'hannah'),  ('sal', 'SAL-304', 'hannah', 'hannah'),
  ('sal', 'SAL-305', 'kenji', 'kenji'),   ('sal', 'SAL-INVOICE', 'kenji', 'hannah'),
  ('ops', 'OPS-401', 'olga', 'olga'),     ('ops', 'OPS-402', 'mateo', 'olga'),
  ('ops', 'OPS-403', 'mateo', 'olga'),    ('ops', 'OPS-404', 'olga', 'olga'),
  ('ops', 'OPS-405', 'mateo', 'olga'),    ('ops', 'OPS-406', 'mateo', 'olga'),
  ('ops', 'OPS-407', 'mateo', 'priya'),   ('ops', 'OPS-PAYROLL', 'olga', 'olga')
) AS a(dept, ext, assignee, by)
ON CONFLICT DO NOTHING;

INSERT INTO synapse.task_dependencies (department_id, task_id, depends_on_task_id, created_by)
SELECT md5('dev:dept:' || d.dept)::uuid, md5('dev:task:' || d.ext)::uuid,
       md5('dev:task:' || d.on_ext)::uuid, md5('dev:user:' || d.by)::uuid
FROM (VALUES
  ('eng', 'ENG-102', 'ENG-101', 'bharath'),  -- search needs the pagination design
  ('eng', 'ENG-105', 'ENG-102', 'chen'),
  ('eng', 'ENG-107', 'ENG-106', 'sofia'),
  ('mkt', 'MKT-204', 'MKT-202', 'aisha'),
  ('mkt', 'MKT-202', 'MKT-201', 'raghu'),
  ('sal', 'SAL-303', 'SAL-302', 'kenji'),
  ('sal', 'SAL-302', 'SAL-301', 'hannah'),
  ('ops', 'OPS-403', 'OPS-401', 'olga'),
  ('ops', 'OPS-404', 'OPS-402', 'olga'),
  ('ops', 'OPS-404', 'OPS-403', 'olga')
) AS d(dept, ext, on_ext, by)
ON CONFLICT DO NOTHING;

INSERT INTO synapse.comments (department_id, id, task_id, user_id, content, created_at, deleted_at)
SELECT md5('dev:dept:' || c.dept)::uuid, md5('dev:comment:' || c.key)::uuid, md5('dev:task:' || c.ext)::uuid,
       md5('dev:user:' || c.author)::uuid, c.content, now() - make_interval(hours => c.hours_ago),
       CASE WHEN c.deleted THEN now() - make_interval(hours => c.hours_ago - 1) END
FROM (VALUES
  ('c1',  'eng', 'ENG-102', 'liam',    'Ranking works; title hits come first now.', 30, false),
  ('c2',  'eng', 'ENG-102', 'bharath', 'Please add a test for empty descriptions.', 28, false),
  ('c3',  'eng', 'ENG-104', 'liam',    'Down from 51 queries to 2 on the assignee page.', 20, false),
  ('c4',  'eng', 'ENG-104', 'sofia',   'Reviewing this afternoon.', 18, false),
  ('c5',  'eng', 'ENG-107', 'sofia',   'Waiting for the push vendor to sign.', 70, false),
  ('c6',  'eng', 'ENG-107', 'sofia',   'wrong task, ignore', 69, true),
  ('c7',  'mkt', 'MKT-202', 'raghu',   'Shorter headline please, under 60 characters.', 12, false),
  ('c8',  'mkt', 'MKT-202', 'aisha',   'Done, two variants in the doc.', 10, false),
  ('c9',  'mkt', 'MKT-205', 'raghu',   'Second offer is 12% cheaper but no video work.', 40, false),
  ('c10', 'sal', 'SAL-304', 'hannah',  'Usage grew 40% since last renewal.', 8, false),
  ('c11', 'sal', 'SAL-302', 'kenji',   'Two old stages have no equivalent; proposing to merge them.', 50, false),
  ('c12', 'ops', 'OPS-403', 'mateo',   'Landlord replies next week.', 26, false),
  ('c13', 'ops', 'OPS-407', 'priya',   'Certificate expires in 9 days.', 5, false)
) AS c(key, dept, ext, author, content, hours_ago, deleted)
ON CONFLICT DO NOTHING;
