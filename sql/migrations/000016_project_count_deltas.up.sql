-- requires: synapse_ext >= 0.3.0
-- Migration 16: project counters as append-only deltas (issue 25, docs/counters.md).
--
-- Until now the counter trigger's statement part UPDATEd the project row, and a writer held
-- that row's lock until it committed: every writer of one project queued on it (8 writers
-- on one project ran at 0.54x of no counter trigger). Now:
--   * the table of projects is synapse.projects_base (renamed: same columns, constraints,
--     indexes, triggers, policies and grants; foreign keys follow it); its counters hold
--     what has been merged;
--   * the statement trigger appends one row per project and statement to
--     synapse.project_count_deltas (synapse._tasks_apply_project_counts('deltas'), the
--     extension's function with the argument that selects appending): no row is updated,
--     so no writer waits for another;
--   * synapse.projects is a view (security_invoker) with the same columns in the same
--     order, whose task_count and completed_task_count are the base counters plus the
--     project's pending deltas: exact in every snapshot, because a delta commits with the
--     task change it counts. INSERT goes through it to the table (automatically updatable
--     view), UPDATE and DELETE through an INSTEAD OF trigger;
--   * synapse.merge_project_count_deltas() (pg_cron: schedule_project_count_merge) folds the
--     pending deltas into the base counters, DELETE and UPDATE in one transaction, so every
--     snapshot sees them either pending or merged, never both or neither;
--   * synapse.recount_project_tasks() sets the base to the fresh count minus what is pending.
-- Down merges every delta and restores migration 15's catalog exactly.

-- No task is written while the triggers and tables change (statements already running
-- finish first); a writer waiting here starts with the new triggers.
LOCK TABLE synapse.tasks IN SHARE ROW EXCLUSIVE MODE;

-- --- the base table --------------------------------------------------------------------------
ALTER TABLE synapse.projects RENAME TO projects_base;
COMMENT ON TABLE synapse.projects_base IS
  'The projects'' rows. Read and write them through the view synapse.projects: task_count/completed_task_count here hold only what synapse.merge_project_count_deltas has merged, the view adds the pending deltas.';

-- The updated_at trigger function accepts the renamed table (and its Citus shards).
CREATE OR REPLACE FUNCTION synapse._set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._set_updated_at()', 'the BEFORE UPDATE row trigger of synapse.departments, users, projects_base, tasks, comments and email_integrations',
    '{departments,users,projects_base,tasks,comments,email_integrations}', '{"BEFORE ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;

-- --- the deltas ------------------------------------------------------------------------------
-- One row per project and statement that changed its counts. department_id leads every key
-- (Citus co-locates it with the projects and tasks). The primary key carries the counts, so
-- the view sums a project's pending deltas from the index alone. Deleting a project deletes
-- its deltas; its key cannot change while deltas are pending (Citus refuses ON UPDATE
-- CASCADE on a key with the distribution column), as it cannot while it has tasks.
CREATE TABLE synapse.project_count_deltas (
  department_id uuid    NOT NULL,
  project_id    uuid    NOT NULL,
  id            uuid    NOT NULL DEFAULT gen_random_uuid(),
  tasks         integer NOT NULL,
  completed     integer NOT NULL,
  CONSTRAINT project_count_deltas_pkey PRIMARY KEY (department_id, project_id, id) INCLUDE (tasks, completed),
  CONSTRAINT project_count_deltas_project_fkey FOREIGN KEY (department_id, project_id)
    REFERENCES synapse.projects_base (department_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE synapse.project_count_deltas IS
  'Project counter changes not merged yet: one row per project and statement, appended by the tasks counter trigger (as the owner of synapse.tasks); synapse.projects adds them to the base counters, synapse.merge_project_count_deltas folds them in.';

-- Read with the projects' own read rules (the view reads it as its reader); written only by
-- the owner (the counter trigger, the merge).
ALTER TABLE synapse.project_count_deltas ENABLE ROW LEVEL SECURITY;
CREATE POLICY project_count_deltas_read ON synapse.project_count_deltas FOR SELECT
  USING (department_id BETWEEN synapse._rls_departments_from() AND synapse._rls_departments_to());
CREATE POLICY project_count_deltas_readonly ON synapse.project_count_deltas FOR SELECT TO synapse_readonly USING (true);
GRANT SELECT ON synapse.project_count_deltas TO synapse_app, synapse_readonly;

-- --- the view the application reads ----------------------------------------------------------
-- Same columns, same order, same types as the table was. The counters are scalar
-- subqueries on the deltas' primary key (an index-only scan), evaluated only when a query
-- reads them: a query that does not name them costs what it cost on the table.
CREATE VIEW synapse.projects WITH (security_invoker = true) AS
SELECT p.department_id, p.id, p.name, p.description, p.status, p.owner_id, p.start_date, p.end_date,
       (p.task_count + coalesce((SELECT sum(d.tasks) FROM synapse.project_count_deltas d
                                  WHERE d.department_id = p.department_id AND d.project_id = p.id), 0))::integer
         AS task_count,
       (p.completed_task_count + coalesce((SELECT sum(d.completed) FROM synapse.project_count_deltas d
                                            WHERE d.department_id = p.department_id AND d.project_id = p.id), 0))::integer
         AS completed_task_count,
       p.created_at, p.updated_at, p.deleted_at
  FROM synapse.projects_base p;
COMMENT ON VIEW synapse.projects IS
  'Groups of tasks within one department; task_count/completed_task_count count its live, non-template tasks exactly (the merged counters plus the pending deltas) so dashboards need no COUNT. Insert, update and delete here; on Citus write synapse.projects_base (Citus modifies no view).';
GRANT SELECT, INSERT, UPDATE, DELETE ON synapse.projects TO synapse_app;
GRANT SELECT ON synapse.projects TO synapse_readonly;

-- --- merging ---------------------------------------------------------------------------------
-- Folds the pending deltas of the given projects of one department into their base counters,
-- in one statement (one snapshot): what it deletes is what it adds. The caller holds the
-- projects' row locks, so no other fold of them runs at the same time.
CREATE FUNCTION synapse._fold_project_count_deltas(department uuid, projects uuid[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  folded bigint;
BEGIN
  WITH gone AS (
    DELETE FROM synapse.project_count_deltas d
     WHERE d.department_id = department AND d.project_id = ANY (projects)
    RETURNING d.project_id, d.tasks, d.completed
  ), sums AS (
    SELECT g.project_id, sum(g.tasks) AS tasks, sum(g.completed) AS completed, count(*) AS n
      FROM gone g GROUP BY g.project_id
  ), merged AS (
    UPDATE synapse.projects_base p
       SET task_count = p.task_count + s.tasks, completed_task_count = p.completed_task_count + s.completed
      FROM sums s
     WHERE p.department_id = department AND p.id = s.project_id
    RETURNING s.n
  )
  SELECT coalesce(sum(m.n), 0) INTO folded FROM merged m;
  RETURN folded;
END
$$;
COMMENT ON FUNCTION synapse._fold_project_count_deltas(uuid, uuid[]) IS
  'merge_project_count_deltas helper: deletes the pending deltas of these projects of one department and adds them to their base counters in one statement; the caller holds the projects'' row locks. Returns the deltas folded.';

-- One department at a time (on Citus each statement is a router query), in department and
-- project order. A project whose row another transaction holds is skipped and merged next
-- time: the merge never waits for the application.
CREATE FUNCTION synapse.merge_project_count_deltas() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  dept uuid;
  ids uuid[];
  folded bigint := 0;
BEGIN
  FOR dept IN SELECT DISTINCT d.department_id FROM synapse.project_count_deltas d ORDER BY 1 LOOP
    SELECT array_agg(l.id) INTO ids FROM (
      SELECT p.id FROM synapse.projects_base p
       WHERE p.department_id = dept
         AND p.id IN (SELECT d.project_id FROM synapse.project_count_deltas d WHERE d.department_id = dept)
       ORDER BY p.id
         FOR NO KEY UPDATE SKIP LOCKED) AS l;
    IF ids IS NOT NULL THEN
      folded := folded + synapse._fold_project_count_deltas(dept, ids);
    END IF;
  END LOOP;
  RETURN folded;
END
$$;
COMMENT ON FUNCTION synapse.merge_project_count_deltas() IS
  'Folds the pending project counter deltas into the base counters (synapse.projects_base), one department at a time, in one transaction; what synapse.projects shows does not change. Skips projects whose row another transaction holds. Returns the deltas folded. pg_cron runs it (schedule_project_count_merge).';

-- pg_cron is optional: without it these say so; any scheduler may run the merge instead.
-- The job's name makes scheduling idempotent (cron.schedule replaces a job of the same name
-- and user).
CREATE FUNCTION synapse.schedule_project_count_merge(schedule text DEFAULT '* * * * *') RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    RAISE EXCEPTION 'pg_cron is not installed in database %', pg_catalog.current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Install pg_cron (docs/operations.md), or run SELECT synapse.merge_project_count_deltas() from another scheduler.';
  END IF;
  RETURN cron.schedule('synapse-project-count-merge', schedule, 'SELECT synapse.merge_project_count_deltas()');
END
$$;
COMMENT ON FUNCTION synapse.schedule_project_count_merge(text) IS
  'Creates or updates the pg_cron job that runs synapse.merge_project_count_deltas() (default every minute; pg_cron 1.5 also takes ''10 seconds''); returns the job id. 55000 without pg_cron.';

CREATE FUNCTION synapse.unschedule_project_count_merge() RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    RAISE EXCEPTION 'pg_cron is not installed in database %', pg_catalog.current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'synapse-project-count-merge' AND username = current_user) THEN
    RETURN false;
  END IF;
  RETURN cron.unschedule('synapse-project-count-merge');
END
$$;
COMMENT ON FUNCTION synapse.unschedule_project_count_merge() IS
  'Removes the pg_cron job of synapse.merge_project_count_deltas(); false when there was none. 55000 without pg_cron.';

-- --- UPDATE and DELETE through the view --------------------------------------------------------
-- As the caller (its privileges and the projects' policies apply to the table). INSERT goes
-- through the view by itself (automatically updatable; INSERT ... ON CONFLICT included,
-- which an INSTEAD OF INSERT trigger would rule out); UPDATE and DELETE through this trigger,
-- so that statement triggers on the view fire for them as they did on the table. The
-- counters as read are written by folding the project's pending deltas into its row first
-- and then adding the change written (so task_count = task_count + 1 adds one to what
-- concurrent commits left, as an UPDATE of a table would), which needs the privilege to
-- delete deltas: the owner's. The application changes the counters by changing tasks.
CREATE FUNCTION synapse._projects_write_through_view() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  base synapse.projects_base;
BEGIN
  PERFORM synapse._require_trigger_use('synapse._projects_write_through_view()', 'the INSTEAD OF UPDATE OR DELETE row trigger of the view synapse.projects',
    '{projects}', '{"INSTEAD OF ROW UPDATE","INSTEAD OF ROW DELETE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  IF TG_OP = 'DELETE' THEN
    DELETE FROM synapse.projects_base p WHERE p.department_id = OLD.department_id AND p.id = OLD.id;
    IF NOT FOUND THEN
      RETURN NULL;  -- gone meanwhile, or the delete policy does not let the caller delete it
    END IF;
    RETURN OLD;
  END IF;
  UPDATE synapse.projects_base p
     SET department_id = NEW.department_id, id = NEW.id, name = NEW.name, description = NEW.description,
         status = NEW.status, owner_id = NEW.owner_id, start_date = NEW.start_date, end_date = NEW.end_date,
         created_at = NEW.created_at, updated_at = NEW.updated_at, deleted_at = NEW.deleted_at
   WHERE p.department_id = OLD.department_id AND p.id = OLD.id
  RETURNING p.* INTO base;
  IF NOT FOUND THEN
    RETURN NULL;  -- gone meanwhile, or the update policy does not let the caller write it
  END IF;
  IF (NEW.task_count, NEW.completed_task_count) IS DISTINCT FROM (OLD.task_count, OLD.completed_task_count) THEN
    IF NOT pg_catalog.has_table_privilege('synapse.project_count_deltas', 'DELETE') THEN
      RAISE EXCEPTION 'permission denied to set task_count or completed_task_count of project %', OLD.id
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'The counters follow the tasks; synapse.recount_project_tasks() repairs them.';
    END IF;
    PERFORM synapse._fold_project_count_deltas(base.department_id, ARRAY[base.id]);
    UPDATE synapse.projects_base p
       SET task_count = p.task_count + (NEW.task_count - OLD.task_count),
           completed_task_count = p.completed_task_count + (NEW.completed_task_count - OLD.completed_task_count)
     WHERE p.department_id = base.department_id AND p.id = base.id
    RETURNING p.* INTO base;
  END IF;
  -- The row as the view now shows it (for RETURNING).
  NEW.department_id := base.department_id; NEW.id := base.id; NEW.name := base.name;
  NEW.description := base.description; NEW.status := base.status; NEW.owner_id := base.owner_id;
  NEW.start_date := base.start_date; NEW.end_date := base.end_date;
  NEW.task_count := base.task_count + coalesce((SELECT sum(d.tasks) FROM synapse.project_count_deltas d
                                                 WHERE d.department_id = base.department_id AND d.project_id = base.id), 0);
  NEW.completed_task_count := base.completed_task_count + coalesce((SELECT sum(d.completed) FROM synapse.project_count_deltas d
                                                                     WHERE d.department_id = base.department_id AND d.project_id = base.id), 0);
  NEW.created_at := base.created_at; NEW.updated_at := base.updated_at; NEW.deleted_at := base.deleted_at;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION synapse._projects_write_through_view() IS
  'INSTEAD OF UPDATE OR DELETE row trigger of the view synapse.projects: updates or deletes the row of synapse.projects_base as the caller; a change of the counters (the owner''s only) folds the project''s pending deltas first, then adds the change.';
CREATE TRIGGER projects_write_through_view INSTEAD OF UPDATE OR DELETE ON synapse.projects
  FOR EACH ROW EXECUTE FUNCTION synapse._projects_write_through_view();

-- --- repair ----------------------------------------------------------------------------------
-- As migration 12's, and the base becomes the fresh count minus the deltas pending in the
-- same snapshot (one statement), so that what synapse.projects shows equals the count.
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
               WHERE project IS NULL OR d.id IN (SELECT p.department_id FROM synapse.projects_base p WHERE p.id = project)
               ORDER BY d.id LOOP
    SELECT count(*) INTO locked FROM (
      SELECT 1 FROM synapse.projects_base p
       WHERE p.department_id = dept AND (project IS NULL OR p.id = project)
       ORDER BY p.id
         FOR NO KEY UPDATE) AS l;
    found_any := found_any OR locked > 0;
    WITH fresh AS (
      SELECT p.department_id, p.id,
             count(t.id)::integer AS tasks,
             (count(t.id) FILTER (WHERE t.status = 'Done'))::integer AS completed
        FROM synapse.projects_base p
        LEFT JOIN synapse.tasks t
          ON t.department_id = p.department_id AND t.project_id = p.id
         AND NOT t.is_recurring AND t.deleted_at IS NULL
       WHERE p.department_id = dept AND (project IS NULL OR p.id = project)
       GROUP BY p.department_id, p.id
    ), pending AS (
      SELECT d.project_id, sum(d.tasks)::integer AS tasks, sum(d.completed)::integer AS completed
        FROM synapse.project_count_deltas d
       WHERE d.department_id = dept AND (project IS NULL OR d.project_id = project)
       GROUP BY d.project_id
    ), fixed AS (
      UPDATE synapse.projects_base p
         SET task_count = f.tasks - coalesce(q.tasks, 0), completed_task_count = f.completed - coalesce(q.completed, 0)
        FROM fresh f LEFT JOIN pending q ON q.project_id = f.id
       WHERE p.department_id = dept AND p.department_id = f.department_id AND p.id = f.id
         AND (p.task_count + coalesce(q.tasks, 0), p.completed_task_count + coalesce(q.completed, 0))
             IS DISTINCT FROM (f.tasks, f.completed)
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
  'Repairs project counters: makes task_count/completed_task_count of the project (NULL: every project), as synapse.projects shows them, equal a fresh count of its live, non-template tasks, one department at a time; returns how many projects it corrected. 22023 for an unknown project.';

-- --- the counter trigger appends --------------------------------------------------------------
DROP TRIGGER tasks_apply_project_counts ON synapse.tasks;
CREATE TRIGGER tasks_apply_project_counts
  AFTER INSERT OR DELETE OR UPDATE ON synapse.tasks
  FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_apply_project_counts('deltas');

-- --- owner and functions: everything synapse_migrate's, the functions nobody else's --------------
-- The counter trigger appends as the owner of synapse.tasks, synapse_migrate (migration 5).
ALTER TABLE synapse.project_count_deltas OWNER TO synapse_migrate;
ALTER VIEW synapse.projects OWNER TO synapse_migrate;
ALTER FUNCTION synapse._fold_project_count_deltas(uuid, uuid[]) OWNER TO synapse_migrate;
ALTER FUNCTION synapse.merge_project_count_deltas() OWNER TO synapse_migrate;
ALTER FUNCTION synapse.schedule_project_count_merge(text) OWNER TO synapse_migrate;
ALTER FUNCTION synapse.unschedule_project_count_merge() OWNER TO synapse_migrate;
ALTER FUNCTION synapse._projects_write_through_view() OWNER TO synapse_migrate;
REVOKE ALL ON FUNCTION synapse._fold_project_count_deltas(uuid, uuid[]), synapse.merge_project_count_deltas(),
                       synapse.schedule_project_count_merge(text), synapse.unschedule_project_count_merge(),
                       synapse._projects_write_through_view()
  FROM PUBLIC;
