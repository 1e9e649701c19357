-- requires: synapse_ext >= 0.3.0
-- Migration 19: tasks.search_vector is computed when a task's text is written (insert, or an
-- update of title, description or search_vector itself) instead of on every update (issue
-- 25, docs/search.md "The search document", docs/generation.md "Scale").
--
-- It was a stored generated column. PostgreSQL 15 recomputes a table's stored generated
-- columns on every UPDATE as soon as the table has a BEFORE UPDATE row trigger (tasks has
-- three), whatever the UPDATE sets: each status change and each template advance of
-- recurring generation parsed and stemmed the title and description again. For the
-- generator's advance of 100,000 templates in batches of 100 that was 0.73 s of 1.55 s.
--
-- Now the column is an ordinary one that the BEFORE INSERT OR UPDATE trigger function
-- _tasks_before_write sets from synapse.task_search_vector(title, description), the
-- expression the column was generated from:
--   - on every INSERT, whatever the writer gave (a restored dump's value included), but
--     for the instances recurring generation inserts: they carry their template's title,
--     description and search vector, and synapse._generator_copies_search_vector() (the
--     extension's, 0.3.0) is true only while this backend's generator inserts them;
--   - on an UPDATE that changes title, description or search_vector. A writer who sets
--     search_vector itself gets the computed value, as from the generated column (which
--     refused the write instead); search always finds a task by its current text.
-- The trigger on UPDATE keeps its name and order (tasks_before_write_on_update runs first of
-- the BEFORE UPDATE triggers, and none after it changes the text); its WHEN condition gains
-- the three columns, so an update that changes none of them still passes it by.
--
-- DROP EXPRESSION keeps the column, its values (computed by the same expression) and the
-- indexes over it; nothing is rewritten.

ALTER TABLE synapse.tasks ALTER COLUMN search_vector DROP EXPRESSION;
COMMENT ON COLUMN synapse.tasks.search_vector IS
  'The weighted search document, synapse.task_search_vector(title, description): set by the trigger function _tasks_before_write on insert (an instance the generator inserts keeps its template''s, made of the same text) and whenever title, description or search_vector is updated.';

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
  -- The search document follows the text; no writer sets it (migration 19), but the
  -- generator gives an instance its template's, made of the same text.
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    IF NEW.search_vector IS NULL OR NEW.recurrence_parent_id IS NULL OR NOT synapse._generator_copies_search_vector() THEN
      NEW.search_vector := synapse.task_search_vector(NEW.title, NEW.description);
    END IF;
  ELSIF NEW.title IS DISTINCT FROM OLD.title OR NEW.description IS DISTINCT FROM OLD.description
        OR NEW.search_vector IS DISTINCT FROM OLD.search_vector THEN
    NEW.search_vector := synapse.task_search_vector(NEW.title, NEW.description);
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION synapse._tasks_before_write() IS
  'BEFORE INSERT/UPDATE trigger on tasks: keeps completed_at in step with status, defaults recurrence_start to the first next_occurrence and sets search_vector from title and description.';

DROP TRIGGER tasks_before_write_on_update ON synapse.tasks;
CREATE TRIGGER tasks_before_write_on_update BEFORE UPDATE ON synapse.tasks
  FOR EACH ROW
  WHEN (NEW.status IS DISTINCT FROM OLD.status OR NEW.completed_at IS DISTINCT FROM OLD.completed_at
        OR (NEW.is_recurring AND NEW.recurrence_start IS NULL)
        OR NEW.title IS DISTINCT FROM OLD.title OR NEW.description IS DISTINCT FROM OLD.description
        OR NEW.search_vector IS DISTINCT FROM OLD.search_vector)
  EXECUTE FUNCTION synapse._tasks_before_write();
