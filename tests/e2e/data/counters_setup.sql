-- The data tests/e2e/31_counters_concurrency.t and benches/counters.sh load before
-- running counters_load.pgbench: 2 departments, 10 projects (project p in department
-- p % 2), one user, 200 pool tasks spread over the projects, and a unique index on task
-- ids so the script can find (and re-create) a pool task by id alone.
INSERT INTO synapse.departments (id, name)
SELECT md5('cc-d-' || d)::uuid, 'Department ' || d FROM generate_series(0, 1) d;
INSERT INTO synapse.users (id, email, name, role, department_id)
VALUES (md5('cc-u')::uuid, 'cc@example.com', 'Load', 'Admin', md5('cc-d-0')::uuid);
INSERT INTO synapse.projects (department_id, id, name)
SELECT md5('cc-d-' || p % 2)::uuid, md5('cc-p-' || p)::uuid, 'Project ' || p FROM generate_series(0, 9) p;
CREATE UNIQUE INDEX tasks_id_unique_for_load ON synapse.tasks (id);
INSERT INTO synapse.tasks (department_id, id, title, creator_id, project_id, status)
SELECT md5('cc-d-' || k % 10 % 2)::uuid, md5('cc-t-' || k)::uuid, 'Pool task ' || k, md5('cc-u')::uuid,
       md5('cc-p-' || k % 10)::uuid, CASE WHEN k % 4 = 0 THEN 'Done' ELSE 'To Do' END::synapse.task_status
  FROM generate_series(1, 200) k;
