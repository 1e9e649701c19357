-- requires: synapse_ext >= 0.1.0
-- Migration 17: an assignment's "my tasks" copies given by its writer are checked once per
-- statement instead of read per row (issue 25, docs/search.md "My tasks", docs/citus.md
-- finding 25).
--
-- Migration 10's row trigger reads the task of every new assignment (task_open,
-- task_due_key, task_priority, FOR SHARE). On Citus that read, from the assignment's shard,
-- is a distributed query of its own, and generation spent most of its time there (two
-- assignees per instance: about 5 of 7 seconds for 19,000 instances). Now:
--   - an assignment inserted with all three copies given goes in as given, and
--     task_assignees_check_copies, after the statement's last row, locks the statement's
--     tasks (FOR SHARE, as the row trigger did: a concurrent change of a task waits for this
--     transaction, and one that committed first is what the check then reads) and compares,
--     one department at a time: two queries per department and statement, each a router
--     query on Citus. Any assignment whose copies are not its task's facts, whoever gave
--     them, is read from its task again by the row trigger;
--   - an assignment inserted with a copy left out (NULL: the columns have no default any
--     more) is read per row by migration 10's trigger as before, and so is every UPDATE of
--     an assignment's task or copies.
-- Whoever may insert an assignment may give its copies (wrong ones are read again); recurring
-- generation gives them from the instances it has just inserted (synapse_ext 0.3.0; an older
-- generator leaves them out, and they are read per row).

CREATE FUNCTION synapse._task_assignees_check_copies() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  given record;
  wrong uuid[];
BEGIN
  PERFORM synapse._require_trigger_use('synapse._task_assignees_check_copies()', 'the AFTER INSERT statement trigger of synapse.task_assignees',
    '{task_assignees}', '{"AFTER STATEMENT INSERT"}', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_WHEN, TG_LEVEL, TG_OP);
  -- The statement's rows as arrays per department: every query below names one department
  -- and no transition table, so that on Citus each is a router query to its shard.
  FOR given IN SELECT n.department_id, pg_catalog.array_agg(n.task_id) AS task_ids,
                      pg_catalog.array_agg(n.task_open) AS opens, pg_catalog.array_agg(n.task_due_key) AS due_keys,
                      pg_catalog.array_agg(n.task_priority) AS priorities
                 FROM new_assignments n
                GROUP BY n.department_id ORDER BY n.department_id LOOP
    PERFORM 1 FROM synapse.tasks t
      WHERE t.department_id OPERATOR(pg_catalog.=) given.department_id
        AND t.id OPERATOR(pg_catalog.=) ANY (given.task_ids)
        FOR SHARE;
    -- Locked: what this statement reads now stays the tasks' state until this transaction
    -- ends. A task that is not there was reported by the foreign key check already.
    SELECT pg_catalog.array_agg(DISTINCT g.task_id) INTO wrong
      FROM ROWS FROM (pg_catalog.unnest(given.task_ids), pg_catalog.unnest(given.opens),
                      pg_catalog.unnest(given.due_keys), pg_catalog.unnest(given.priorities))
             AS g(task_id, task_open, task_due_key, task_priority)
      JOIN synapse.tasks t ON t.department_id OPERATOR(pg_catalog.=) given.department_id
                          AND t.id OPERATOR(pg_catalog.=) g.task_id
     WHERE (g.task_open, g.task_due_key, g.task_priority)
           IS DISTINCT FROM (synapse._task_is_open(t.status, t.deleted_at, t.is_recurring),
                             coalesce(t.due_date, 'infinity'::pg_catalog.timestamptz), t.priority);
    IF wrong IS NOT NULL THEN
      -- Left out, the copies are read from the task by task_assignees_copy_task.
      UPDATE synapse.task_assignees a
         SET task_open = NULL, task_due_key = NULL, task_priority = NULL
       WHERE a.department_id OPERATOR(pg_catalog.=) given.department_id
         AND a.task_id OPERATOR(pg_catalog.=) ANY (wrong);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION synapse._task_assignees_check_copies() IS
  'AFTER INSERT statement trigger on task_assignees: checks the "my tasks" copies the statement''s rows were given against their tasks (locked FOR SHARE), one department at a time, and has the wrong ones read from the task again.';

ALTER TABLE synapse.task_assignees
  ALTER COLUMN task_open DROP DEFAULT,
  ALTER COLUMN task_due_key DROP DEFAULT;

-- The row trigger reads an inserted assignment's task only when a copy was left out; an
-- UPDATE of the assignment's task or copies is read as before.
DROP TRIGGER task_assignees_copy_task ON synapse.task_assignees;
CREATE TRIGGER task_assignees_copy_task
  BEFORE UPDATE OF department_id, task_id, task_open, task_due_key, task_priority
  ON synapse.task_assignees
  FOR EACH ROW EXECUTE FUNCTION synapse._task_assignees_copy_task();
CREATE TRIGGER task_assignees_copy_task_on_insert
  BEFORE INSERT ON synapse.task_assignees
  FOR EACH ROW WHEN (NEW.task_open IS NULL OR NEW.task_due_key IS NULL OR NEW.task_priority IS NULL)
  EXECUTE FUNCTION synapse._task_assignees_copy_task();
CREATE TRIGGER task_assignees_check_copies
  AFTER INSERT ON synapse.task_assignees
  REFERENCING NEW TABLE AS new_assignments
  FOR EACH STATEMENT EXECUTE FUNCTION synapse._task_assignees_check_copies();

-- SECURITY DEFINER as the table's owner, like migration 10's copy trigger; executable by
-- no group.
ALTER FUNCTION synapse._task_assignees_check_copies() OWNER TO synapse_migrate;
REVOKE ALL ON FUNCTION synapse._task_assignees_check_copies() FROM PUBLIC;
