-- Realistic volume for the search and "my tasks" benchmarks (make bench-data): :tasks tasks
-- (1,000,000 by default) in 20 departments, 2,000 users (100 per department, one Manager,
-- one Admin overall), 500 projects, 1.5 assignees per task, 0.3 comments per task, 2%
-- recurring templates. Titles and descriptions are composed from word lists (about 24,000
-- distinct titles), statuses, priorities and due dates spread like a live tracker.
-- Deterministic (setseed per part). Run in steps by benches/data/load.sh: step=setup
-- (departments, users, projects), step=part with part=P of parts=N (the tasks i with
-- i % N = P, their assignees and comments; the parts run concurrently), step=finish (project
-- counters). Bulk-loaded: triggers and foreign-key checks off
-- (session_replication_role = replica; the rows are consistent by construction), the
-- search indexes built after the load, project counters computed once at the end. Projects
-- are written to their table synapse.projects_base (migration 16; Citus writes no view).
\set ON_ERROR_STOP 1
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
SET synchronous_commit = off;

\if :{?step}
\else
\set step all
\endif
\if :{?part}
\else
\set part 0
\set parts 1
\endif
SELECT :'step' IN ('setup', 'all') AS do_setup, :'step' IN ('part', 'all') AS do_part,
       :'step' IN ('finish', 'all') AS do_finish \gset

\if :do_setup

INSERT INTO synapse.departments (id, name)
SELECT md5('bench:dept:' || d)::uuid, (ARRAY['Engineering','Marketing','Sales','Operations','Finance','Legal',
         'Support','Product','Design','Data','Security','HR','Facilities','Procurement','Research',
         'Partnerships','Customer Success','IT','Quality','Communications'])[d + 1]
  FROM generate_series(0, 19) AS d;

INSERT INTO synapse.users (id, email, name, department_id, role)
SELECT md5('bench:user:' || u)::uuid, 'user' || u || '@bench.example.com', 'User ' || u,
       md5('bench:dept:' || u % 20)::uuid,
       CASE WHEN u = 0 THEN 'Admin' WHEN u < 20 THEN 'Manager' ELSE 'Member' END::synapse.user_role
  FROM generate_series(0, 1999) AS u;

INSERT INTO synapse.projects_base (department_id, id, name, owner_id)
SELECT md5('bench:dept:' || p % 20)::uuid, md5('bench:project:' || p)::uuid, 'Project ' || p,
       md5('bench:user:' || (p % 20))::uuid
  FROM generate_series(0, 499) AS p;
\endif

\if :do_part
SELECT setseed(0.42 + :part / 100.0);

INSERT INTO synapse.tasks (department_id, task_id, title, description, status, priority, due_date,
                           project_id, creator_id, is_recurring, recurrence_pattern, recurrence_start,
                           next_occurrence, created_at, metadata)
SELECT md5('bench:dept:' || d)::uuid, 'B-' || i,
       btrim(w.verbs[1 + (random() * 29)::int] || ' ' || w.objects[1 + (random() * 39)::int] || ' '
             || w.qualifiers[1 + (random() * 19)::int]),
       CASE WHEN r < 0.9 THEN w.sentences[1 + (random() * 19)::int] || ' ' || w.sentences[1 + (random() * 19)::int]
            || ' Related: ' || w.objects[1 + (random() * 39)::int] || '.' END,
       CASE WHEN tpl THEN 'To Do' WHEN r < 0.35 THEN 'Done' WHEN r < 0.40 THEN 'In Review'
            WHEN r < 0.75 THEN 'To Do' WHEN r < 0.90 THEN 'In Progress' ELSE 'Blocked' END::synapse.task_status,
       (ARRAY['Low','Medium','Medium','High','Urgent'])[1 + (random() * 4)::int]::synapse.task_priority,
       CASE WHEN tpl OR random() < 0.1 THEN NULL
            ELSE now() - interval '90 days' + random() * interval '180 days' END,
       CASE WHEN random() < 0.8 THEN md5('bench:project:' || (d + 20 * (i % 25)))::uuid END,
       md5('bench:user:' || (d + 20 * ((i * 7) % 100)))::uuid,
       tpl, CASE WHEN tpl THEN '{"frequency": "weekly", "daysOfWeek": [1]}'::jsonb END,
       CASE WHEN tpl THEN now() END, CASE WHEN tpl THEN now() + interval '7 days' END,
       now() - random() * interval '365 days',
       CASE WHEN random() < 0.3 THEN '{"labels": ["bench"]}'::jsonb ELSE '{}'::jsonb END
  FROM generate_series(1, :tasks) AS i
  -- The word lists as constants (a subquery the planner pulls up): no per-row array fetch.
  CROSS JOIN (SELECT
    ARRAY['Prepare','Review','Update','Fix','Draft','Plan','Migrate','Test','Deploy','Design','Write',
          'Audit','Renew','Schedule','Analyze','Clean up','Document','Investigate','Refactor','Approve',
          'Send','Collect','Reconcile','Organize','Publish','Order','Onboard','Configure','Upgrade',
          'Benchmark'] AS verbs,
    ARRAY['quarterly report','invoice batch','onboarding checklist','release notes','API gateway',
          'login page','database backup','marketing campaign','sales forecast','budget proposal',
          'customer feedback','security review','payroll export','office lease','hiring plan',
          'product roadmap','support tickets','data pipeline','search index','mobile app',
          'email templates','pricing page','vendor contract','team offsite','training material',
          'compliance audit','expense reports','analytics dashboard','SSL certificates','CI pipeline',
          'load balancer','user interviews','brand guidelines','newsletter','partner agreement',
          'inventory count','board deck','tax filing','network cabling','webinar'] AS objects,
    ARRAY['for Q1','for Q2','for Q3','for Q4','for finance','for the board','before launch','for EMEA',
          'for APAC','for the new hire','v2','with legal','for staging','for production','this week',
          'for the audit','after the outage','for Northwind','for Contoso',''] AS qualifiers,
    ARRAY['Check the numbers with the finance team.','Customer asked for this in the last call.',
          'Blocked until the vendor replies.','See the notes from the planning meeting.',
          'Needs sign-off from the department manager.','Follow the checklist in the wiki.',
          'Coordinate with the platform team before rollout.','Include screenshots and a short summary.',
          'Compare against last year and flag anything unusual.','The deadline was agreed with the client.',
          'Split into smaller tasks if it takes longer than a week.','Ask legal to review the wording.',
          'Update the dashboard once this is done.','Reuse the template from the previous quarter.',
          'Make sure the backup is verified before starting.','Send the summary to the whole team.',
          'Estimate the cost and attach the spreadsheet.','Keep the old version until the migration is confirmed.',
          'Test on staging first, then production.','Collect feedback from at least five users.'] AS sentences) w
  CROSS JOIN LATERAL (SELECT i % 20 AS d, i % 50 = 0 AS tpl, random() AS r) x
 WHERE i % :parts = :part;

-- 1.5 assignees per task, users of the task's department, with the copies of the task's
-- open state, due date and priority that migration 10's trigger would write.
INSERT INTO synapse.task_assignees (department_id, task_id, user_id, task_open, task_due_key, task_priority)
SELECT t.department_id, t.id, md5('bench:user:' || (n % 20 + 20 * ((h + k * 37) % 100)))::uuid,
       synapse._task_is_open(t.status, t.deleted_at, t.is_recurring), coalesce(t.due_date, 'infinity'), t.priority
  FROM (SELECT department_id, id, (substr(task_id, 3))::int AS n, abs(hashint4((substr(task_id, 3))::int)) AS h,
               status, deleted_at, is_recurring, due_date, priority
          FROM synapse.tasks WHERE task_id LIKE 'B-%') t
  CROSS JOIN LATERAL generate_series(0, CASE WHEN t.h % 2 = 0 THEN 1 ELSE 0 END) AS k
 WHERE t.n % :parts = :part;

INSERT INTO synapse.comments (department_id, task_id, user_id, content)
SELECT t.department_id, t.id, md5('bench:user:' || (n % 20 + 20 * (n % 100)))::uuid, 'Looked at this, ' || n
  FROM (SELECT department_id, id, (substr(task_id, 3))::int AS n FROM synapse.tasks) t
 WHERE n % 10 < 3 AND n % :parts = :part;
\endif

\if :do_finish

-- Into the table (migration 16): with the triggers off no delta is pending, and no
-- trigger of the view synapse.projects would run either.
UPDATE synapse.projects_base p
   SET task_count = c.total, completed_task_count = c.done
  FROM (SELECT department_id, project_id, count(*) AS total, count(*) FILTER (WHERE status = 'Done') AS done
          FROM synapse.tasks WHERE project_id IS NOT NULL AND NOT is_recurring AND deleted_at IS NULL
         GROUP BY 1, 2) c
 WHERE p.department_id = c.department_id AND p.id = c.project_id;

-- The title words of the typo fallback (migration 10's trigger would add them).
INSERT INTO synapse.search_words (department_id, word)
SELECT DISTINCT t.department_id, w FROM synapse.tasks t, synapse._title_words(t.title) AS w
ON CONFLICT DO NOTHING;

\endif
RESET session_replication_role;
