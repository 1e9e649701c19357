-- The data of the Citus counter run (tests/citus/workload.sh), loaded into the distributed
-- database and into the single-node baseline alike: 2 departments, 10 projects (project p
-- in department p % 2), one user, 200 pool tasks (task k in department k % 2, project
-- k % 10). As tests/e2e/data/counters_setup.sql, but without the unique index on task ids
-- alone: on Citus every unique key carries department_id, so the load script addresses a
-- task by (department_id, id).
INSERT INTO synapse.departments (id, name)
SELECT md5('cc-d-' || d)::uuid, 'Counter department ' || d FROM generate_series(0, 1) d;
INSERT INTO synapse.users (id, email, name, role, department_id)
VALUES (md5('cc-u')::uuid, 'cc@example.com', 'Load', 'Admin', md5('cc-d-0')::uuid);
INSERT INTO synapse.projects (department_id, id, name)
SELECT md5('cc-d-' || p % 2)::uuid, md5('cc-p-' || p)::uuid, 'Counter project ' || p FROM generate_series(0, 9) p;
INSERT INTO synapse.tasks (department_id, id, title, creator_id, project_id, status)
SELECT md5('cc-d-' || k % 2)::uuid, md5('cc-t-' || k)::uuid, 'Pool task ' || k, md5('cc-u')::uuid,
       md5('cc-p-' || k % 10)::uuid, CASE WHEN k % 4 = 0 THEN 'Done' ELSE 'To Do' END::synapse.task_status
  FROM generate_series(1, 200) k;
