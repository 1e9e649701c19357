-- Helpers of the pgTAP files tests/e2e/*.sql, which include this file (\ir data/pgtap_helpers.sql)
-- after plan(): functions in pg_temp, gone with the session. Each runs as its caller.

-- lives_undone(SQL, DESCRIPTION): SQL succeeds; what it did is rolled back (its own
-- subtransaction), as a client's BEGIN; ...; ROLLBACK would.
CREATE FUNCTION pg_temp.lives_undone(sql text, description text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    EXECUTE sql;
    RAISE SQLSTATE 'UNDO0';
  EXCEPTION WHEN SQLSTATE 'UNDO0' THEN
    RETURN tap.pass(description);
  END;
EXCEPTION WHEN OTHERS THEN
  RETURN tap.fail(description) || E'\n' || tap.diag('    died: ' || SQLSTATE || ': ' || SQLERRM);
END
$$;

-- changed(SQL): how many rows the data-changing statement SQL affected; what it did is rolled
-- back (its own subtransaction), as a client's BEGIN; ...; ROLLBACK would.
CREATE FUNCTION pg_temp.changed(sql text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  affected integer;
BEGIN
  EXECUTE sql;
  GET DIAGNOSTICS affected = ROW_COUNT;
  RAISE SQLSTATE 'UNDO0';
EXCEPTION WHEN SQLSTATE 'UNDO0' THEN
  RETURN affected;
END
$$;

-- act_as(MEMBER, USER_ID): what follows runs as the role MEMBER (SET LOCAL ROLE; a member of
-- synapse_app or synapse_readonly) acting for the Synapse user USER_ID, as a login's new
-- transaction would: the identity is cleared, then MEMBER calls synapse.set_current_user
-- (not for NULL: then it acts for nobody, as synapse_readonly always does). Until the next
-- act_as or RESET ROLE (the superuser again, past row-level security); the identity lasts
-- until the transaction ends or the next act_as. MEMBER needs USAGE on schema tap to run pgTAP.
CREATE PROCEDURE pg_temp.act_as(member name, user_id uuid) LANGUAGE plpgsql AS $$
BEGIN
  RESET ROLE;
  PERFORM synapse.set_current_user(NULL);
  EXECUTE format('SET LOCAL ROLE %I', member);
  IF user_id IS NOT NULL THEN
    PERFORM synapse.set_current_user(user_id);
  END IF;
END
$$;
