-- Constraints (pgTAP, run by pg_prove from tests/e2e/run.sh on a migrated database with
-- pgTAP in schema tap): each rejects a bad row with the expected SQLSTATE (checks 23514,
-- foreign keys 23503, unique keys 23505, not null 23502, enums 22P02, the users
-- hard-delete refusal 23001, the recurrence pattern CHECK through synapse_ext), plus the
-- triggers that keep derived columns right (updated_at, completed_at, project counters,
-- search). One transaction, rolled back at the end; as the superuser (row-level security
-- does not apply).
BEGIN;
SET LOCAL search_path = tap, pg_catalog;
SELECT plan(75);

-- pg_temp.lives_undone(SQL, DESCRIPTION): SQL succeeds, and what it did is undone.
\ir data/pgtap_helpers.sql

-- A small fixture.
SELECT lives_ok($fixture$
INSERT INTO synapse.departments (id, name) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'Engineering'),
  ('d0000000-0000-4000-8000-000000000002', 'Marketing');
INSERT INTO synapse.users (id, email, name, role, department_id, auth_provider, auth_provider_id) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'ann@example.com', 'Ann', 'Manager', 'd0000000-0000-4000-8000-000000000001', 'keycloak', 'kc-ann'),
  ('a0000000-0000-4000-8000-000000000002', 'bob@example.com', 'Bob', 'Member',  'd0000000-0000-4000-8000-000000000002', 'local', NULL);
INSERT INTO synapse.projects (department_id, id, name, owner_id) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'P1', 'a0000000-0000-4000-8000-000000000001'),
  ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 'P2', 'a0000000-0000-4000-8000-000000000001'),
  ('d0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000003', 'M1', 'a0000000-0000-4000-8000-000000000002');
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, creator_id, project_id) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'T-1', 'Write pagination design', 'cursor based', 'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001'),
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002', 'T-2', 'Second', NULL, 'a0000000-0000-4000-8000-000000000001', NULL),
  ('d0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000003', 'T-1', 'Same external id, other department', NULL, 'a0000000-0000-4000-8000-000000000002', NULL);
INSERT INTO synapse.tasks (department_id, id, task_id, title, creator_id, is_recurring, recurrence_pattern, next_occurrence) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000009', 'TPL-1', 'Stand-up', 'a0000000-0000-4000-8000-000000000001',
   true, '{"frequency":"weekly","daysOfWeek":[1,2,3,4,5]}', '2025-01-06 09:00+00');
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, recurrence_parent_id, occurrence_at) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'TPL-1-20250106', 'Stand-up', 'a0000000-0000-4000-8000-000000000001',
   'c0000000-0000-4000-8000-000000000009', '2025-01-06 09:00+00');
INSERT INTO synapse.email_integrations (integration_id, user_id, provider, email) VALUES
  ('e0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'outlook', 'ann@example.com');
$fixture$, 'fixture loads');
-- Names used below: departments D1 = d...01 (Engineering), D2 = d...02 (Marketing); users
-- ANN = a...01 (D1), BOB = a...02 (D2); projects P1, P2 (D1), M1 (D2); tasks T1 = c...01,
-- T2 = c...02 (D1), T3 = c...03 (D2), the template TPL = c...09 (D1) with one instance.

-- --- 23514 check ------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id) VALUES ('d0000000-0000-4000-8000-000000000001', '   ', 'a0000000-0000-4000-8000-000000000001')$$,
                 '23514', NULL, 'blank title');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, metadata) VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', '[1]')$$,
                 '23514', NULL, 'metadata must be an object');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, is_recurring) VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', true)$$,
                 '23514', NULL, 'a template needs a pattern');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, is_recurring, recurrence_pattern, next_occurrence, recurrence_parent_id, occurrence_at)
                   VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', true, '{"frequency":"daily"}', now(), 'c0000000-0000-4000-8000-000000000009', now())$$,
                 '23514', NULL, 'an instance is not itself a template');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, recurrence_parent_id) VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000009')$$,
                 '23514', NULL, 'an instance names its occurrence');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, is_recurring, recurrence_pattern, next_occurrence, recurrence_count)
                   VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', true, '{"frequency":"daily"}', now(), 0)$$,
                 '23514', NULL, 'recurrence_count must be positive');
SELECT throws_ok($$UPDATE synapse.tasks SET recurrence_generated_count = -1 WHERE id = 'c0000000-0000-4000-8000-000000000009'$$,
                 '23514', NULL, 'generated count is non-negative');
SELECT throws_ok($$UPDATE synapse.tasks SET recurrence_parent_id = id, occurrence_at = now() WHERE id = 'c0000000-0000-4000-8000-000000000002'$$,
                 '23514', NULL, 'a task is not its own parent');
SELECT throws_ok($$INSERT INTO synapse.task_dependencies (department_id, task_id, depends_on_task_id)
                   VALUES ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001')$$,
                 '23514', NULL, 'no self-dependency');
SELECT throws_ok($$INSERT INTO synapse.users (email, name, auth_provider, auth_provider_id, department_id) VALUES ('x@example.com', 'X', 'github', 'g1', 'd0000000-0000-4000-8000-000000000001')$$,
                 '23514', NULL, 'unknown auth provider');
SELECT throws_ok($$INSERT INTO synapse.users (email, name, auth_provider, department_id) VALUES ('x@example.com', 'X', 'keycloak', 'd0000000-0000-4000-8000-000000000001')$$,
                 '23514', NULL, 'an external account needs its provider id');
SELECT throws_ok($$INSERT INTO synapse.users (email, name, role) VALUES ('x@example.com', 'X', 'Member')$$,
                 '23514', NULL, 'a non-admin needs a department');
SELECT throws_ok($$INSERT INTO synapse.users (email, name, department_id) VALUES ('not-an-email', 'X', 'd0000000-0000-4000-8000-000000000001')$$,
                 '23514', NULL, 'email format');
SELECT throws_ok($$UPDATE synapse.projects SET completed_task_count = task_count + 1 WHERE name = 'P1'$$,
                 '23514', NULL, 'completed never exceeds total');
SELECT throws_ok($$INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, expires_at) VALUES ('a0000000-0000-4000-8000-000000000001', '\x00ff', now() + interval '1 day')$$,
                 '23514', NULL, 'refresh tokens are stored as 32-byte hashes only');
SELECT throws_ok($$INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, expires_at) VALUES ('a0000000-0000-4000-8000-000000000001', sha256('t'), now() - interval '1 day')$$,
                 '23514', NULL, 'a session expires after it starts');
SELECT throws_ok($$UPDATE synapse.email_integrations SET sync_frequency_minutes = 0$$,
                 '23514', NULL, 'sync frequency 1..60');
SELECT throws_ok($$UPDATE synapse.email_integrations SET access_token_encrypted = '\x0102'$$,
                 '23514', NULL, 'encrypted tokens name their key id');
SELECT throws_ok($$INSERT INTO synapse.email_processing_log (integration_id, message_id, processing_status) VALUES ('e0000000-0000-4000-8000-000000000001', 'm1', 'done')$$,
                 '23514', NULL, 'processing status from the list');

-- --- the recurrence pattern CHECK, through synapse_ext ----------------------------------------
SELECT throws_ok(format($$INSERT INTO synapse.tasks (department_id, title, creator_id, is_recurring, recurrence_pattern, next_occurrence)
                          VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', true, %L, now())$$, p),
                 '23514', 'new row for relation "tasks" violates check constraint "tasks_recurrence_pattern_valid"',
                 format('invalid pattern %s rejected by tasks_recurrence_pattern_valid', p))
  FROM unnest(ARRAY['{"frequency":"hourly"}', '{"frequency":"weekly","daysOfWeek":[8]}', '{"frequency":"daily","intervall":2}',
                    '{"frequency":"monthly","dayOfMonth":0}', '{"frequency":"weekly","nthWeekdays":[{"day":5,"nth":-1}]}', '[]']) WITH ORDINALITY AS t(p, n)
 ORDER BY n;
SELECT pg_temp.lives_undone(format($$INSERT INTO synapse.tasks (department_id, title, creator_id, is_recurring, recurrence_pattern, next_occurrence)
                                     VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', true, %L, now())$$, p),
                            format('valid pattern %s accepted', p))
  FROM unnest(ARRAY['{"frequency":"weekly","daysOfWeek":[1,2,3,4,5]}', '{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}',
                    '{"frequency":"monthly","dayOfMonth":31,"monthDayOverflow":"clamp"}']) WITH ORDINALITY AS t(p, n)
 ORDER BY n;

-- --- 23503 foreign key ---------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id) VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-0000000000ff')$$,
                 '23503', NULL, 'unknown creator');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, project_id) VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000003')$$,
                 '23503', NULL, 'a project of another department');
SELECT throws_ok($$INSERT INTO synapse.task_assignees (department_id, task_id, user_id) VALUES ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000001')$$,
                 '23503', NULL, 'assigning a task of another department');
SELECT throws_ok($$INSERT INTO synapse.task_dependencies (department_id, task_id, depends_on_task_id)
                   VALUES ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000003')$$,
                 '23503', NULL, 'a dependency across departments');
SELECT throws_ok($$INSERT INTO synapse.comments (department_id, task_id, user_id, content)
                   VALUES ('d0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002', 'hi')$$,
                 '23503', NULL, 'a comment filed under the wrong department');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id) VALUES ('d0000000-0000-4000-8000-0000000000ff', 'x', 'a0000000-0000-4000-8000-000000000001')$$,
                 '23503', NULL, 'unknown department');
SELECT throws_ok($$DELETE FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000009'$$,
                 '23503', NULL, 'a template with instances cannot be hard-deleted');
SELECT throws_ok($$DELETE FROM synapse.projects WHERE name = 'P1'$$,
                 '23503', NULL, 'a project with tasks cannot be deleted');

-- --- 23505 unique ---------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, task_id) VALUES ('d0000000-0000-4000-8000-000000000001', 'x', 'a0000000-0000-4000-8000-000000000001', 'T-1')$$,
                 '23505', NULL, 'external id unique within a department');
SELECT throws_ok($$INSERT INTO synapse.users (email, name, department_id) VALUES ('ANN@example.com', 'Other Ann', 'd0000000-0000-4000-8000-000000000001')$$,
                 '23505', NULL, 'email unique case-insensitively among live users');
SELECT pg_temp.lives_undone($$UPDATE synapse.users SET deleted_at = now() WHERE id = 'a0000000-0000-4000-8000-000000000002';
                              INSERT INTO synapse.users (email, name, department_id) VALUES ('bob@example.com', 'New Bob', 'd0000000-0000-4000-8000-000000000002')$$,
                            'a soft-deleted user''s email can be reused');
SELECT throws_ok($$INSERT INTO synapse.users (email, name, department_id, auth_provider, auth_provider_id) VALUES ('z@example.com', 'Z', 'd0000000-0000-4000-8000-000000000001', 'keycloak', 'kc-ann')$$,
                 '23505', NULL, 'provider id unique per provider');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id, task_id, recurrence_parent_id, occurrence_at)
                   VALUES ('d0000000-0000-4000-8000-000000000001', 'again', 'a0000000-0000-4000-8000-000000000001', 'TPL-1-dup', 'c0000000-0000-4000-8000-000000000009', '2025-01-06 09:00+00')$$,
                 '23505', NULL, 'one instance per template and occurrence');
SELECT throws_ok($$INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, expires_at)
                   SELECT 'a0000000-0000-4000-8000-000000000001', sha256('same'), now() + interval '1 day' FROM generate_series(1, 2)$$,
                 '23505', NULL, 'refresh token hashes are unique');
SELECT throws_ok($$INSERT INTO synapse.email_processing_log (integration_id, message_id, processing_status)
                   SELECT 'e0000000-0000-4000-8000-000000000001', '<a@b>', 'success' FROM generate_series(1, 2)$$,
                 '23505', NULL, 'an email message is processed once per integration');
SELECT throws_ok($$INSERT INTO synapse.email_integrations (user_id, provider, email) VALUES ('a0000000-0000-4000-8000-000000000001', 'outlook', 'ann2@example.com')$$,
                 '23505', NULL, 'one integration per user and provider');
SELECT throws_ok($$INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
                   SELECT 'd0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001' FROM generate_series(1, 2)$$,
                 '23505', NULL, 'a user is assigned to a task once');

-- --- 23502 not null, 22P02 enums -------------------------------------------------------------
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id) VALUES ('d0000000-0000-4000-8000-000000000001', NULL, 'a0000000-0000-4000-8000-000000000001')$$,
                 '23502', NULL, 'title is required');
SELECT throws_ok($$INSERT INTO synapse.tasks (department_id, title, creator_id) VALUES (NULL, 'x', 'a0000000-0000-4000-8000-000000000001')$$,
                 '23502', NULL, 'department is required');
SELECT throws_ok($$INSERT INTO synapse.comments (department_id, task_id, user_id) VALUES ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001')$$,
                 '23502', NULL, 'comment content is required');
SELECT throws_ok($$UPDATE synapse.tasks SET status = 'Finished' WHERE id = 'c0000000-0000-4000-8000-000000000001'$$,
                 '22P02', NULL, 'unknown status');
SELECT throws_ok($$UPDATE synapse.tasks SET priority = 'Critical' WHERE id = 'c0000000-0000-4000-8000-000000000001'$$,
                 '22P02', NULL, 'unknown priority');
SELECT throws_ok($$UPDATE synapse.users SET role = 'Owner' WHERE id = 'a0000000-0000-4000-8000-000000000001'$$,
                 '22P02', NULL, 'unknown user role');

-- --- users are never hard-deleted ---------------------------------------------------------------
SELECT throws_ok($$DELETE FROM synapse.users WHERE id = 'a0000000-0000-4000-8000-000000000002'$$,
                 '23001', NULL, 'DELETE on users raises 23001');
SELECT throws_like($$DELETE FROM synapse.users WHERE id = 'a0000000-0000-4000-8000-000000000002'$$,
                   '%soft-delete%', 'with a message pointing to the soft delete');
SELECT is((SELECT count(*) FROM synapse.users WHERE id = 'a0000000-0000-4000-8000-000000000002'), 1::bigint, 'the user is still there');
SELECT pg_temp.lives_undone($$UPDATE synapse.users SET deleted_at = now() WHERE id = 'a0000000-0000-4000-8000-000000000002'$$,
                            'soft delete works');

-- --- triggers ----------------------------------------------------------------------------------
UPDATE synapse.tasks SET updated_at = '2020-01-01' WHERE id = 'c0000000-0000-4000-8000-000000000002';
SELECT ok((SELECT updated_at > '2020-01-02' FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000002'),
          'updated_at is set by the trigger, whatever the client sends');
-- Migration 18 runs both triggers only when their column would change; whatever a client
-- sends still ends as they set it.
UPDATE synapse.tasks SET updated_at = now() + interval '1 day' WHERE id = 'c0000000-0000-4000-8000-000000000002';
SELECT is((SELECT updated_at FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000002'), now(),
          'a later updated_at from the client is replaced by now() too');
UPDATE synapse.tasks SET completed_at = '2020-01-01' WHERE id = 'c0000000-0000-4000-8000-000000000001';
SELECT ok((SELECT completed_at IS NULL FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000001'),
          'a completed_at sent for an open task, its status unchanged, is cleared');
SELECT ok((SELECT completed_at IS NULL FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000001'), 'an open task has no completed_at');
UPDATE synapse.tasks SET status = 'Done' WHERE id = 'c0000000-0000-4000-8000-000000000001';
SELECT ok((SELECT completed_at IS NOT NULL FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000001'), 'completed_at is set when a task is done');
UPDATE synapse.tasks SET completed_at = NULL WHERE id = 'c0000000-0000-4000-8000-000000000001';
SELECT ok((SELECT completed_at IS NOT NULL FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000001'),
          'a done task''s completed_at cleared by a client, its status unchanged, is set again');
SELECT results_eq($$SELECT task_count, completed_task_count FROM synapse.projects WHERE name = 'P1'$$,
                  $$VALUES (1, 1)$$, 'project counts a done task');
UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000002' WHERE id = 'c0000000-0000-4000-8000-000000000001';
SELECT results_eq($$SELECT name::text, task_count, completed_task_count FROM synapse.projects WHERE department_id = 'd0000000-0000-4000-8000-000000000001' ORDER BY name$$,
                  $$VALUES ('P1'::text, 0, 0), ('P2', 1, 1)$$, 'moving a task moves its counts');
UPDATE synapse.tasks SET status = 'In Progress' WHERE id = 'c0000000-0000-4000-8000-000000000001';
SELECT results_eq($$SELECT (SELECT task_count || '/' || completed_task_count FROM synapse.projects WHERE name = 'P2'),
                           (SELECT completed_at IS NULL FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000001')$$,
                  $$VALUES ('1/0', true)$$, 'reopening decrements the completed count and clears completed_at');
UPDATE synapse.tasks SET deleted_at = now() WHERE id = 'c0000000-0000-4000-8000-000000000001';
SELECT is((SELECT task_count FROM synapse.projects WHERE name = 'P2'), 0, 'a soft-deleted task is not counted');
UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000002' WHERE id = 'c0000000-0000-4000-8000-000000000009';
SELECT is((SELECT task_count FROM synapse.projects WHERE name = 'P2'), 0, 'a recurring template is not counted');
SELECT is((SELECT recurrence_start FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000009'), '2025-01-06 09:00+00'::timestamptz,
          'recurrence_start defaults to the first next_occurrence');
SELECT is((SELECT count(*) FROM synapse.tasks WHERE search_vector @@ plainto_tsquery('english', 'pagination')), 1::bigint,
          'search_vector is generated from title and description');
SELECT is((SELECT count(*) FROM synapse.tasks WHERE title ILIKE '%agina%'), 1::bigint, 'trigram-indexed substring search works');
-- Migration 19: the trigger keeps it, and only a change of the text (or of the column) recomputes it.
UPDATE synapse.tasks SET title = 'Write infinite scroll design' WHERE id = 'c0000000-0000-4000-8000-000000000001';
SELECT is((SELECT string_agg(q, ',' ORDER BY q) FROM synapse.tasks, unnest(ARRAY['pagination', 'scroll', 'cursor']) AS q
            WHERE id = 'c0000000-0000-4000-8000-000000000001' AND search_vector @@ plainto_tsquery('english', q)),
          'cursor,scroll', 'an edited title replaces its words in search_vector; the description''s stay');
UPDATE synapse.tasks SET search_vector = to_tsvector('english', 'forged') WHERE id = 'c0000000-0000-4000-8000-000000000001';
SELECT is((SELECT search_vector FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-000000000001'),
          synapse.task_search_vector('Write infinite scroll design', 'cursor based'),
          'a search_vector written directly is replaced by the one of the task''s text');
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, creator_id, search_vector)
VALUES ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-0000000000f1', 'T-F1', 'Budget review', NULL,
        'a0000000-0000-4000-8000-000000000001', to_tsvector('english', 'forged'));
SELECT is((SELECT search_vector FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-0000000000f1'),
          synapse.task_search_vector('Budget review', NULL), 'an insert''s given search_vector is replaced too');
INSERT INTO synapse.tasks (department_id, id, task_id, title, creator_id, recurrence_parent_id, occurrence_at, search_vector)
VALUES ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-0000000000f2', 'T-F2', 'Standup notes',
        'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000009', '2031-01-06 09:00+00',
        to_tsvector('english', 'forged'));
SELECT is((SELECT search_vector FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-0000000000f2'),
          synapse.task_search_vector('Standup notes', NULL),
          'so is an instance''s, unless the generator inserts it (_generator_copies_search_vector() is false here)');
UPDATE synapse.tasks SET priority = 'High', status = 'In Progress' WHERE id = 'c0000000-0000-4000-8000-0000000000f1';
SELECT is((SELECT search_vector FROM synapse.tasks WHERE id = 'c0000000-0000-4000-8000-0000000000f1'),
          synapse.task_search_vector('Budget review', NULL), 'an update of other columns keeps it');

SELECT * FROM finish();
ROLLBACK;
