-- Undo migration 16: every pending delta merged into the project rows, the table named
-- synapse.projects again, migration 15's catalog exactly (tests/e2e/13_down_migrations.t
-- compares them): the statement trigger updates the project row again, recount_project_tasks
-- and _set_updated_at as before.

-- No task is written meanwhile: nothing is appended after the last merge below.
LOCK TABLE synapse.tasks IN SHARE ROW EXCLUSIVE MODE;

DROP TRIGGER tasks_apply_project_counts ON synapse.tasks;
CREATE TRIGGER tasks_apply_project_counts
  AFTER INSERT OR DELETE OR UPDATE ON synapse.tasks
  FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_apply_project_counts();

-- Every delta into its project, waiting for rows others hold (the merge would skip them).
DO $$
DECLARE
  dept uuid;
  ids uuid[];
BEGIN
  FOR dept IN SELECT DISTINCT d.department_id FROM synapse.project_count_deltas d ORDER BY 1 LOOP
    SELECT array_agg(l.id) INTO ids FROM (
      SELECT p.id FROM synapse.projects_base p
       WHERE p.department_id = dept
         AND p.id IN (SELECT d.project_id FROM synapse.project_count_deltas d WHERE d.department_id = dept)
       ORDER BY p.id
         FOR NO KEY UPDATE) AS l;
    PERFORM synapse._fold_project_count_deltas(dept, ids);
  END LOOP;
END
$$;

DROP TRIGGER projects_write_through_view ON synapse.projects;
DROP FUNCTION synapse._projects_write_through_view();
DROP FUNCTION synapse.unschedule_project_count_merge();
DROP FUNCTION synapse.schedule_project_count_merge(text);
DROP FUNCTION synapse.merge_project_count_deltas();
DROP VIEW synapse.projects;
DROP TABLE synapse.project_count_deltas;
DROP FUNCTION synapse._fold_project_count_deltas(uuid, uuid[]);

ALTER TABLE synapse.projects_base RENAME TO projects;
COMMENT ON TABLE synapse.projects IS
  'Groups of tasks within one department; task_count/completed_task_count are kept by a tasks trigger so dashboards need no COUNT.';

CREATE OR REPLACE FUNCTION synapse._set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._set_updated_at()', 'the BEFORE UPDATE row trigger of synapse.departments, users, projects, tasks, comments and email_integrations',
    '{departments,users,projects,tasks,comments,email_integrations}', '{"BEFORE ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION synapse.recount_project_tasks(project uuid DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  dept uuid;
  locked integer;
  found_any boolean := false;
  corrected integer := 0;
  n integer;
BEGIN
  -- One department at a time, in department order: on Citus each statement is a router
  -- query to the department's shard (row locks across shards are refused there).
  FOR dept IN SELECT d.id FROM synapse.departments d
               WHERE project IS NULL OR d.id IN (SELECT p.department_id FROM synapse.projects p WHERE p.id = project)
               ORDER BY d.id LOOP
    SELECT count(*) INTO locked FROM (
      SELECT 1 FROM synapse.projects p
       WHERE p.department_id = dept AND (project IS NULL OR p.id = project)
       ORDER BY p.id
         FOR NO KEY UPDATE) AS l;
    found_any := found_any OR locked > 0;
    WITH fresh AS (
      SELECT p.department_id, p.id,
             count(t.id)::integer AS tasks,
             (count(t.id) FILTER (WHERE t.status = 'Done'))::integer AS completed
        FROM synapse.projects p
        LEFT JOIN synapse.tasks t
          ON t.department_id = p.department_id AND t.project_id = p.id
         AND NOT t.is_recurring AND t.deleted_at IS NULL
       WHERE p.department_id = dept AND (project IS NULL OR p.id = project)
       GROUP BY p.department_id, p.id
    ), fixed AS (
      UPDATE synapse.projects p
         SET task_count = f.tasks, completed_task_count = f.completed
        FROM fresh f
       WHERE p.department_id = dept AND p.department_id = f.department_id AND p.id = f.id
         AND (p.task_count, p.completed_task_count) IS DISTINCT FROM (f.tasks, f.completed)
      RETURNING 1
    )
    SELECT count(*) INTO n FROM fixed;
    corrected := corrected + n;
  END LOOP;
  IF project IS NOT NULL AND NOT found_any THEN
    RAISE EXCEPTION 'recount_project_tasks: no project %', project
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the id of an existing project (one you can see), or NULL for all.';
  END IF;
  RETURN corrected;
END
$$;
COMMENT ON FUNCTION synapse.recount_project_tasks(uuid) IS
  'Repairs project counters: sets task_count/completed_task_count of the project (NULL: every project) to a fresh count of its live, non-template tasks, one department at a time; returns how many projects it corrected. 22023 for an unknown project.';
