-- The faults' fixture: one department, a user, a project, and 200 daily templates of that
-- project (each with an assignee) starting 2026-01-01, so a run as of 2026-06-30 makes
-- about 36,000 instances. tests/faults/*.t load it into the hurt database and into a
-- reference database that generates without faults.
INSERT INTO synapse.departments (id, name) VALUES (md5('faults:dept')::uuid, 'Faults');
INSERT INTO synapse.users (id, email, name, department_id)
VALUES (md5('faults:user')::uuid, 'faults@example.com', 'Fault Finder', md5('faults:dept')::uuid);
INSERT INTO synapse.projects (department_id, id, name)
VALUES (md5('faults:dept')::uuid, md5('faults:project')::uuid, 'Fault project');
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, creator_id, project_id,
                           is_recurring, recurrence_pattern, recurrence_start)
SELECT md5('faults:dept')::uuid, md5('faults:template:' || i)::uuid, 'FAULT-' || i,
       'Fault template ' || i, repeat('Checked under faults. ', 20), md5('faults:user')::uuid,
       md5('faults:project')::uuid, true, '{"frequency": "daily"}',
       timestamptz '2026-01-01 06:00+00' + (i % 600) * interval '1 minute'
  FROM generate_series(1, 200) AS i;
INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
SELECT md5('faults:dept')::uuid, md5('faults:template:' || i)::uuid, md5('faults:user')::uuid
  FROM generate_series(1, 200) AS i;
