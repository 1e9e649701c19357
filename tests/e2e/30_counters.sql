-- Project task counters (migration 8, the extension's Rust trigger), rule by rule, in pgTAP
-- (run by pg_prove from tests/e2e/run.sh on a migrated database with pgTAP in schema tap):
-- inserts, templates and their instances, status changes, moves between projects and
-- departments, soft delete and undelete, hard delete, savepoints and subtransactions that
-- roll back; synapse.recount_project_tasks repairing drift, with bad input. One
-- transaction, rolled back at the end. What needs transactions of their own (a top-level
-- rollback or failed statement, a failing COMMIT) and migration 8's down: 30_counters.t.
BEGIN;
SET LOCAL search_path = tap, pg_catalog;
SELECT plan(39);

-- Departments D1 = d...01, D2 = d...02; Ann a...01 in D1; projects One = b...01, Two = b...02
-- (D1), Three = b...03 (D2).
INSERT INTO synapse.departments (id, name) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'Engineering'), ('d0000000-0000-4000-8000-000000000002', 'Marketing');
INSERT INTO synapse.users (id, email, name, role, department_id) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'ann@example.com', 'Ann', 'Manager', 'd0000000-0000-4000-8000-000000000001');
INSERT INTO synapse.projects (department_id, id, name) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'One'),
  ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 'Two'),
  ('d0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000003', 'Three');

-- counts(): "One Two Three" as task_count/completed_task_count each.
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(task_count || '/' || completed_task_count, ' ' ORDER BY name = 'Three', name = 'Two') FROM synapse.projects
$$;
-- fresh(): the same from a COUNT(*) of the tasks.
CREATE FUNCTION pg_temp.fresh() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(n || '/' || d, ' ' ORDER BY p.name = 'Three', p.name = 'Two')
    FROM synapse.projects p, LATERAL (
      SELECT count(*) AS n, count(*) FILTER (WHERE t.status = 'Done') AS d FROM synapse.tasks t
       WHERE t.department_id = p.department_id AND t.project_id = p.id AND NOT t.is_recurring AND t.deleted_at IS NULL) c
$$;
-- task(EXTERNAL_ID, DEPARTMENT, PROJECT, STATUS): a task of Ann's.
CREATE PROCEDURE pg_temp.task(external_id text, department uuid, project uuid, status synapse.task_status DEFAULT 'To Do')
LANGUAGE sql AS $$
  INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id, status)
  VALUES (department, external_id, 'Task ' || external_id, 'a0000000-0000-4000-8000-000000000001', project, status)
$$;

SELECT trigger_is('synapse', 'tasks', 'tasks_maintain_project_counts', 'synapse', '_tasks_count_in_projects',
                  'migration 8: the counter trigger is the extension''s Rust function');
SELECT trigger_is('synapse', 'tasks', 'tasks_apply_project_counts', 'synapse', '_tasks_apply_project_counts',
                  'and its statement trigger applies what the row trigger collects');

-- --- inserts -----------------------------------------------------------------------------------
CALL pg_temp.task('T1', 'd0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001');
CALL pg_temp.task('T2', 'd0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'Done');
CALL pg_temp.task('T3', 'd0000000-0000-4000-8000-000000000001', NULL);
SELECT is(pg_temp.counts(), '2/1 0/0 0/0', 'inserts count; a Done task is also completed; a task without project counts nowhere');
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id, is_recurring, recurrence_pattern, recurrence_start)
VALUES ('d0000000-0000-4000-8000-000000000001', 'TPL', 'Template', 'a0000000-0000-4000-8000-000000000001',
        'b0000000-0000-4000-8000-000000000002', true, '{"frequency":"daily"}', '2026-01-01 09:00+00');
SELECT is(pg_temp.counts(), '2/1 0/0 0/0', 'a recurring template is not counted');
SELECT is((SELECT tasks_generated FROM synapse.generate_recurring_tasks(100, '2026-01-03 12:00+00')), 3, 'its instances are generated');
SELECT is(pg_temp.counts(), '2/1 3/0 0/0', 'instances count in the template''s project');
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, project_id)
SELECT 'd0000000-0000-4000-8000-000000000001', 'BULK-' || i, 'Bulk', 'a0000000-0000-4000-8000-000000000001',
       CASE WHEN i % 2 = 0 THEN 'b0000000-0000-4000-8000-000000000001'::uuid ELSE 'b0000000-0000-4000-8000-000000000002'::uuid END
  FROM generate_series(1, 10) i;
SELECT is((SELECT count(*) FROM synapse.tasks WHERE task_id LIKE 'BULK-%'), 10::bigint, 'a multi-row insert');
SELECT is(pg_temp.counts(), '7/1 8/0 0/0', 'a multi-row insert counts every row in its project');

-- --- status ------------------------------------------------------------------------------------
UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'T1';
SELECT is(pg_temp.counts(), '7/2 8/0 0/0', 'To Do -> Done: completed + 1');
UPDATE synapse.tasks SET status = 'In Progress' WHERE task_id = 'T1';
SELECT is(pg_temp.counts(), '7/1 8/0 0/0', 'Done -> In Progress: completed - 1');
UPDATE synapse.tasks SET status = 'In Review' WHERE task_id = 'T1';
SELECT is(pg_temp.counts(), '7/1 8/0 0/0', 'between two open statuses: nothing changes');
UPDATE synapse.tasks SET title = 'Renamed', priority = 'High' WHERE task_id = 'T1';
SELECT is(pg_temp.counts(), '7/1 8/0 0/0', 'an edit of other columns: nothing changes');

-- --- moves -------------------------------------------------------------------------------------
UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000002' WHERE task_id = 'T2';
SELECT is(pg_temp.counts(), '6/0 9/1 0/0', 'a Done task moves P1 -> P2 with its completion');
UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000001', status = 'To Do' WHERE task_id = 'T2';
SELECT is(pg_temp.counts(), '7/0 8/0 0/0', 'moved back and reopened in one UPDATE');
UPDATE synapse.tasks SET project_id = NULL WHERE task_id = 'T1';
SELECT is(pg_temp.counts(), '6/0 8/0 0/0', 'out of any project');
UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000002', status = 'Done' WHERE task_id = 'T3';
SELECT is(pg_temp.counts(), '6/0 9/1 0/0', 'from no project into one, Done');
UPDATE synapse.tasks SET department_id = 'd0000000-0000-4000-8000-000000000002', project_id = 'b0000000-0000-4000-8000-000000000003' WHERE task_id = 'T3';
SELECT is(pg_temp.counts(), '6/0 8/0 1/1', 'to a project of another department');

-- --- templates and instances -------------------------------------------------------------------
UPDATE synapse.tasks SET is_recurring = true, recurrence_pattern = '{"frequency":"daily"}', recurrence_start = '2026-01-01 09:00+00' WHERE task_id = 'T2';
SELECT is(pg_temp.counts(), '5/0 8/0 1/1', 'a task turned into a template leaves the count');
UPDATE synapse.tasks SET is_recurring = false WHERE task_id = 'T2';
SELECT is(pg_temp.counts(), '6/0 8/0 1/1', 'and joins it again as an ordinary task');
UPDATE synapse.tasks SET deleted_at = now() WHERE task_id = 'TPL';
SELECT is(pg_temp.counts(), '6/0 8/0 1/1', 'soft-deleting a template changes nothing');

-- --- soft delete, undelete, hard delete --------------------------------------------------------
UPDATE synapse.tasks SET deleted_at = now() WHERE task_id = 'T3';
SELECT is(pg_temp.counts(), '6/0 8/0 0/0', 'soft delete subtracts, completion included');
UPDATE synapse.tasks SET status = 'To Do' WHERE task_id = 'T3';
SELECT is(pg_temp.counts(), '6/0 8/0 0/0', 'a soft-deleted task''s status change counts nowhere');
UPDATE synapse.tasks SET deleted_at = NULL WHERE task_id = 'T3';
SELECT is(pg_temp.counts(), '6/0 8/0 1/0', 'undelete adds it back with its current status');
DELETE FROM synapse.tasks WHERE task_id IN ('T3', 'BULK-1');
SELECT is(pg_temp.counts(), '6/0 7/0 0/0', 'hard delete subtracts');
DELETE FROM synapse.tasks WHERE task_id = 'T1';
SELECT is(pg_temp.counts(), '6/0 7/0 0/0', 'hard delete of a task without project: nothing');
SELECT is(pg_temp.counts(), pg_temp.fresh(), 'after all of it the counters equal a fresh count');

-- --- savepoints and subtransactions that roll back leave nothing behind -------------------------
SAVEPOINT s;
UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000002' WHERE project_id = 'b0000000-0000-4000-8000-000000000001';
ROLLBACK TO SAVEPOINT s;
UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'T2';
SELECT is(pg_temp.counts(), '6/1 7/0 0/0', 'a rolled-back savepoint changes nothing; the rest counts');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, project_id)
                   VALUES ('d0000000-0000-4000-8000-000000000001', 'ok', 'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001'),
                          ('d0000000-0000-4000-8000-000000000001', 'bad', 'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-0000000000ff')$$,
                 '23503', NULL, 'a two-row insert whose second row fails its foreign key (in a subtransaction)');
CALL pg_temp.task('T9', 'd0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001');
SELECT is(pg_temp.counts(), '7/1 7/0 0/0', 'an aborted subtransaction leaves nothing collected; the next insert counts once');
DELETE FROM synapse.tasks WHERE task_id = 'T9';

-- --- recount_project_tasks ---------------------------------------------------------------------
SELECT is(synapse.recount_project_tasks(), 0, 'recount: nothing to correct');
UPDATE synapse.projects SET task_count = 40, completed_task_count = 30 WHERE id = 'b0000000-0000-4000-8000-000000000001';
UPDATE synapse.projects SET task_count = 0, completed_task_count = 0 WHERE id = 'b0000000-0000-4000-8000-000000000002';
SELECT is(synapse.recount_project_tasks('b0000000-0000-4000-8000-000000000002'), 1, 'recount of one project corrects it');
SELECT is(pg_temp.counts(), '40/30 7/0 0/0', 'and only it');
SELECT is(synapse.recount_project_tasks(NULL), 1, 'recount of every project corrects the other');
SELECT is(pg_temp.counts(), '6/1 7/0 0/0', 'drift repaired');
SELECT is(synapse.recount_project_tasks(), 0, 'a second recount corrects nothing');
SELECT throws_ok($$SELECT synapse.recount_project_tasks('b0000000-0000-4000-8000-0000000000ff')$$, '22023', NULL, 'an unknown project: 22023');
SELECT throws_ok($$SELECT synapse.recount_project_tasks('not-a-uuid')$$, '22P02', NULL, 'not a uuid: 22P02');
SELECT volatility_is('synapse', 'recount_project_tasks', ARRAY['uuid'], 'volatile', 'recount is volatile');

-- --- the trigger function on its own -----------------------------------------------------------
SELECT throws_ok($$SELECT synapse._tasks_count_in_projects()$$, 'XX000', NULL, 'called outside a trigger: refused (pgrx raises XX000)');

SELECT * FROM finish();
ROLLBACK;
