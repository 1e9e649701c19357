-- Row-level security in pgTAP (run by pg_prove from tests/e2e/run.sh on a migrated database
-- with pgTAP in schema tap): the seed data (sql/seed/dev_seed.sql, loaded here) read and
-- written by members of synapse_app and synapse_readonly acting for different seed users:
-- department isolation for reads and writes, the creator/assignee/manager/admin write rule,
-- nothing visible without synapse.set_current_user, the identity's rules (unknown and
-- deleted users, savepoints, read-only settings), what the groups may not do, and the read
-- policy as an index condition. One transaction, rolled back at the end: the superuser
-- switches to a member with pg_temp.act_as (SET LOCAL ROLE, then synapse.set_current_user)
-- and back with RESET ROLE. What needs connections or transactions of its own (an identity
-- ending with COMMIT or ROLLBACK, settings set before the library loaded, an Admin's change
-- in a concurrent session, a transaction that takes no transaction id): 12_rls.t.
BEGIN;
SET LOCAL search_path = tap, pg_catalog;
SELECT plan(48);
-- pg_temp.act_as and the other helpers
\ir data/pgtap_helpers.sql
-- The seed and the members pgtap_api (synapse_app) and pgtap_report (synapse_readonly)
\ir data/pgtap_seed_members.sql

-- counts_of(PROJECT): "task_count/completed_task_count" of a seed project.
CREATE FUNCTION pg_temp.counts_of(project text) RETURNS text LANGUAGE sql AS $$
  SELECT task_count || '/' || completed_task_count FROM synapse.projects WHERE id = md5('dev:project:' || project)::uuid
$$;

-- --- nothing without a current user ---------------------------------------------------------
CALL pg_temp.act_as('pgtap_api', NULL);
SELECT is((SELECT count(*) FROM synapse.tasks), 0::bigint, 'no current user: tasks shows nothing');
SELECT is((SELECT count(*) FROM synapse.projects), 0::bigint, 'no current user: projects shows nothing');
SELECT is((SELECT count(*) FROM synapse.task_assignees), 0::bigint, 'no current user: task_assignees shows nothing');
SELECT is((SELECT count(*) FROM synapse.task_dependencies), 0::bigint, 'no current user: task_dependencies shows nothing');
SELECT is((SELECT count(*) FROM synapse.comments), 0::bigint, 'no current user: comments shows nothing');
SELECT is(pg_temp.changed($$UPDATE synapse.tasks SET title = 'x'$$), 0, 'no current user: updates nothing');

-- --- reads: own department only, Admin everything -------------------------------------------
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT count(*), count(DISTINCT department_id), bool_and(department_id = md5('dev:dept:eng')::uuid) FROM synapse.tasks$$,
                  $$VALUES (13::bigint, 1::bigint, true)$$,
                  'a member reads exactly her department''s 13 tasks');
SELECT is((SELECT count(*) FROM synapse.tasks WHERE task_id = 'MKT-201'), 0::bigint, 'another department''s task is invisible');
SELECT is((SELECT count(*) FROM synapse.comments WHERE department_id <> md5('dev:dept:eng')::uuid), 0::bigint,
          'another department''s comments are invisible');
SELECT is((SELECT count(*) FROM synapse.projects), 2::bigint, 'projects of her department only');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:raghu')::uuid);
SELECT results_eq($$SELECT count(*), bool_and(department_id = md5('dev:dept:mkt')::uuid) FROM synapse.tasks$$,
                  $$VALUES (8::bigint, true)$$,
                  'a manager reads his own department only');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:priya')::uuid);
SELECT results_eq($$SELECT count(*), count(DISTINCT department_id) FROM synapse.tasks$$,
                  $$VALUES (36::bigint, 4::bigint)$$,
                  'an Admin reads all departments');

-- --- writes across departments are impossible ----------------------------------------------------
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT is(pg_temp.changed($$UPDATE synapse.tasks SET title = 'hijacked' WHERE task_id = 'MKT-201'$$), 0,
          'cannot update another department''s task');
SELECT is(pg_temp.changed($$DELETE FROM synapse.tasks WHERE task_id = 'MKT-201'$$), 0,
          'cannot delete another department''s task');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:bharath')::uuid);
SELECT is(pg_temp.changed($$UPDATE synapse.tasks SET title = 'hijacked' WHERE department_id = md5('dev:dept:mkt')::uuid$$), 0,
          'a manager cannot update another department''s tasks');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
UPDATE synapse.tasks SET title = 'hijacked' WHERE task_id = 'MKT-201';
RESET ROLE;
SELECT is((SELECT title::text FROM synapse.tasks WHERE task_id = 'MKT-201'), 'Campaign brief',
          'the other department''s task is unchanged');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id)
                   VALUES (md5('dev:dept:mkt')::uuid, 'x', md5('dev:user:sofia')::uuid)$$,
                 '42501', NULL, 'cannot create a task in another department');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:liam')::uuid);
SELECT throws_ok($$UPDATE synapse.tasks SET department_id = md5('dev:dept:mkt')::uuid WHERE task_id = 'ENG-109'$$,
                 '42501', NULL, 'cannot move an own task into another department');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT pg_temp.lives_undone($$INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
                              SELECT department_id, id, md5('dev:user:chen')::uuid FROM synapse.tasks WHERE task_id = 'ENG-103'$$,
                            '(control) she may assign a colleague to her own task');
SELECT throws_ok($$INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
                   VALUES (md5('dev:dept:mkt')::uuid, md5('dev:task:MKT-201')::uuid, md5('dev:user:sofia')::uuid)$$,
                 '42501', NULL, 'cannot assign herself to another department''s task');
SELECT throws_ok($$INSERT INTO synapse.comments (department_id, task_id, user_id, content)
                   VALUES (md5('dev:dept:mkt')::uuid, md5('dev:task:MKT-201')::uuid, md5('dev:user:sofia')::uuid, 'hi')$$,
                 '42501', NULL, 'cannot comment on another department''s task');

-- --- writes inside the department: creator, assignee, manager, admin ----------------------------------
SELECT pg_temp.lives_undone($$INSERT INTO synapse.tasks (department_id, title, creator_id)
                              VALUES (md5('dev:dept:eng')::uuid, 'mine', md5('dev:user:sofia')::uuid)$$,
                            'a member creates a task as herself');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id)
                   VALUES (md5('dev:dept:eng')::uuid, 'forged', md5('dev:user:liam')::uuid)$$,
                 '42501', NULL, 'a member cannot create a task in someone else''s name');
SELECT is(pg_temp.changed($$UPDATE synapse.tasks SET status = 'In Progress' WHERE task_id = 'ENG-103'$$), 1,
          'the creator updates her task');
SELECT is(pg_temp.changed($$UPDATE synapse.tasks SET status = 'In Review' WHERE task_id = 'ENG-101'$$), 1,
          'an assignee updates the task');
SELECT is(pg_temp.changed($$UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'ENG-104'$$), 0,
          'a member neither creator nor assignee cannot update it');
SELECT is(pg_temp.changed($$DELETE FROM synapse.task_assignees WHERE task_id = md5('dev:task:ENG-104')::uuid$$), 0,
          'nor change its assignees');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:bharath')::uuid);
SELECT is(pg_temp.changed($$UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'ENG-104'$$), 1,
          'the department''s manager updates any of its tasks');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:priya')::uuid);
SELECT is(pg_temp.changed($$UPDATE synapse.tasks SET priority = 'Low' WHERE task_id = 'MKT-201'$$), 1,
          'an Admin updates any task');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT throws_ok($$INSERT INTO synapse.comments (department_id, task_id, user_id, content)
                   VALUES (md5('dev:dept:eng')::uuid, md5('dev:task:ENG-104')::uuid, md5('dev:user:liam')::uuid, 'forged')$$,
                 '42501', NULL, 'a comment cannot be written in someone else''s name');
SELECT is(pg_temp.changed($$DELETE FROM synapse.comments WHERE id = md5('dev:comment:c3')::uuid$$), 0,
          'a member cannot delete someone else''s comment');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:bharath')::uuid);
SELECT is(pg_temp.changed($$DELETE FROM synapse.comments WHERE id = md5('dev:comment:c3')::uuid$$), 1, 'the manager can');

-- Counters stay right under RLS (the trigger may update the project she cannot write).
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'ENG-103';
RESET ROLE;
SELECT is(pg_temp.counts_of('api'), '5/2', 'a member''s change updates the project counters');

-- --- the identity's rules ----------------------------------------------------------------------------
CALL pg_temp.act_as('pgtap_api', NULL);
SELECT throws_ok($$SELECT synapse.set_current_user('00000000-0000-4000-8000-000000000000')$$,
                 '28000', NULL, 'an unknown user cannot be set');
RESET ROLE;
UPDATE synapse.users SET deleted_at = now() WHERE id = md5('dev:user:liam')::uuid;
CALL pg_temp.act_as('pgtap_api', NULL);
SELECT throws_ok($$SELECT synapse.set_current_user(md5('dev:user:liam')::uuid)$$,
                 '28000', NULL, 'a deleted (deactivated) user is refused by set_current_user');
RESET ROLE;
UPDATE synapse.users SET deleted_at = NULL WHERE id = md5('dev:user:liam')::uuid;

-- --- other roles ---------------------------------------------------------------------------------------
CALL pg_temp.act_as('pgtap_report', NULL);
SELECT is((SELECT count(*) FROM synapse.tasks), 36::bigint, 'synapse_readonly reports over all departments');
SELECT throws_ok($$UPDATE synapse.tasks SET title = 'x'$$, '42501', NULL, 'synapse_readonly cannot write');
CALL pg_temp.act_as('pgtap_api', NULL);
SELECT throws_ok($$CREATE TABLE synapse.t12_x (id int)$$, '42501', NULL, 'synapse_app cannot create tables');
SELECT throws_ok($$DROP TABLE synapse.comments$$, '42501', NULL, 'synapse_app cannot drop tables');
SELECT throws_ok($$TRUNCATE synapse.tasks$$, '42501', NULL, 'synapse_app cannot truncate');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:priya')::uuid);
SELECT throws_ok($$DELETE FROM synapse.users WHERE id = md5('dev:user:liam')::uuid$$,
                 '23001', NULL, 'users cannot be hard-deleted, even by an Admin');

-- --- the identity settings (read-only views since migration 14 and synapse_ext 0.3.0) -------------------
-- Until migration 14 the application set them itself; now only the extension sets the
-- identity (docs/security.md). (Values set by hand before the library loaded: 12_rls.t.)
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT current_setting('synapse.current_user_id'), current_setting('synapse.current_department_id'),
                          current_setting('synapse.current_user_role')$$,
                  $$VALUES (md5('dev:user:sofia')::uuid::text, md5('dev:dept:eng')::uuid::text, 'Member')$$,
                  'set_current_user shows the user, department and role in the settings');
-- The library is loaded (set_current_user ran): setting them is refused.
SELECT throws_ok(format('SET LOCAL synapse.current_department_id = %L', md5('dev:dept:mkt')::uuid),
                 '42501', NULL, 'the department setting is read-only (42501)');
SELECT throws_ok($$SET LOCAL synapse.current_user_role = 'Admin'$$,
                 '42501', NULL, 'the role setting is read-only (42501)');

-- A set_current_user rolled back to a savepoint restores the previous identity; a released
-- one stays. (The first check's line is printed before the rollback; were it to fail, the
-- rollback would forget pgTAP's failure count, but pg_prove still counts the "not ok".)
SAVEPOINT s;
CALL pg_temp.act_as('pgtap_api', md5('dev:user:priya')::uuid);
SELECT is((SELECT count(*) FROM synapse.tasks), 36::bigint, 'a set_current_user inside a savepoint: the Admin''s 36 tasks');
ROLLBACK TO SAVEPOINT s;
SELECT is((SELECT count(*) FROM synapse.tasks), 13::bigint, 'rolled back to the savepoint: her 13 tasks again');
SAVEPOINT t;
CALL pg_temp.act_as('pgtap_api', NULL);
RELEASE SAVEPOINT t;
SELECT is((SELECT count(*) FROM synapse.tasks), 0::bigint, 'a set_current_user(NULL) in a released savepoint stays: nothing');

-- --- the read policy and the department index ----------------------------------------------------------------
-- Department-filtered reads go through the department index (policy and filter both index conditions).
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  plan text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    plan := plan || line || E'\n';
  END LOOP;
  RETURN plan;
END
$$;
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SET LOCAL enable_seqscan = off;
SELECT ok(good, 'the read policy is an index condition, with no per-row filter') || CASE WHEN good THEN '' ELSE E'\n' || diag(p) END
  FROM pg_temp.plan_of($$SELECT * FROM synapse.tasks WHERE department_id = md5('dev:dept:eng')::uuid$$) AS p,
       LATERAL (SELECT p ~ '(?n)Index Cond: .*department_id = ' AND p ~ '_rls_departments_from\(\)' AND p !~ 'Filter') AS c(good);
RESET enable_seqscan;
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
