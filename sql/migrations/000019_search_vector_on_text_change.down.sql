-- Undo migration 19: tasks.search_vector is a stored generated column again, and
-- _tasks_before_write leaves it alone.
--
-- PostgreSQL 15 cannot give an existing column a generation expression, so the column is
-- dropped and added again: the table is rewritten, the two indexes over the column are
-- built again, and search_vector comes back as the last of the table's columns instead of
-- the twelfth (the only difference from the catalog before migration 19, which
-- tests/e2e/13_down_migrations.t checks).

DROP TRIGGER tasks_before_write_on_update ON synapse.tasks;
CREATE TRIGGER tasks_before_write_on_update BEFORE UPDATE ON synapse.tasks
  FOR EACH ROW
  WHEN (NEW.status IS DISTINCT FROM OLD.status OR NEW.completed_at IS DISTINCT FROM OLD.completed_at
        OR (NEW.is_recurring AND NEW.recurrence_start IS NULL))
  EXECUTE FUNCTION synapse._tasks_before_write();

CREATE OR REPLACE FUNCTION synapse._tasks_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._tasks_before_write()', 'the BEFORE INSERT OR UPDATE row trigger of synapse.tasks',
    '{tasks}', '{"BEFORE ROW INSERT","BEFORE ROW UPDATE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  -- completed_at follows status, so "completed when" needs no client cooperation (the
  -- completion anchor of recurring series computes from it).
  IF NEW.status = 'Done' THEN
    NEW.completed_at := coalesce(NEW.completed_at, pg_catalog.now());
  ELSE
    NEW.completed_at := NULL;
  END IF;
  -- A template's series starts at its first occurrence unless told otherwise.
  IF NEW.is_recurring AND NEW.recurrence_start IS NULL THEN
    NEW.recurrence_start := NEW.next_occurrence;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION synapse._tasks_before_write() IS
  'BEFORE INSERT/UPDATE trigger on tasks: keeps completed_at in step with status and defaults recurrence_start to the first next_occurrence.';

ALTER TABLE synapse.tasks DROP COLUMN search_vector;
ALTER TABLE synapse.tasks ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (synapse.task_search_vector(title, description)) STORED;
CREATE INDEX tasks_department_search_idx ON synapse.tasks USING gin (department_id, search_vector);
CREATE INDEX tasks_search_keys_idx ON synapse.tasks USING gin (synapse._search_keys(department_id, search_vector));
