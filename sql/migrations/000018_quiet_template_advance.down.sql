-- Undo migration 18: both BEFORE UPDATE triggers of tasks run for every row again, and
-- _require_trigger_use strips a shard suffix before every comparison.
DROP TRIGGER tasks_set_updated_at ON synapse.tasks;
CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE ON synapse.tasks
  FOR EACH ROW EXECUTE FUNCTION synapse._set_updated_at();

DROP TRIGGER tasks_before_write_on_update ON synapse.tasks;
DROP TRIGGER tasks_before_write ON synapse.tasks;
CREATE TRIGGER tasks_before_write BEFORE INSERT OR UPDATE ON synapse.tasks
  FOR EACH ROW EXECUTE FUNCTION synapse._tasks_before_write();

CREATE OR REPLACE FUNCTION synapse._require_trigger_use(trigger_function text, intended_use text, own_tables text[],
                                             own_firings text[], tg_table_schema name, tg_table_name name,
                                             tg_when text, tg_level text, tg_op text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF tg_table_schema OPERATOR(pg_catalog.=) 'synapse'
     AND pg_catalog.regexp_replace(tg_table_name::text, '(.)_[0-9]+$', '\1') OPERATOR(pg_catalog.=) ANY (own_tables)
     AND (tg_when OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) tg_level OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) tg_op)
         OPERATOR(pg_catalog.=) ANY (own_firings) THEN
    RETURN;
  END IF;
  RAISE EXCEPTION '% is %, not of %.% (% % FOR EACH %)',
    trigger_function, intended_use, tg_table_schema, tg_table_name, tg_when, tg_op, tg_level
    USING ERRCODE = 'wrong_object_type';
END
$$;
