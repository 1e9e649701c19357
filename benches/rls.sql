-- Row-level security (migration 6): what a policy costs per query, against the same query
-- without RLS (run as the superuser, to which RLS does not apply) in the same run.
-- 200,000 tasks in 4 departments of 50,000, 5 projects of 10,000 tasks each; a LOGIN member
-- of synapse_app acting for a Synapse user (synapse.set_current_user). Targets (issue 16):
-- a department-filtered count as a member at most 1.25x the query without RLS and through
-- the department index; an unfiltered count as a member at most 2x. Bulk UPDATEs of 10,000
-- tasks are reported: by their Manager and by their creator (the cheap rule), and by a
-- member assigned to all of them (the rule that queries task_assignees for every row).
-- Medians of 7 runs (updates: 5) after a warm-up, single process (no parallel workers).
-- Needs the migrations (benches/run.sh applies them to synapse_bench).
\pset footer off
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;

DROP ROLE IF EXISTS bench_rls_app;
CREATE ROLE bench_rls_app LOGIN IN ROLE synapse_app;

-- Loaded as the superuser with triggers off (session_replication_role): bulk data only.
SET session_replication_role = replica;
INSERT INTO synapse.departments (id, name)
SELECT md5('bench:dept:' || d)::uuid, 'Bench department ' || d FROM generate_series(1, 4) AS d;
INSERT INTO synapse.users (id, email, name, role, department_id, auth_provider, auth_provider_id)
SELECT md5('bench:user:' || u.key)::uuid, u.key || '@bench.example.com', u.key, u.role::synapse.user_role,
       CASE WHEN u.dept > 0 THEN md5('bench:dept:' || u.dept)::uuid END, 'keycloak', 'bench-' || u.key
  FROM (VALUES ('admin', 'Admin', 0), ('manager1', 'Manager', 1), ('member1', 'Member', 1),
               ('creator1', 'Member', 1), ('assignee1', 'Member', 1)) AS u(key, role, dept);
INSERT INTO synapse.projects (department_id, id, name, owner_id)
SELECT md5('bench:dept:' || d)::uuid, md5('bench:project:' || d || ':' || p)::uuid, 'Project ' || p,
       md5('bench:user:manager1')::uuid
  FROM generate_series(1, 4) AS d, generate_series(1, 5) AS p;
-- Project 1 of department 1 is created by creator1; project 2 has assignee1 on every task.
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, project_id, creator_id, due_date, priority)
SELECT md5('bench:dept:' || d)::uuid, gen_random_uuid(), 'B-' || d || '-' || i, 'Task ' || i, 'Bench task number ' || i,
       md5('bench:project:' || d || ':' || (1 + i % 5))::uuid,
       CASE WHEN d = 1 AND i % 5 = 0 THEN md5('bench:user:creator1')::uuid ELSE md5('bench:user:manager1')::uuid END,
       timestamptz '2026-01-01' + (i % 365) * interval '1 day',
       (ARRAY['Low', 'Medium', 'High', 'Urgent'])[1 + i % 4]::synapse.task_priority
  FROM generate_series(1, 4) AS d, generate_series(1, 50000) AS i;
INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
SELECT department_id, id, md5('bench:user:assignee1')::uuid FROM synapse.tasks
 WHERE department_id = md5('bench:dept:1')::uuid AND project_id = md5('bench:project:1:2')::uuid;
RESET session_replication_role;
VACUUM ANALYZE synapse.departments, synapse.users, synapse.projects_base, synapse.tasks, synapse.task_assignees;

CREATE FUNCTION pg_temp.median(samples numeric[]) RETURNS numeric
LANGUAGE sql AS $$ SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM unnest(samples) AS s $$;

-- The plan's lines about synapse.tasks (scan node, index condition, filter), as
-- bench_rls_app acting for the user.
CREATE FUNCTION pg_temp.tasks_plan(query text, user_key text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  line text;
  found text[] := '{}';
BEGIN
  SET LOCAL ROLE bench_rls_app;
  PERFORM synapse.set_current_user(md5('bench:user:' || user_key)::uuid);
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF line ~ '(Scan.* on tasks|Index Cond|Filter)' THEN found := found || btrim(line, ' ->'); END IF;
  END LOOP;
  RESET ROLE;
  RETURN array_to_string(found, '; ');
END $$;

CREATE TEMP TABLE bench_results (measurement text, without_rls_ms numeric, with_rls_ms numeric, ratio numeric,
                                 target_ratio text);

-- One result line: the query as the superuser (no RLS) and as bench_rls_app acting for the
-- user, alternating, each run its own transaction (set_current_user is transaction-local;
-- an UPDATE's dead rows then weigh on both variants alike). Run 0 warms up.
CREATE PROCEDURE pg_temp.measure(label text, query text, user_key text, runs int, target numeric)
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz;
  baseline numeric[] := '{}';
  rls numeric[] := '{}';
  ratio numeric;
BEGIN
  FOR i IN 0..runs LOOP
    started := clock_timestamp();
    EXECUTE query;
    IF i > 0 THEN baseline := baseline || (extract(epoch FROM clock_timestamp() - started) * 1000)::numeric; END IF;
    COMMIT;
    SET LOCAL ROLE bench_rls_app;
    PERFORM synapse.set_current_user(md5('bench:user:' || user_key)::uuid);
    started := clock_timestamp();
    EXECUTE query;
    IF i > 0 THEN rls := rls || (extract(epoch FROM clock_timestamp() - started) * 1000)::numeric; END IF;
    COMMIT;
  END LOOP;
  ratio := pg_temp.median(rls) / pg_temp.median(baseline);
  INSERT INTO bench_results
  VALUES (label, round(pg_temp.median(baseline), 1), round(pg_temp.median(rls), 1), round(ratio, 2),
          CASE WHEN target IS NULL THEN '(reported)'
               WHEN ratio <= target THEN '<= ' || target || 'x met'
               ELSE '<= ' || target || 'x MISSED' END);
  COMMIT;
END $$;

\echo 'What the member sees (answers checked): her department, all of it, none without a user'
BEGIN;
SET LOCAL ROLE bench_rls_app;
SELECT synapse.set_current_user(md5('bench:user:member1')::uuid) \g /dev/null
SELECT count(*) AS member_sees, count(*) FILTER (WHERE department_id = md5('bench:dept:1')::uuid) AS of_her_department
  FROM synapse.tasks;
COMMIT;
BEGIN;
SET LOCAL ROLE bench_rls_app;
SELECT count(*) AS without_a_user_sees FROM synapse.tasks;
COMMIT;

\echo 'Plans as the member (the department filter must use a department_id index)'
SELECT pg_temp.tasks_plan('SELECT count(*) FROM synapse.tasks WHERE department_id = md5(''bench:dept:1'')::uuid', 'member1')
         AS department_filtered;
SELECT pg_temp.tasks_plan('SELECT count(*) FROM synapse.tasks', 'member1') AS unfiltered;

CALL pg_temp.measure('department-filtered count, 50,000 rows, member',
  'SELECT count(*) FROM synapse.tasks WHERE department_id = md5(''bench:dept:1'')::uuid', 'member1', 7, 1.25);
CALL pg_temp.measure('unfiltered count, member (sees 50,000 of 200,000)',
  'SELECT count(*) FROM synapse.tasks', 'member1', 7, 2);
CALL pg_temp.measure('first page by due date of the department, member',
  'SELECT id, title FROM synapse.tasks WHERE department_id = md5(''bench:dept:1'')::uuid ORDER BY due_date LIMIT 50',
  'member1', 7, NULL);
CALL pg_temp.measure('unfiltered count, Admin (sees 200,000)', 'SELECT count(*) FROM synapse.tasks', 'admin', 7, NULL);
-- Bulk updates: each statement changes all 10,000 tasks of one project.
CALL pg_temp.measure('UPDATE 10,000 tasks as their Manager',
  'UPDATE synapse.tasks SET due_date = due_date + interval ''1 day''
    WHERE department_id = md5(''bench:dept:1'')::uuid AND project_id = md5(''bench:project:1:3'')::uuid',
  'manager1', 5, NULL);
CALL pg_temp.measure('UPDATE 10,000 tasks as their creator (member)',
  'UPDATE synapse.tasks SET due_date = due_date + interval ''1 day''
    WHERE department_id = md5(''bench:dept:1'')::uuid AND project_id = md5(''bench:project:1:1'')::uuid',
  'creator1', 5, NULL);
CALL pg_temp.measure('UPDATE 10,000 tasks as their assignee (task_assignees queried per row)',
  'UPDATE synapse.tasks SET due_date = due_date + interval ''1 day''
    WHERE department_id = md5(''bench:dept:1'')::uuid AND project_id = md5(''bench:project:1:2'')::uuid',
  'assignee1', 5, NULL);
SELECT * FROM bench_results;

\echo 'The updates were real: rows each user changed in one statement (rolled back)'
BEGIN;
SET LOCAL ROLE bench_rls_app;
SELECT synapse.set_current_user(md5('bench:user:assignee1')::uuid) \g /dev/null
WITH changed AS (UPDATE synapse.tasks SET title = title WHERE department_id = md5('bench:dept:1')::uuid RETURNING 1)
SELECT count(*) AS assignee_may_change FROM changed;
ROLLBACK;

DROP ROLE bench_rls_app;
