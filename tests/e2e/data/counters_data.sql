-- The data of the counter load runs (counters_load.pgbench here, tests/citus/data/
-- counters_load.pgbench on Citus): 2 departments, 10 projects (project p in department
-- p % 2), one user, 200 pool tasks (task k in department k % 2, project k % 10). Loaded
-- through counters_setup.sql on one node; as it is into the Citus database and into its
-- single-node baseline alike (tests/citus/workload.sh). Projects go into the table
-- synapse.projects_base (migration 16): Citus modifies no view.
INSERT INTO synapse.departments (id, name)
SELECT md5('cc-d-' || d)::uuid, 'Counter department ' || d FROM generate_series(0, 1) d;
INSERT INTO synapse.users (id, email, name, role, department_id)
VALUES (md5('cc-u')::uuid, 'cc@example.com', 'Load', 'Admin', md5('cc-d-0')::uuid);
INSERT INTO synapse.projects_base (department_id, id, name)
SELECT md5('cc-d-' || p % 2)::uuid, md5('cc-p-' || p)::uuid, 'Counter project ' || p FROM generate_series(0, 9) p;
INSERT INTO synapse.tasks (department_id, id, title, creator_id, project_id, status)
SELECT md5('cc-d-' || k % 2)::uuid, md5('cc-t-' || k)::uuid, 'Pool task ' || k, md5('cc-u')::uuid,
       md5('cc-p-' || k % 10)::uuid, CASE WHEN k % 4 = 0 THEN 'Done' ELSE 'To Do' END::synapse.task_status
  FROM generate_series(1, 200) k;
