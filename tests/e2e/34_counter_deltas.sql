-- Project counters as appended deltas (migration 16) in pgTAP (run by pg_prove from
-- tests/e2e/run.sh on a migrated database with pgTAP in schema tap): the view
-- synapse.projects over synapse.projects_base and synapse.project_count_deltas, the
-- statement trigger appending, the merge, writing through the view (INSERT … ON CONFLICT,
-- RETURNING, UPDATE and DELETE, the counters as the owner), recount_project_tasks with
-- deltas pending. One transaction, rolled back. What the application may do, a merge
-- skipping a locked project and migration 16's down: 30_counters.t; under concurrent
-- writers and merges: 31_counters_concurrency.t.
BEGIN;
SET LOCAL search_path = tap, pg_catalog;
SELECT plan(42);

-- Departments D1 = d...01, D2 = d...02; Ann a...01 Manager of D1; projects One = b...01,
-- Two = b...02 (D1), Three = b...03 (D2).
INSERT INTO synapse.departments (id, name) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'Engineering'), ('d0000000-0000-4000-8000-000000000002', 'Marketing');
INSERT INTO synapse.users (id, email, name, role, department_id) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'ann@example.com', 'Ann', 'Manager', 'd0000000-0000-4000-8000-000000000001');

-- --- the objects -------------------------------------------------------------------------------
SELECT has_view('synapse', 'projects', 'synapse.projects is a view');
SELECT has_table('synapse', 'projects_base', 'over the table synapse.projects_base');
SELECT has_table('synapse', 'project_count_deltas', 'and the deltas');
SELECT is((SELECT c.reloptions FROM pg_class c WHERE c.oid = 'synapse.projects'::regclass), '{security_invoker=true}',
          'the view reads with its reader''s rights');
SELECT is(ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                 WHERE a.attrelid = 'synapse.projects'::regclass AND a.attnum > 0 ORDER BY a.attnum),
          ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                 WHERE a.attrelid = 'synapse.projects_base'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
          'the view has the table''s columns, in its order, with its types');
SELECT ok((SELECT pg_get_triggerdef(t.oid) LIKE '%EXECUTE FUNCTION synapse._tasks_apply_project_counts(''deltas'')'
             FROM pg_trigger t WHERE t.tgrelid = 'synapse.tasks'::regclass AND t.tgname = 'tasks_apply_project_counts'),
          'the statement trigger appends deltas (argument ''deltas'')');
SELECT trigger_is('synapse', 'projects', 'projects_write_through_view', 'synapse', '_projects_write_through_view',
                  'UPDATE and DELETE go through an INSTEAD OF trigger');

-- --- INSERT through the view -------------------------------------------------------------------
SELECT results_eq($$INSERT INTO synapse.projects (department_id, id, name) VALUES
                      ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'One'),
                      ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 'Two'),
                      ('d0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000003', 'Three')
                    RETURNING name::text, status::text, task_count, completed_task_count$$,
                  $$VALUES ('One', 'Active', 0, 0), ('Two', 'Active', 0, 0), ('Three', 'Active', 0, 0)$$,
                  'INSERT … RETURNING through the view: the table''s defaults, the counters');
SELECT results_eq($$INSERT INTO synapse.projects (department_id, id, name)
                    VALUES ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'Uno')
                    ON CONFLICT (department_id, id) DO UPDATE SET name = excluded.name RETURNING name::text$$,
                  $$VALUES ('Uno')$$, 'INSERT … ON CONFLICT DO UPDATE through the view');
SELECT throws_ok($$INSERT INTO synapse.projects (department_id, name, task_count)
                   VALUES ('d0000000-0000-4000-8000-000000000001', 'Counted', 5)$$,
                 '0A000', NULL, 'a new project starts at no tasks: its counters cannot be inserted');

-- counts(): "One Two Three" as the view shows them; base(): the table's; fresh(): a COUNT(*).
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(task_count || '/' || completed_task_count, ' ' ORDER BY id) FROM synapse.projects
$$;
CREATE FUNCTION pg_temp.base() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(task_count || '/' || completed_task_count, ' ' ORDER BY id) FROM synapse.projects_base
$$;
CREATE FUNCTION pg_temp.fresh() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(n || '/' || d, ' ' ORDER BY p.id)
    FROM synapse.projects_base p, LATERAL (
      SELECT count(*) AS n, count(*) FILTER (WHERE t.status = 'Done') AS d FROM synapse.tasks t
       WHERE t.department_id = p.department_id AND t.project_id = p.id AND NOT t.is_recurring AND t.deleted_at IS NULL) c
$$;
CREATE FUNCTION pg_temp.pending() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM synapse.project_count_deltas $$;

-- --- appending ---------------------------------------------------------------------------------
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id, status)
SELECT 'd0000000-0000-4000-8000-000000000001', 'T' || i, 'Task ' || i, 'a0000000-0000-4000-8000-000000000001',
       CASE WHEN i <= 6 THEN 'b0000000-0000-4000-8000-000000000001'::uuid ELSE 'b0000000-0000-4000-8000-000000000002'::uuid END,
       CASE WHEN i % 3 = 0 THEN 'Done' ELSE 'To Do' END::synapse.task_status
  FROM generate_series(1, 10) i;
SELECT is(pg_temp.counts(), '6/2 4/1 0/0', 'the view counts the inserted tasks');
SELECT is(pg_temp.base(), '0/0 0/0 0/0', 'the project rows were not written (no writer locks them)');
SELECT is(pg_temp.pending(), 2::bigint, 'one delta per project and statement');
UPDATE synapse.tasks SET status = 'Done' WHERE task_id IN ('T1', 'T7');
UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000002' WHERE task_id = 'T2';
DELETE FROM synapse.tasks WHERE task_id = 'T10';
SELECT is(pg_temp.counts(), '5/3 4/2 0/0', 'completed, moved and deleted tasks: the view follows');
SELECT is(pg_temp.counts(), pg_temp.fresh(), 'and equals a fresh count');
SELECT is(pg_temp.pending(), 7::bigint, 'seven deltas pending (one per project and statement)');

-- --- reading and writing through the view with deltas pending ------------------------------------
SELECT results_eq($$UPDATE synapse.projects SET description = 'The first' WHERE id = 'b0000000-0000-4000-8000-000000000001'
                    RETURNING name::text, description, task_count, completed_task_count$$,
                  $$VALUES ('Uno', 'The first', 5, 3)$$, 'UPDATE … RETURNING through the view: the counters as read');
UPDATE synapse.projects SET updated_at = '2020-01-01' WHERE id = 'b0000000-0000-4000-8000-000000000001';
SELECT ok((SELECT updated_at FROM synapse.projects WHERE id = 'b0000000-0000-4000-8000-000000000001') = now(),
          'the table''s updated_at trigger fires, whatever the client sends');
SELECT is(pg_temp.pending(), 7::bigint, 'an UPDATE of other columns merges nothing');

-- --- recount_project_tasks with deltas pending ---------------------------------------------------
SELECT is(synapse.recount_project_tasks(), 0, 'recount: nothing drifted, although the base alone differs from the count');
SELECT is(pg_temp.base(), '0/0 0/0 0/0', 'and it left the base alone');
UPDATE synapse.projects_base SET task_count = task_count + 7, completed_task_count = 1 WHERE id = 'b0000000-0000-4000-8000-000000000002';
SELECT is(pg_temp.counts(), '5/3 11/3 0/0', 'drift written into the table shows in the view');
SELECT is(synapse.recount_project_tasks('b0000000-0000-4000-8000-000000000002'), 1, 'recount corrects the drifted project');
SELECT is(pg_temp.counts(), pg_temp.fresh(), 'the view equals the count again');
SELECT is(pg_temp.pending(), 7::bigint, 'the deltas stay pending: the base is the count minus them');

-- --- merging -----------------------------------------------------------------------------------
SELECT is(synapse.merge_project_count_deltas(), 7::bigint, 'the merge folds every pending delta');
SELECT is(pg_temp.pending(), 0::bigint, 'none is left');
SELECT is(pg_temp.base(), pg_temp.fresh(), 'the base counters are the counts');
SELECT is(pg_temp.counts(), pg_temp.fresh(), 'and the view shows the same');
SELECT is(synapse.merge_project_count_deltas(), 0::bigint, 'a second merge has nothing to do');
SELECT is(synapse.recount_project_tasks(), 0, 'recount after the merge: nothing to correct');

-- --- the counters through the view, as the owner -------------------------------------------------
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id)
VALUES ('d0000000-0000-4000-8000-000000000001', 'T11', 'Task 11', 'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001');
SELECT results_eq($$UPDATE synapse.projects SET task_count = task_count + 10 WHERE id = 'b0000000-0000-4000-8000-000000000001'
                    RETURNING task_count, completed_task_count$$,
                  $$VALUES (16, 3)$$, 'task_count = task_count + 10 adds ten to what the view showed');
SELECT is(pg_temp.pending(), 0::bigint, 'the project''s deltas were folded first');
SELECT throws_ok($$UPDATE synapse.projects SET completed_task_count = task_count + 1 WHERE id = 'b0000000-0000-4000-8000-000000000001'$$,
                 '23514', NULL, 'completed never exceeds total, as written');
SELECT is(synapse.recount_project_tasks(), 1, 'recount repairs it');
SELECT is(pg_temp.counts(), pg_temp.fresh(), 'exact again');

-- --- DELETE through the view -------------------------------------------------------------------
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id)
VALUES ('d0000000-0000-4000-8000-000000000002', 'M1', 'Task M1', 'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000003');
DELETE FROM synapse.tasks WHERE task_id = 'M1';
SELECT is((SELECT count(*) FROM synapse.project_count_deltas WHERE project_id = 'b0000000-0000-4000-8000-000000000003'), 2::bigint,
          'project Three: no task left, two deltas pending');
SELECT throws_ok($$DELETE FROM synapse.projects WHERE id = 'b0000000-0000-4000-8000-000000000001'$$,
                 '23503', NULL, 'a project with tasks cannot be deleted');
SELECT results_eq($$DELETE FROM synapse.projects WHERE id = 'b0000000-0000-4000-8000-000000000003' RETURNING name::text$$,
                  $$VALUES ('Three')$$, 'DELETE … RETURNING through the view');
SELECT is((SELECT count(*) FROM synapse.project_count_deltas WHERE project_id = 'b0000000-0000-4000-8000-000000000003'), 0::bigint,
          'its deltas went with it');
INSERT INTO synapse.projects (department_id, id, name)
VALUES ('d0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000003', 'Three again');
SELECT is((SELECT task_count || '/' || completed_task_count FROM synapse.projects WHERE id = 'b0000000-0000-4000-8000-000000000003'),
          '0/0', 'a project made again under the same id starts at nothing');

SELECT is(pg_temp.counts(), pg_temp.fresh(), 'after all of it the view equals a fresh count');

SELECT * FROM finish();
ROLLBACK;
