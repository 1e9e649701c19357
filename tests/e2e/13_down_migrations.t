#!/usr/bin/env bash
# Every down migration restores its predecessor exactly, and its up applies again after it.
# From nothing, for each migration N in turn: the catalog's fingerprint at N-1, up N, the
# fingerprint, down N, the fingerprint again (must equal the one at N-1), up N again (must
# equal the one after the first up). The fingerprint (tests/e2e/data/catalog_fingerprint.sql)
# covers every non-system schema, the database and the synapse_* roles; the probes at the
# end show that a change of each kind it covers changes it.
source "$(dirname "$0")/lib.sh"
DB=synapse_t13_down_migrations
fresh_db "$DB"

ERR=$(mktemp); trap 'rm -f "$ERR"' EXIT
M() { "$ROOT/scripts/migrate.sh" --db "$DB" "$@" 2>>"$ERR" || { tail -5 "$ERR" >&2; return 1; }; }
fingerprint() { psql_db "$DB" "$@" -f "$ROOT/tests/e2e/data/catalog_fingerprint.sql"; }
# same LABEL A B: ok when the fingerprints A and B are equal, else their difference.
same() {
  if [ "$2" = "$3" ]; then ok "$1 ($(grep -c . <<<"$2") catalog facts)"
  else not_ok "$1" "$(diff <(echo "$2") <(echo "$3") | head -40)"; fi
}

# The synapse_* roles are the cluster's, not the database's: an earlier test's migrations
# may have made them already. A down migration drops the roles its up makes, and cannot
# know they were there before, so their facts are left out of the down comparisons when
# they existed before the walk (on a fresh cluster none do and every role fact counts).
preexisting=$(psql_db postgres -c "SELECT string_agg(rolname, '|') FROM pg_roles WHERE rolname LIKE 'synapse\_%'")
[ -z "$preexisting" ] || echo "# roles made before this test, left out of the down comparisons: ${preexisting//|/, }"
without_preexisting_roles() {
  if [ -z "$preexisting" ]; then cat; else grep -Ev "^(role|member|setting) ($preexisting) " || true; fi
}

# Migration 19's down moves tasks.search_vector to the end of the table (lib.sh,
# without_positions): for that migration alone the positions of that table's columns are
# left out of its two comparisons; every other fact, the column's own definition included,
# must match.
declare -A columns_moved_by_down=([19]=synapse.tasks)

is "$(M version)" none "version before any migration"
versions=$(ls "$ROOT"/sql/migrations/*.up.sql | sed 's#.*/0*\([0-9]*\)_.*#\1#' | sort -n)
again=$(fingerprint)
for v in $versions; do
  before=$again; M up 1; up=$(fingerprint); M down 1; after=$(fingerprint)
  moved=${columns_moved_by_down[$v]:-} but=
  [ -z "$moved" ] || but=" (but the positions of the columns of $moved)"
  same "migration $v's down restores the catalog before it exactly$but" \
    "$(without_preexisting_roles <<<"$before" | without_positions "$moved")" \
    "$(without_preexisting_roles <<<"$after" | without_positions "$moved")"
  M up 1; again=$(fingerprint)
  same "migration $v applies again after its down, to the same catalog as its first up$but" \
    "$(without_positions "$moved" <<<"$up")" "$(without_positions "$moved" <<<"$again")"
done
is "$(M version)" "$(tail -1 <<<"$versions")" "and the walk ends at the latest migration"

# --- the fingerprint sees each kind of change it claims to cover -----------------------------
# Each probe changes one thing in a transaction that is rolled back, and must change the
# fingerprint; a blind spot here would let a wrong down migration pass above.
latest=$again
FINGERPRINT=$ROOT/tests/e2e/data/catalog_fingerprint.sql
probed() { psql_db "$DB" -c "BEGIN" -c "$1" -f "$FINGERPRINT" -c "ROLLBACK" 2>&1; }
# probe KIND WHAT SQL: SQL changes the fingerprint, in a line about KIND (its first word).
probe() {
  local out changed
  if ! out=$(probed "$3"); then not_ok "the fingerprint sees $2" "the probe failed: $(tail -3 <<<"$out")"; return; fi
  changed=$(diff <(echo "$latest") <(echo "$out") | sed -n 's/^[<>] //p' || true)
  if grep -q "^$1 " <<<"$changed"; then ok "the fingerprint sees $2 (in its $1 lines)"
  else not_ok "the fingerprint sees $2 (in its $1 lines)" "changed lines: ${changed:-none}"; fi
}
is "$(probed "INSERT INTO synapse.departments (name) VALUES ('t13 probe')")" "$latest" \
   "a row of data is no catalog fact: the fingerprint stays the same"
probe column      "a column's default"         "ALTER TABLE synapse.tasks ALTER COLUMN priority SET DEFAULT 'High'"
probe column      "a column's type"            "ALTER TABLE synapse.comments ALTER COLUMN content TYPE varchar(100000)"
probe column      "a generated expression"     "ALTER TABLE synapse.tasks DROP COLUMN search_vector CASCADE; ALTER TABLE synapse.tasks ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED"
probe constraint  "a constraint"               "ALTER TABLE synapse.tasks DROP CONSTRAINT tasks_recurrence_pattern_valid"
probe index       "an index"                   "DROP INDEX synapse.tasks_metadata_idx"
probe function    "a function's body"          "CREATE OR REPLACE FUNCTION synapse._set_updated_at() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN RETURN NEW; END\$\$"
probe function    "a function's SET setting"   "ALTER FUNCTION synapse._rls_is_task_assignee(uuid, uuid) RESET ALL"
probe function    "SECURITY DEFINER"           "ALTER FUNCTION synapse._rls_is_task_assignee(uuid, uuid) SECURITY INVOKER"
probe function    "a function's volatility"    "ALTER FUNCTION synapse.recount_project_tasks(uuid) STABLE"
probe function    "a function's privileges"    "GRANT EXECUTE ON FUNCTION synapse.recount_project_tasks(uuid) TO synapse_readonly"
probe relation    "an owner"                   "ALTER TABLE synapse.comments OWNER TO postgres"
probe trigger     "a trigger"                  "ALTER TABLE synapse.tasks DISABLE TRIGGER tasks_schedule_template"
probe policy      "a policy"                   "DROP POLICY users_update ON synapse.users"
probe relation    "row-level security"         "ALTER TABLE synapse.projects_base NO FORCE ROW LEVEL SECURITY; ALTER TABLE synapse.departments NO FORCE ROW LEVEL SECURITY"
probe relation    "a view's options"           "ALTER VIEW synapse.generation_recent_runs RESET (security_invoker)"
probe relation    "a table's privileges"       "REVOKE SELECT ON synapse.tasks FROM synapse_readonly"
probe column      "a column's privileges"      "GRANT UPDATE (name) ON synapse.users TO synapse_readonly"
probe comment     "a comment"                  "COMMENT ON COLUMN synapse.tasks.title IS 'changed'"
probe type        "an enum label"              "ALTER TYPE synapse.task_priority ADD VALUE 'Someday'"
probe sequence    "a sequence"                 "ALTER SEQUENCE synapse.task_external_id_seq INCREMENT BY 2"
probe default-acl "default privileges"         "ALTER DEFAULT PRIVILEGES FOR ROLE synapse_migrate IN SCHEMA synapse GRANT SELECT ON TABLES TO synapse_monitoring"
probe setting     "the database's settings"    "ALTER DATABASE $DB RESET search_path"
probe role        "a role's attributes"        "ALTER ROLE synapse_worker BYPASSRLS"
probe member      "a role's membership"        "GRANT synapse_readonly TO synapse_worker"
probe relation    "an object outside synapse"  "CREATE TABLE public.t13_stray (id int)"
probe extension   "an extension"               "DROP EXTENSION btree_gin CASCADE"
is "$(fingerprint)" "$latest" "... and after the probes, rolled back, the fingerprint is as before"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
