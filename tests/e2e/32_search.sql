-- Task search and "my tasks" (migrations 9, 10 and 13) in pgTAP (run by pg_prove from
-- tests/e2e/run.sh on a migrated database with pgTAP in schema tap), on the seed data
-- (sql/seed/dev_seed.sql, loaded here) and tasks of our own, as members of synapse_app and
-- synapse_readonly acting for seed users: web-search syntax, ranking, the trigram fallback,
-- row-level security, query texts that must never raise, soft-deleted tasks, keyset pages
-- of my_tasks that neither skip nor repeat, and the copies behind them following the tasks.
-- One transaction, rolled back at the end: the superuser switches to a member with
-- pg_temp.act_as (SET LOCAL ROLE, then synapse.set_current_user) and back with RESET ROLE.
-- What the client sees beyond the rows (no NOTICE for a stop-word query): 32_search.t.
BEGIN;
SET LOCAL search_path = tap, pg_catalog;
SELECT plan(85);
-- pg_temp.act_as and the other helpers
\ir data/pgtap_helpers.sql
-- The seed and the members pgtap_api (synapse_app) and pgtap_report (synapse_readonly)
\ir data/pgtap_seed_members.sql

-- found(QUERY): the task_ids search_tasks returns for the current user, in its order.
CREATE FUNCTION pg_temp.found(query text) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT s.task_id::text
    FROM synapse.search_tasks(query) WITH ORDINALITY
         s(department_id, id, task_id, title, status, priority, due_date, project_id, is_recurring, rank, snippet, matched_by, n)
   ORDER BY s.n
$$;
-- how(QUERY): "task_id:matched_by" per row, in search_tasks' order.
CREATE FUNCTION pg_temp.how(query text) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT s.task_id || ':' || s.matched_by
    FROM synapse.search_tasks(query) WITH ORDINALITY
         s(department_id, id, task_id, title, status, priority, due_date, project_id, is_recurring, rank, snippet, matched_by, n)
   ORDER BY s.n
$$;

-- Tasks of our own, in Engineering (eng) and Marketing (mkt), written as the superuser.
INSERT INTO synapse.tasks (department_id, task_id, title, description, due_date, creator_id, status, deleted_at)
SELECT md5('dev:dept:' || d)::uuid, ext, title, descr, now() + due * interval '1 day', md5('dev:user:' || who)::uuid,
       st::synapse.task_status, CASE WHEN gone THEN now() END
  FROM (VALUES
    ('eng', 'S-QR',     'Quarterly report', 'Numbers for the board', 5, 'sofia', 'To Do', false),
    ('eng', 'S-BUDGET', 'Budget review', 'Go through the numbers', 9, 'sofia', 'To Do', false),
    ('eng', 'S-OFFSITE','Plan the offsite', 'Agree the budget with finance', 1, 'sofia', 'To Do', false),
    ('eng', 'S-KUMQ',   'Kumquat pipeline', 'Ingest <script>alert(1)</script> & friends', 2, 'sofia', 'To Do', false),
    ('mkt', 'S-KUMQ-M', 'Kumquat launch', 'Announce the kumquat', 2, 'raghu', 'To Do', false),
    ('eng', 'S-ZEBRA',  'Zebra crossing survey', 'Obsolete', 2, 'sofia', 'To Do', true)
  ) v(d, ext, title, descr, due, who, st, gone);

-- --- syntax --------------------------------------------------------------------------------------------
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.found('kumquat pipeline')$$, ARRAY['S-KUMQ'], 'words are ANDed');
SELECT results_eq($$SELECT * FROM pg_temp.found('kumquats')$$, ARRAY['S-KUMQ'], 'English stemming (kumquats finds kumquat)');
SELECT results_eq($$SELECT * FROM pg_temp.found('"kumquat pipeline"')$$, ARRAY['S-KUMQ'], 'a quoted phrase');
SELECT is((SELECT count(*) FROM synapse.search_tasks('"pipeline kumquat"') WHERE matched_by = 'fulltext'), 0::bigint,
          'a phrase in the wrong order is no full-text match');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:priya')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.found('kumquat OR offsite')$$, $$SELECT * FROM pg_temp.found('offsite OR kumquat')$$,
                  'OR is symmetric');
SELECT bag_eq($$SELECT * FROM pg_temp.found('kumquat OR offsite')$$, ARRAY['S-KUMQ', 'S-KUMQ-M', 'S-OFFSITE'],
              'OR finds either word');
SELECT results_eq($$SELECT * FROM pg_temp.found('kumquat -launch')$$, ARRAY['S-KUMQ'], '-word excludes');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.how('kumquat')$$, ARRAY['S-KUMQ:fulltext'], 'a full-text match says so');

-- --- ranking -------------------------------------------------------------------------------------------
SELECT results_eq($$SELECT * FROM pg_temp.found('budget')$$, ARRAY['S-BUDGET', 'S-OFFSITE'],
                  'a title hit ranks above a description hit (even one due sooner)');
SELECT is((SELECT bool_and(rank > 0) FROM synapse.search_tasks('budget')), true, 'ranks are positive');
SELECT is((SELECT snippet FROM synapse.search_tasks('budget') LIMIT 1), '<b>Budget</b> review — Go through the numbers',
          'the snippet highlights the query''s words');
SELECT is((SELECT snippet FROM synapse.search_tasks('kumquat')),
          '<b>Kumquat</b> pipeline — Ingest &lt;script&gt;alert(1)&lt;/script&gt; &amp; friends',
          'the task''s own text is HTML-escaped in the snippet');
SELECT is((SELECT * FROM pg_temp.found('budget review') LIMIT 1), 'S-BUDGET', 'several words: the title match first');
SELECT is((SELECT count(*) FROM synapse.search_tasks('budget', 1)), 1::bigint, 'max_results limits the rows');

-- --- typo fallback -------------------------------------------------------------------------------------
SELECT is((SELECT * FROM pg_temp.how('quartely reprot') LIMIT 1), 'S-QR:trigram',
          '"quartely reprot" finds "Quarterly report" by trigram similarity');
SELECT results_eq($$SELECT * FROM pg_temp.how('kumqat')$$, ARRAY['S-KUMQ:trigram'], 'a one-word typo');
SELECT results_eq($$SELECT * FROM pg_temp.how('"kumqat pipelin" OR zzzz')$$, ARRAY['S-KUMQ:trigram'],
                  'the fallback ignores quotes and OR');
SELECT is_empty($$SELECT * FROM pg_temp.found('xylophone zeppelin')$$, 'a miss finds nothing');

-- --- row-level security --------------------------------------------------------------------------------
SELECT results_eq($$SELECT * FROM pg_temp.found('kumquat')$$, ARRAY['S-KUMQ'], 'a member finds her own department''s task only');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:raghu')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.found('kumquat')$$, ARRAY['S-KUMQ-M'], 'the other department''s member finds theirs only');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.found('kumqats')$$, ARRAY['S-KUMQ'], 'the fallback respects row-level security too');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:priya')::uuid);
SELECT bag_eq($$SELECT * FROM pg_temp.found('kumquat')$$, ARRAY['S-KUMQ', 'S-KUMQ-M'], 'an Admin finds both');
CALL pg_temp.act_as('pgtap_api', NULL);
SELECT is_empty($$SELECT * FROM pg_temp.found('kumquat')$$, 'nothing without a current user');
SELECT is_empty($$SELECT * FROM pg_temp.found('quartely reprot')$$, 'nor by trigram');
CALL pg_temp.act_as('pgtap_report', NULL);
SELECT is((SELECT count(*) FROM synapse.search_tasks('kumquat')), 2::bigint, 'synapse_readonly finds everything');
RESET ROLE;
SELECT isnt_definer('synapse', 'search_tasks', ARRAY['text', 'integer'], 'search_tasks is SECURITY INVOKER');
-- The SECURITY DEFINER step gives the keys of the read policy's departments only.
-- keys(): the departments of the keys the definer step gives the current user for 'kumquat'.
CREATE FUNCTION pg_temp.keys() RETURNS SETOF text LANGUAGE sql AS $$
  SELECT DISTINCT d.name::text
    FROM synapse._search_task_matches_for_user(websearch_to_tsquery('english', 'kumquat'), 'kumquat', NULL, 1000) m
    JOIN synapse.departments d ON d.id = m.department_id
$$;
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.keys()$$, ARRAY['Engineering'], 'the definer step: a member gets her department''s keys only');
CALL pg_temp.act_as('pgtap_api', NULL);
SELECT is_empty($$SELECT * FROM pg_temp.keys()$$, 'the definer step: nothing without a user');
SELECT is((SELECT count(*) FROM synapse._search_task_matches(websearch_to_tsquery('english', 'kumquat'), 'kumquat', NULL, 1000, NULL, NULL)),
          0::bigint, 'the matching step called directly runs as the caller (policies apply)');

-- --- soft-deleted tasks ----------------------------------------------------------------------------------
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT is_empty($$SELECT * FROM pg_temp.found('zebra')$$, 'a soft-deleted task is not found by full text');
SELECT is_empty($$SELECT * FROM pg_temp.found('zebra crosing')$$, 'nor by trigram');

-- --- query texts never raise ------------------------------------------------------------------------------
SELECT lives_ok(format('SELECT count(*) FROM synapse.search_tasks(%L)', text), format('no error for query text [%s]', text))
  FROM unnest(ARRAY['', '   ', 'the of and', '"', '"unbalanced phrase', '-', '--', 'OR', 'OR OR', '-kumquat', '!!&&||()',
                    ':*', '''', '\', 'a:b:c', '<>', '€ ünïcødé 漢字']) WITH ORDINALITY AS t(text, n)
 ORDER BY n;
SELECT lives_ok('SELECT count(*) FROM synapse.search_tasks(NULL)', 'no error for NULL');
SELECT is((SELECT count(*) FROM synapse.search_tasks(NULL)), 0::bigint, 'NULL finds nothing');
SELECT is((SELECT count(*) FROM synapse.search_tasks('the of and')), 0::bigint, 'stop words only find nothing');
SELECT is((SELECT count(*) FROM synapse.search_tasks('-kumquat')), 0::bigint, 'only a negation finds nothing (no fallback either)');
SELECT is_empty($$SELECT * FROM pg_temp.how('kumqat -pipeline')$$, 'the fallback leaves out the excluded words');
SELECT lives_ok($$SELECT count(*) FROM synapse.search_tasks(repeat('kumquat "OR -x ', 700))$$, 'no error for 10 KB of query');
SELECT lives_ok($$SELECT count(*) FROM synapse.search_tasks(repeat('w', 10240))$$, 'no error for a 10 KB word');
SELECT throws_ok(format('SELECT * FROM synapse.search_tasks(''x'', %s)', n), '22023', NULL, format('max_results %s is 22023', n))
  FROM unnest(ARRAY['0', '-1', '1001', 'NULL']) WITH ORDINALITY AS m(n, i)
 ORDER BY i;

-- --- my_tasks ----------------------------------------------------------------------------------------------
-- Sofia's own assignments: ties in due date and priority, no due dates, a done one and a deleted one.
RESET ROLE;
INSERT INTO synapse.tasks (department_id, task_id, title, due_date, priority, status, creator_id, deleted_at)
SELECT md5('dev:dept:eng')::uuid, ext, ext, due, prio::synapse.task_priority, st::synapse.task_status,
       md5('dev:user:sofia')::uuid, CASE WHEN gone THEN now() END
  FROM (VALUES ('M-1', '2030-01-01 09:00+00'::timestamptz, 'High', 'To Do', false),
               ('M-2', '2030-01-01 09:00+00', 'Urgent', 'In Progress', false),
               ('M-3', '2030-01-01 09:00+00', 'High', 'Blocked', false),
               ('M-4', '2030-01-01 09:00+00', 'High', 'To Do', false),
               ('M-5', NULL, 'Low', 'To Do', false),
               ('M-6', NULL, 'Urgent', 'To Do', false),
               ('M-7', NULL, 'Urgent', 'To Do', false),
               ('M-DONE', '2020-01-01 09:00+00', 'Urgent', 'Done', false),
               ('M-REVIEW', '2020-01-01 09:00+00', 'Urgent', 'In Review', false),
               ('M-GONE', '2020-01-01 09:00+00', 'Urgent', 'To Do', true)) v(ext, due, prio, st, gone);
INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
SELECT department_id, id, md5('dev:user:sofia')::uuid FROM synapse.tasks WHERE task_id LIKE 'M-%';

-- reference(USER): the user's open assigned tasks in my_tasks' order, written independently
-- of the function and read as the superuser (SECURITY DEFINER: past row-level security),
-- whoever calls it.
CREATE FUNCTION pg_temp.reference(user_id uuid) RETURNS SETOF text LANGUAGE sql SECURITY DEFINER AS $$
  SELECT t.task_id::text
    FROM synapse.tasks t JOIN synapse.task_assignees a ON a.department_id = t.department_id AND a.task_id = t.id
   WHERE a.user_id = reference.user_id AND t.status IN ('To Do', 'In Progress', 'Blocked')
     AND t.deleted_at IS NULL AND NOT t.is_recurring
   ORDER BY t.due_date ASC NULLS LAST, t.priority DESC, t.id
$$;
-- mine(): the task_ids of my_tasks(page_size => 500) for the current user, in its order.
CREATE FUNCTION pg_temp.mine() RETURNS SETOF text LANGUAGE sql AS $$
  SELECT m.task_id::text
    FROM synapse.my_tasks(page_size => 500) WITH ORDINALITY m(department_id, id, task_id, title, status, priority, due_date, project_id, n)
   ORDER BY m.n
$$;
-- keyset_pages(SIZE): the task_ids of my_tasks read page by page (at most 20 pages of SIZE),
-- each page after the last row of the one before, as a client pages.
CREATE FUNCTION pg_temp.keyset_pages(size integer) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  r record;
  after_due timestamptz;
  after_priority synapse.task_priority;
  after_id uuid;
  rows_read integer;
  pages integer := 0;
BEGIN
  LOOP
    rows_read := 0;
    FOR r IN SELECT m.task_id, m.due_date, m.priority, m.id FROM synapse.my_tasks(after_due, after_priority, after_id, size) m LOOP
      RETURN NEXT r.task_id::text;
      after_due := r.due_date;
      after_priority := r.priority;
      after_id := r.id;
      rows_read := rows_read + 1;
    END LOOP;
    pages := pages + 1;
    EXIT WHEN rows_read = 0 OR pages >= 20;
  END LOOP;
END
$$;

CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.mine()$$, $$SELECT * FROM pg_temp.reference(md5('dev:user:sofia')::uuid)$$,
                  'one page: her open tasks by due date, priority (Urgent first), id; no due date last');
SELECT matches((SELECT string_agg(m, ',') FROM pg_temp.mine() m), 'M-2,.*M-[134],.*M-[67],M-[67],M-5$',
               'ties: same due date by priority, no due date last');
SELECT is(ARRAY(SELECT * FROM pg_temp.mine() m WHERE m IN ('M-DONE', 'M-REVIEW', 'M-GONE', 'ENG-STANDUP')), '{}'::text[],
          'done, in review, deleted and templates are left out');
SELECT results_eq($$SELECT * FROM pg_temp.keyset_pages(2)$$, $$SELECT * FROM pg_temp.reference(md5('dev:user:sofia')::uuid)$$,
                  'keyset pages of 2 neither skip nor repeat a task');

CALL pg_temp.act_as('pgtap_api', md5('dev:user:liam')::uuid);
SELECT is((SELECT count(*) FROM pg_temp.mine() m WHERE m LIKE 'M-%'), 0::bigint, 'another user does not get her tasks');
SELECT results_eq($$SELECT * FROM pg_temp.mine()$$, $$SELECT * FROM pg_temp.reference(md5('dev:user:liam')::uuid)$$,
                  'he gets his own open ones');
SELECT is((SELECT count(*) FROM pg_temp.reference(md5('dev:user:liam')::uuid)), 2::bigint, '(he has two)');
CALL pg_temp.act_as('pgtap_api', NULL);
SELECT is_empty($$SELECT * FROM synapse.my_tasks()$$, 'nothing without a current user');
CALL pg_temp.act_as('pgtap_report', NULL);
SELECT is((SELECT count(*) FROM synapse.my_tasks()), 0::bigint, 'nor for synapse_readonly without one');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT throws_ok(format('SELECT * FROM synapse.my_tasks(page_size => %s)', n), '22023', NULL, format('page_size %s is 22023', n))
  FROM unnest(ARRAY['0', '501', 'NULL']) WITH ORDINALITY AS p(n, i)
 ORDER BY i;
SELECT throws_ok($$SELECT * FROM synapse.my_tasks(NULL, NULL, gen_random_uuid())$$, '22023', NULL,
                 'after_id without after_priority is 22023');

-- --- the copies behind my_tasks and the typo fallback follow the tasks (migration 10) ---------------------
RESET ROLE;
UPDATE synapse.tasks SET due_date = '2029-06-01 09:00+00' WHERE task_id = 'M-5';
UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'M-1';
UPDATE synapse.tasks SET status = 'To Do' WHERE task_id = 'M-DONE';
UPDATE synapse.tasks SET priority = 'Low' WHERE task_id = 'M-2';
UPDATE synapse.tasks SET deleted_at = NULL WHERE task_id = 'M-GONE';
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.mine()$$, $$SELECT * FROM pg_temp.reference(md5('dev:user:sofia')::uuid)$$,
                  'after due date, status, priority and undelete changes: the reference list');
RESET ROLE;
-- wrong_copies(): how many assignments' copies are not their task's facts.
CREATE FUNCTION pg_temp.wrong_copies() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM synapse.task_assignees a JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
   WHERE (a.task_open, a.task_due_key, a.task_priority)
         IS DISTINCT FROM (synapse._task_is_open(t.status, t.deleted_at, t.is_recurring), coalesce(t.due_date, 'infinity'), t.priority)
$$;
SELECT is(pg_temp.wrong_copies(), 0::bigint, 'every assignment''s copies equal its task''s facts');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT throws_ok($$UPDATE synapse.task_assignees SET task_open = NOT task_open$$, '42501', NULL,
                 'an assignment''s copies are not the application''s to write (migration 14''s column privileges) ...');
RESET ROLE;
UPDATE synapse.task_assignees SET task_open = NOT task_open;
SELECT is((SELECT count(*) FROM synapse.task_assignees a JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
            WHERE a.task_open IS DISTINCT FROM synapse._task_is_open(t.status, t.deleted_at, t.is_recurring)),
          0::bigint, '... and whoever writes them, they are read from the task again');
-- Copies given with an assignment are checked once per statement (migration 17): kept when
-- right, read from the task again when wrong, whoever gives them.
-- assign_with_copies(USER, TASK_IDS, LIE): USER assigned to those tasks in one statement,
-- the copies given: the tasks' facts, or (LIE) the opposite of each.
CREATE FUNCTION pg_temp.assign_with_copies(who text, tasks text[], lie boolean) RETURNS void LANGUAGE sql AS $$
  INSERT INTO synapse.task_assignees (department_id, task_id, user_id, task_open, task_due_key, task_priority)
  SELECT t.department_id, t.id, md5('dev:user:' || who)::uuid,
         synapse._task_is_open(t.status, t.deleted_at, t.is_recurring) <> lie,
         CASE WHEN lie THEN '1999-01-01 00:00+00' ELSE coalesce(t.due_date, 'infinity') END,
         CASE WHEN NOT lie THEN t.priority WHEN t.priority = 'Low' THEN 'Urgent' ELSE 'Low' END::synapse.task_priority
    FROM synapse.tasks t WHERE t.task_id = ANY (tasks)
$$;
SELECT pg_temp.assign_with_copies('priya', '{M-2,M-3}', false);
SELECT is(pg_temp.wrong_copies(), 0::bigint, 'copies given right are kept');
SELECT pg_temp.assign_with_copies('priya', '{M-4,M-5,M-DONE,S-QR}', true);
SELECT is(pg_temp.wrong_copies(), 0::bigint, 'copies given wrong are read from the task again');
INSERT INTO synapse.task_assignees (department_id, task_id, user_id, task_open, task_due_key, task_priority)
SELECT t.department_id, t.id, md5('dev:user:' || who)::uuid, NOT synapse._task_is_open(t.status, t.deleted_at, t.is_recurring),
       coalesce(t.due_date, 'infinity'), t.priority
  FROM synapse.tasks t, unnest(ARRAY['priya', 'bharath']) AS who
 WHERE t.task_id IN ('M-6', 'M-7')
   AND (t.department_id, t.id, md5('dev:user:' || who)::uuid) NOT IN (SELECT department_id, task_id, user_id FROM synapse.task_assignees);
SELECT is(pg_temp.wrong_copies(), 0::bigint, 'a statement giving the same tasks wrong copies for two assignees: all read again');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:priya')::uuid);
SELECT pg_temp.assign_with_copies('priya', '{M-1,S-BUDGET}', true);
RESET ROLE;
SELECT is(pg_temp.wrong_copies(), 0::bigint, 'and so are wrong copies the application gives');
SELECT cmp_ok((SELECT tasks_generated FROM synapse.generate_recurring_tasks(100, now() + interval '14 days')), '>', 0,
              'generation makes instances of the seed''s templates, with their assignees'' copies given');
SELECT is(pg_temp.wrong_copies(), 0::bigint, 'and every copy it gives is its instance''s facts');
CALL pg_temp.act_as('pgtap_api', md5('dev:user:priya')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.mine()$$, $$SELECT * FROM pg_temp.reference(md5('dev:user:priya')::uuid)$$,
                  'an Admin''s list (every department): the reference list');
RESET ROLE;
UPDATE synapse.tasks SET title = 'Persimmon harvest' WHERE task_id = 'S-OFFSITE';
CALL pg_temp.act_as('pgtap_api', md5('dev:user:sofia')::uuid);
SELECT results_eq($$SELECT * FROM pg_temp.how('persimon')$$, ARRAY['S-OFFSITE:trigram'], 'a changed title''s words reach the typo fallback');
RESET ROLE;
-- New tasks' words (migration 10's statement trigger): one statement over two departments,
-- a word new to one of them, words both know, and a word twice.
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id)
SELECT md5('dev:dept:' || d)::uuid, 'W-' || d || '-' || i, t, md5('dev:user:priya')::uuid
  FROM (VALUES ('eng', 1, 'Quarterly quokka report'), ('eng', 2, 'Quokka quokka budget'), ('mkt', 1, 'Quarterly report')) AS v(d, i, t);
SELECT results_eq($$SELECT d.name::text || ':' || s.word FROM synapse.search_words s JOIN synapse.departments d ON d.id = s.department_id
                    WHERE s.word IN ('quokka', 'quarterly', 'report', 'budget') AND d.name IN ('Engineering', 'Marketing') ORDER BY 1$$,
                  ARRAY['Engineering:budget', 'Engineering:quarterly', 'Engineering:quokka', 'Engineering:report',
                        'Marketing:quarterly', 'Marketing:report'],
                  'a statement''s new words are added once per department, the known ones left as they are');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
