-- requires: synapse_ext >= 0.3.0
-- Migration 15: the generator's advance of a template is a HOT update (issue 25,
-- docs/generation.md "Scale", docs/performance.md "Recurring generation").
--
-- Every batch moves its templates' next_occurrence (and recurrence_generated_count). While
-- next_occurrence was indexed (migration 3's tasks_recurring_due_idx, migration 7's claim
-- index), PostgreSQL 15 could not update a template in place: each advance wrote a new
-- entry into every index of tasks, the GIN indexes of search included, and cost about as
-- much as the instance it paid for. PostgreSQL 15 updates a row in place (HOT, heap-only)
-- only when no column any index uses (as a key, INCLUDE column, in an expression or a
-- predicate) changes and the new row version fits on the same page. So:
--   - next_occurrence leaves the indexes of tasks. The generator claims a department's due
--     templates, oldest first, through synapse.template_schedule, a narrow table with one
--     row per template that generation may claim (is_recurring, not deleted, a
--     next_occurrence) and an index on (department_id, next_occurrence). The generator
--     moves its rows with the templates (synapse_ext 0.3.0, docs/generation.md), triggers
--     on tasks do for every other writer.
--   - tasks keeps 10% of every page it fills free (fillfactor 90), so a template's new
--     version finds room beside the old one; old versions are pruned on a later visit to
--     the page. Pages written before this migration stay as full as they were: there a
--     template's first advance moves it to a page with room, and it is HOT from then on.
--   - The overdue view finds the templates through a partial index on department_id, whose
--     columns an advance does not change either.

-- --- the templates by next occurrence ----------------------------------------------------------
-- A row's next_occurrence is never later than its template's: a change that could make the
-- template due earlier (created, made recurring again, undeleted, next_occurrence set, moved
-- earlier or from NULL, moved to another department) rewrites it, a change after which
-- generation may not claim the template (not recurring, deleted, next_occurrence NULL, the
-- row deleted) removes it, and the generator writes the time it moved the template to. An
-- edit that moves a template later leaves the earlier time behind: the claim checks the
-- template's own columns, so that costs it a look at the template until the template is
-- claimed and its row rewritten, never an early or a missed occurrence.
-- No foreign key to tasks: Citus refuses ON UPDATE CASCADE on the distribution column, and
-- a template may move to another department (the triggers below move its row).
CREATE TABLE synapse.template_schedule (
  department_id   uuid        NOT NULL,
  task_id         uuid        NOT NULL,
  next_occurrence timestamptz NOT NULL,
  CONSTRAINT template_schedule_pkey PRIMARY KEY (department_id, task_id)
);
COMMENT ON TABLE synapse.template_schedule IS
  'Recurring generation''s claim index: one row per template generation may claim (is_recurring, not deleted, a next_occurrence), never later than the template''s next_occurrence. Kept by the generator and the tasks_keep_template_schedule triggers; nobody else reads or writes it.';
CREATE INDEX template_schedule_due_idx ON synapse.template_schedule (department_id, next_occurrence);

INSERT INTO synapse.template_schedule (department_id, task_id, next_occurrence)
SELECT department_id, id, next_occurrence FROM synapse.tasks
 WHERE is_recurring AND deleted_at IS NULL AND next_occurrence IS NOT NULL;

-- SECURITY DEFINER: whoever edits a template has no privilege on the schedule. It checks
-- its table and firing first, like every trigger function since migration 14 (42809);
-- its owner, synapse_migrate, may execute synapse._require_trigger_use.
CREATE FUNCTION synapse._tasks_keep_template_schedule() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM synapse._require_trigger_use('synapse._tasks_keep_template_schedule()', 'an AFTER row trigger of synapse.tasks',
    '{tasks}', '{"AFTER ROW INSERT","AFTER ROW UPDATE","AFTER ROW DELETE"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.department_id <> NEW.department_id OR OLD.id <> NEW.id)) THEN
    DELETE FROM synapse.template_schedule WHERE department_id = OLD.department_id AND task_id = OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN NULL;
  END IF;
  IF NEW.is_recurring AND NEW.deleted_at IS NULL AND NEW.next_occurrence IS NOT NULL THEN
    INSERT INTO synapse.template_schedule AS s (department_id, task_id, next_occurrence)
    VALUES (NEW.department_id, NEW.id, NEW.next_occurrence)
    ON CONFLICT (department_id, task_id) DO UPDATE SET next_occurrence = EXCLUDED.next_occurrence;
  ELSE
    DELETE FROM synapse.template_schedule WHERE department_id = NEW.department_id AND task_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION synapse._tasks_keep_template_schedule() IS
  'AFTER row trigger on tasks: writes a template''s row of synapse.template_schedule when the template may have become due earlier, and removes it when generation may no longer claim the template.';

-- The WHEN clauses are evaluated without calling the function: a plain task, an edit that
-- moves a template later and the generator's advance of one cost an expression each. (An
-- advance to NULL, at a series' end or a completion-anchored template's wait, calls it: the
-- row goes.) No column list on UPDATE: the BEFORE trigger tasks_schedule_template moves
-- next_occurrence when a series is edited, and a column list sees only the columns the
-- UPDATE names.
CREATE TRIGGER tasks_keep_template_schedule
  AFTER INSERT ON synapse.tasks
  FOR EACH ROW WHEN (NEW.is_recurring AND NEW.deleted_at IS NULL AND NEW.next_occurrence IS NOT NULL)
  EXECUTE FUNCTION synapse._tasks_keep_template_schedule();
CREATE TRIGGER tasks_keep_template_schedule_on_change
  AFTER UPDATE ON synapse.tasks
  FOR EACH ROW WHEN ((NEW.is_recurring AND NEW.deleted_at IS NULL AND NEW.next_occurrence IS NOT NULL)
                       <> (OLD.is_recurring AND OLD.deleted_at IS NULL AND OLD.next_occurrence IS NOT NULL)
                     OR (NEW.is_recurring AND NEW.deleted_at IS NULL AND NEW.next_occurrence < OLD.next_occurrence)
                     OR (OLD.is_recurring AND (NEW.department_id <> OLD.department_id OR NEW.id <> OLD.id)))
  EXECUTE FUNCTION synapse._tasks_keep_template_schedule();
CREATE TRIGGER tasks_keep_template_schedule_on_delete
  AFTER DELETE ON synapse.tasks
  FOR EACH ROW WHEN (OLD.is_recurring)
  EXECUTE FUNCTION synapse._tasks_keep_template_schedule();

-- --- next_occurrence out of the indexes of tasks -----------------------------------------------
DROP INDEX synapse.tasks_recurring_claim_idx;
DROP INDEX synapse.tasks_recurring_due_idx;
-- generation_overdue_templates (and the health figures built on it) reads templates through it.
CREATE INDEX tasks_templates_idx ON synapse.tasks (department_id) WHERE is_recurring AND deleted_at IS NULL;
ALTER TABLE synapse.tasks SET (fillfactor = 90);

-- --- ownership and access (docs/security.md) ---------------------------------------------------
-- Row-level security without a policy and no privilege for any group: only the owner
-- (generation, and the trigger's SECURITY DEFINER function) reads and writes it. Not FORCEd:
-- generation reads it as the owner, and Citus distributes it by department (docs/citus.md,
-- finding 22).
ALTER TABLE synapse.template_schedule OWNER TO synapse_migrate;
ALTER TABLE synapse.template_schedule ENABLE ROW LEVEL SECURITY;
ALTER FUNCTION synapse._tasks_keep_template_schedule() OWNER TO synapse_migrate;
REVOKE ALL ON FUNCTION synapse._tasks_keep_template_schedule() FROM PUBLIC;
