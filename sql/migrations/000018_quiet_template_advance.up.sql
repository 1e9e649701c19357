-- requires: synapse_ext >= 0.1.0
-- Migration 18: an update of a task that changes none of what a BEFORE UPDATE trigger
-- keeps passes that trigger by, and every trigger function's check of where it fires costs
-- less (issue 25, docs/generation.md "Scale").
--
-- Recurring generation advances every template it serves: an UPDATE of next_occurrence,
-- the count and updated_at, 100 rows a batch. Each such row ran two PL/pgSQL triggers that
-- change nothing there:
--   - _tasks_before_write keeps completed_at in step with status and fills a template's
--     recurrence_start. On UPDATE it now runs only when status or completed_at change, or a
--     template is left without recurrence_start: a row that changes neither already had
--     completed_at in step (the trigger kept it on every earlier write);
--   - _set_updated_at sets updated_at to now(). On tasks it now runs only when the new row's
--     updated_at is not now() already, which is the value it would set: a writer that sets
--     updated_at = now() itself (the generator does) saves the call, and anyone else's
--     value, older or newer, is replaced as before.
-- Both conditions are evaluated by the executor, without a function call, and the triggers'
-- order is unchanged (BEFORE triggers run in name order: tasks_before_write_on_update,
-- tasks_schedule_template, tasks_set_updated_at).
--
-- _require_trigger_use compared the table's name with its own tables after stripping a
-- Citus shard suffix with a regular expression, on every firing of every trigger function;
-- the plain name is now compared first, and the expression is left for shards.

CREATE OR REPLACE FUNCTION synapse._require_trigger_use(trigger_function text, intended_use text, own_tables text[],
                                                        own_firings text[], tg_table_schema name, tg_table_name name,
                                                        tg_when text, tg_level text, tg_op text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF tg_table_schema OPERATOR(pg_catalog.=) 'synapse'
     AND (tg_table_name::text OPERATOR(pg_catalog.=) ANY (own_tables)
          OR pg_catalog.regexp_replace(tg_table_name::text, '(.)_[0-9]+$', '\1') OPERATOR(pg_catalog.=) ANY (own_tables))
     AND (tg_when OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) tg_level OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) tg_op)
         OPERATOR(pg_catalog.=) ANY (own_firings) THEN
    RETURN;
  END IF;
  RAISE EXCEPTION '% is %, not of %.% (% % FOR EACH %)',
    trigger_function, intended_use, tg_table_schema, tg_table_name, tg_when, tg_op, tg_level
    USING ERRCODE = 'wrong_object_type';
END
$$;

DROP TRIGGER tasks_before_write ON synapse.tasks;
CREATE TRIGGER tasks_before_write BEFORE INSERT ON synapse.tasks
  FOR EACH ROW EXECUTE FUNCTION synapse._tasks_before_write();
CREATE TRIGGER tasks_before_write_on_update BEFORE UPDATE ON synapse.tasks
  FOR EACH ROW
  WHEN (NEW.status IS DISTINCT FROM OLD.status OR NEW.completed_at IS DISTINCT FROM OLD.completed_at
        OR (NEW.is_recurring AND NEW.recurrence_start IS NULL))
  EXECUTE FUNCTION synapse._tasks_before_write();

DROP TRIGGER tasks_set_updated_at ON synapse.tasks;
CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE ON synapse.tasks
  FOR EACH ROW WHEN (NEW.updated_at IS DISTINCT FROM pg_catalog.now())
  EXECUTE FUNCTION synapse._set_updated_at();
