-- Data for the PgBouncer load run (tests/ops/load/main.go): :departments departments of
-- :users_per_department Members each, :tasks_per_user open tasks per user, each assigned
-- to its creator. Ids derive from names the load tool computes on its own
-- (md5('load:dept:' || d), md5('load:user:' || n), user n in department (n - 1) % D + 1),
-- so every row a client sees can be checked against the department it must be in.
-- Run as a superuser after the migrations; idempotent.
--   psql -v departments=20 -v users_per_department=10 -v tasks_per_user=20 -f setup.sql

INSERT INTO synapse.departments (id, name)
SELECT md5('load:dept:' || d)::uuid, 'Load department ' || d
  FROM generate_series(1, :departments) AS d
ON CONFLICT DO NOTHING;

INSERT INTO synapse.users (id, email, name, role, department_id, auth_provider, auth_provider_id)
SELECT md5('load:user:' || n)::uuid, 'load' || n || '@example.com', 'Load user ' || n, 'Member',
       md5('load:dept:' || ((n - 1) % :departments + 1))::uuid, 'keycloak', 'load-' || n
  FROM generate_series(1, :departments * :users_per_department) AS n
ON CONFLICT DO NOTHING;

-- Titles draw from a few subjects so searches find something in every department.
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, priority, due_date, creator_id)
SELECT md5('load:dept:' || ((n - 1) % :departments + 1))::uuid,
       md5('load:task:' || n || ':' || k)::uuid, 'LOAD-' || n || '-' || k,
       (ARRAY['Quarterly report', 'Deploy release', 'Customer onboarding', 'Budget review',
              'Security audit'])[k % 5 + 1] || ' ' || k,
       'Prepared for user ' || n,
       (ARRAY['Low', 'Medium', 'High', 'Urgent'])[k % 4 + 1]::synapse.task_priority,
       now() + k * interval '1 day',
       md5('load:user:' || n)::uuid
  FROM generate_series(1, :departments * :users_per_department) AS n,
       generate_series(1, :tasks_per_user) AS k
ON CONFLICT DO NOTHING;

INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
SELECT md5('load:dept:' || ((n - 1) % :departments + 1))::uuid,
       md5('load:task:' || n || ':' || k)::uuid, md5('load:user:' || n)::uuid
  FROM generate_series(1, :departments * :users_per_department) AS n,
       generate_series(1, :tasks_per_user) AS k
ON CONFLICT DO NOTHING;

ANALYZE synapse.tasks;
ANALYZE synapse.task_assignees;
