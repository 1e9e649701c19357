#!/usr/bin/env bash
# Migrations: up to the latest, down to zero, up again, on an empty database and on one
# holding the seed data; the runner's bookkeeping (golang-migrate's schema_migrations),
# step/goto, failure rollback, dirty refusal; catalog-wide properties of the schema.
source "$(dirname "$0")/lib.sh"
DB=synapse_t10_migrations
fresh_db "$DB"

ERR=$(mktemp); trap 'rm -f "$ERR"' EXIT
# M: the runner on this database; its progress goes to $ERR, shown only when it fails
# unexpectedly (then set -e ends the test, which prove reports as a failure).
M() { "$ROOT/scripts/migrate.sh" --db "$DB" "$@" 2>>"$ERR" || { tail -5 "$ERR" >&2; return 1; }; }
# M_fails: the runner where a failure is the expected outcome.
M_fails() { ! "$ROOT/scripts/migrate.sh" --db "$DB" "$@" 2>>"$ERR"; }
q() { psql_db "$DB" -c "$1"; }
latest=$(ls "$ROOT"/sql/migrations/*.up.sql | sed 's#.*/0*\([0-9]*\)_.*#\1#' | sort -n | tail -1)
ROLES="'synapse_app','synapse_migrate','synapse_readonly','synapse_monitoring','synapse_worker'"

is "$(M version)" none "version before any migration"

# --- files are transaction-safe and secret-free --------------------------------------
bad=$(grep -EilI '^\s*(BEGIN|COMMIT|ROLLBACK)\s*;|CONCURRENTLY|\bPASSWORD\b' "$ROOT"/sql/migrations/*.sql || true)
is "$bad" "" "no transaction control, CONCURRENTLY or PASSWORD in any migration file"

# --- stepwise -----------------------------------------------------------------------
M up 2; is "$(M version)" 2 "up 2 applies two migrations"
M goto 4; is "$(M version)" 4 "goto 4 goes up"
M down; is "$(M version)" 3 "down (default 1 step) reverts one"
M up; is "$(M version)" "$latest" "up applies the rest"
is "$(q "SELECT version || ' ' || dirty FROM public.schema_migrations")" "$latest false" \
   "schema_migrations holds the single golang-migrate row (version, dirty=false)"
is "$(q "SELECT count(*) FROM public.schema_migrations")" 1 "exactly one row"
M up; is "$(M version)" "$latest" "up when up to date changes nothing"

# That every down restores its predecessor's catalog exactly: 13_down_migrations.t.

# --- the schema ---------------------------------------------------------------------
is "$(psql_db "$DB" -c 'SHOW search_path')" "synapse, public" "new sessions resolve synapse first"
is "$(q "SELECT count(*) FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = 'synapse'::regnamespace AND d.deptype = 'e'")" 0 \
   "schema synapse is not a member of any extension"
is "$(sqlstate_of "$DB" 'DROP EXTENSION synapse_ext')" 2BP01 "DROP EXTENSION synapse_ext refuses while tables use it"
is "$(q "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'")" 0 "pg_cron is not created by migrations"

is "$(q "SELECT string_agg(c.relname, ',') FROM pg_class c WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind IN ('r','p') AND obj_description(c.oid, 'pg_class') IS NULL")" "" \
   "every table has a COMMENT"
is "$(q "SELECT string_agg(p.oid::regprocedure::text, ',') FROM pg_proc p WHERE p.pronamespace = 'synapse'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')")" "" \
   "every migration function has a COMMENT"

# Every foreign key's columns are the leading columns (in any order) of a non-partial index.
uncovered=$(q "
  SELECT string_agg(c.conname, ',')
    FROM pg_constraint c
   WHERE c.contype = 'f' AND c.connamespace = 'synapse'::regnamespace
     AND NOT EXISTS (
       SELECT 1 FROM pg_index i
        WHERE i.indrelid = c.conrelid AND i.indpred IS NULL
          AND i.indnatts >= array_length(c.conkey, 1)
          AND (SELECT array_agg(k ORDER BY k) FROM unnest((i.indkey::int2[])[0:array_length(c.conkey, 1) - 1]) k)
              = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) k))")
is "$uncovered" "" "every foreign key is covered by an index"

# Citus readiness: the tenant tables carry department_id in every primary/unique key and
# reference each other through it.
notenant=$(q "
  SELECT string_agg(i.indexrelid::regclass::text, ',')
    FROM pg_index i
   WHERE i.indisunique
     AND i.indrelid IN ('synapse.projects_base'::regclass, 'synapse.project_count_deltas'::regclass,
                        'synapse.tasks'::regclass, 'synapse.task_assignees'::regclass,
                        'synapse.task_dependencies'::regclass, 'synapse.comments'::regclass)
     AND NOT (SELECT attnum FROM pg_attribute WHERE attrelid = i.indrelid AND attname = 'department_id') = ANY (i.indkey::int2[])")
is "$notenant" "" "every unique key of a tenant table includes department_id"
singlecol=$(q "
  SELECT string_agg(c.conname, ',') FROM pg_constraint c
   WHERE c.contype = 'f'
     AND c.conrelid IN ('synapse.tasks'::regclass, 'synapse.task_assignees'::regclass,
                        'synapse.task_dependencies'::regclass, 'synapse.comments'::regclass,
                        'synapse.project_count_deltas'::regclass)
     AND c.confrelid IN ('synapse.projects_base'::regclass, 'synapse.tasks'::regclass)
     AND array_length(c.conkey, 1) < 2")
is "$singlecol" "" "foreign keys between tenant tables are composite (department_id, ...)"

noupd=$(q "
  SELECT string_agg(a.attrelid::regclass::text, ',')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
   WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind = 'r' AND a.attname = 'updated_at'
     AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = a.attrelid AND t.tgfoid = 'synapse._set_updated_at()'::regprocedure)")
is "$noupd" "" "every table with updated_at has the updated_at trigger"
is "$(q "SELECT count(*) FROM pg_class WHERE relnamespace = 'synapse'::regnamespace AND relkind IN ('r', 'p') AND NOT relrowsecurity")" 0 \
   "row-level security on every table (migration 14)"
is "$(q "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'synapse'::regnamespace AND relforcerowsecurity")" \
   "departments,email_integrations,email_processing_log" \
   "RLS is FORCEd only where no code running as the owner reads the table (docs/security.md)"
is "$(q "SELECT pg_get_indexdef('synapse.tasks_metadata_idx'::regclass) LIKE '%gin (metadata jsonb_path_ops)%'")" t \
   "tasks.metadata has a jsonb_path_ops GIN index"
is "$(q "SELECT attgenerated = '' AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'synapse.tasks'::regclass AND tgname = 'tasks_before_write'
                                                  AND tgfoid = 'synapse._tasks_before_write()'::regprocedure)
          FROM pg_attribute WHERE attrelid = 'synapse.tasks'::regclass AND attname = 'search_vector'")" t \
   "tasks.search_vector is kept by the trigger _tasks_before_write, no longer generated on every update (migration 19)"

# --- roles ----------------------------------------------------------------------------
is "$(q "SELECT string_agg(rolname || ':' || rolcanlogin || ':' || (rolpassword IS NULL), ',' ORDER BY rolname) FROM pg_authid WHERE rolname IN ($ROLES)")" \
   "synapse_app:false:true,synapse_migrate:false:true,synapse_monitoring:false:true,synapse_readonly:false:true,synapse_worker:false:true" \
   "five NOLOGIN group roles without passwords"
is "$(q "SELECT pg_has_role('synapse_monitoring', 'pg_read_all_stats', 'MEMBER')")" t "synapse_monitoring reads all statistics"
is "$(q "SELECT has_table_privilege('synapse_monitoring', 'synapse.tasks', 'SELECT')")" f "synapse_monitoring reads no task data"
is "$(q "SELECT has_table_privilege('synapse_app', 'synapse.tasks', 'SELECT,INSERT,UPDATE,DELETE') AND NOT has_table_privilege('synapse_app', 'synapse.tasks', 'TRUNCATE') AND NOT has_schema_privilege('synapse_app', 'synapse', 'CREATE')")" t \
   "synapse_app has DML only"
is "$(q "SELECT has_table_privilege('synapse_readonly', 'synapse.tasks', 'SELECT') AND NOT has_table_privilege('synapse_readonly', 'synapse.tasks', 'INSERT')")" t \
   "synapse_readonly has SELECT only"
is "$(q "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'synapse.tasks'::regclass")" synapse_migrate \
   "synapse_migrate owns the tables (DDL)"
q "CREATE TABLE synapse.t10_future_a (id int); SET ROLE synapse_migrate; CREATE TABLE synapse.t10_future_b (id int); CREATE SEQUENCE synapse.t10_future_s; RESET ROLE" >/dev/null
is "$(q "SELECT has_table_privilege('synapse_app', 'synapse.t10_future_a', 'SELECT,INSERT') OR has_table_privilege('synapse_app', 'synapse.t10_future_b', 'SELECT,INSERT') OR has_table_privilege('synapse_readonly', 'synapse.t10_future_b', 'SELECT')")|$(q "SELECT has_sequence_privilege('synapse_app', 'synapse.t10_future_s', 'USAGE')")" "f|t" \
   "default privileges: a future table is nobody's until its migration grants it (migration 14); sequences follow"
q "DROP TABLE synapse.t10_future_a, synapse.t10_future_b; DROP SEQUENCE synapse.t10_future_s" >/dev/null

# --- failures roll back; dirty is refused ------------------------------------------------
tmpdir=$(mktemp -d)
cp "$ROOT"/sql/migrations/*.sql "$tmpdir/"
next=$(printf '%06d' $((latest + 1)))
printf 'CREATE TABLE synapse.t10_half_done (id int);\nSELECT 1/0;\n' >"$tmpdir/${next}_broken.up.sql"
printf 'DROP TABLE IF EXISTS synapse.t10_half_done;\n' >"$tmpdir/${next}_broken.down.sql"
M_fails --dir "$tmpdir" up && ok "a failing migration makes the runner fail" || not_ok "a failing migration makes the runner fail"
is "$(M version)" "$latest" "after a failure the version is unchanged"
is "$(q "SELECT to_regclass('synapse.t10_half_done') IS NULL")" t "and nothing of the failed file remains"
rm -rf "$tmpdir"

q "UPDATE public.schema_migrations SET dirty = true" >/dev/null
is "$(M version)" "$latest (dirty)" "version shows a dirty state"
M_fails up && ok "up refuses a dirty database" || not_ok "up refuses a dirty database"
grep -q "dirty" "$ERR" && ok "with a message saying so" || not_ok "with a message saying so"
M_fails down && ok "down refuses a dirty database" || not_ok "down refuses a dirty database"
M force "$latest"; is "$(M version)" "$latest" "force V records a clean version"

# --- down to zero on an empty schema, and up again ---------------------------------------
empty_checks() {  # $1: label
  is "$(M version)" none "$1: version none"
  is "$(q "SELECT count(*) FROM public.schema_migrations")" 0 "$1: schema_migrations is empty"
  is "$(q "SELECT count(*) FROM pg_namespace WHERE nspname = 'synapse'")" 0 "$1: schema synapse is gone"
  is "$(q "SELECT coalesce(string_agg(extname, ','), '') FROM pg_extension WHERE extname <> 'plpgsql'")" "" "$1: no extension left"
  is "$(q "SELECT coalesce(string_agg(relname, ','), '') FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname NOT IN ('schema_migrations', 'schema_migrations_pkey')")" "" \
     "$1: public holds only schema_migrations"
  is "$(q "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()")" 0 \
     "$1: the database's search_path setting is reset"
  is "$(q "SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid JOIN pg_database db ON db.oid = d.dbid WHERE db.datname = current_database() AND r.rolname IN ($ROLES)")" 0 \
     "$1: no privilege or object here refers to the group roles"
  is "$(q "SELECT count(*) FROM pg_roles r WHERE r.rolname IN ($ROLES) AND NOT EXISTS (SELECT 1 FROM pg_shdepend d WHERE d.refobjid = r.oid)")" 0 \
     "$1: the group roles are dropped (unless another database still uses them)"
}
M down --all; empty_checks "down --all on an empty schema"
M up; is "$(M version)" "$latest" "up again after down --all"

# --- the runner and golang-migrate exclude each other -------------------------------------
# golang-migrate holds pg_advisory_lock(crc32("/<db>\0public\0schema_migrations") * salt)
# while it migrates; the runner must wait for it.
lock=$(python3 -c 'import sys, zlib; print((zlib.crc32("\0".join(sys.argv[1:]).encode()) * 1486364155) % 2**32)' \
         "/$DB" public schema_migrations)
M down
psql_db "$DB" -c "SELECT pg_advisory_lock($lock), pg_sleep(3.5)" >/dev/null &
sleep 1
t0=$(date +%s%N); M up; t1=$(date +%s%N); wait
[ $(( (t1 - t0) / 1000000 )) -ge 2000 ] && ok "the runner waits while golang-migrate's advisory lock is held" \
  || not_ok "the runner waits while golang-migrate's advisory lock is held" "took $(( (t1 - t0) / 1000000 )) ms"
is "$(M version)" "$latest" "and then migrates"

# --- the extension version each migration needs ------------------------------------------
is "$(grep -L '^-- requires: synapse_ext >= [0-9]*\.[0-9]*\.[0-9]*$' "$ROOT"/sql/migrations/*.up.sql || true)" "" \
   "every up migration states the synapse_ext version it needs"
probe=$(mktemp -d)
cp "$ROOT"/sql/migrations/*.sql "$probe/"
printf -- '-- requires: synapse_ext >= 0.1.0\nCREATE TABLE synapse.t10_probe_old ();\n' >"$probe/999997_probe_old.up.sql"
printf -- 'DROP TABLE synapse.t10_probe_old;\n' >"$probe/999997_probe_old.down.sql"
printf -- '-- requires: synapse_ext >= 999.0.0\nCREATE TABLE synapse.t10_probe_new ();\n' >"$probe/999998_probe_new.up.sql"
printf -- 'DROP TABLE synapse.t10_probe_new;\n' >"$probe/999998_probe_new.down.sql"
out=$("$ROOT/scripts/migrate.sh" --db "$DB" --dir "$probe" up 2>&1) && not_ok "a migration needing a newer synapse_ext is refused" ||
  { grep -q "999998_probe_new.up.sql requires synapse_ext >= 999.0.0" <<<"$out" &&
      ok "a migration needing a newer synapse_ext is refused, naming it and the version" ||
      not_ok "the refusal names the migration and the version" "$out"; }
is "$(M version)/$(q "SELECT count(*) FROM pg_class WHERE relname LIKE 't10_probe%'")" "$latest/0" \
   "... before applying anything (not even the pending migration that needs only 0.1.0)"
"$ROOT/scripts/migrate.sh" --db "$DB" --dir "$probe" up 1 2>>"$ERR"
is "$(M version)" 999997 "up 1 applies the pending migration whose requirement is met"
"$ROOT/scripts/migrate.sh" --db "$DB" --dir "$probe" goto "$latest" 2>>"$ERR"
printf -- 'SELECT 1;\n' >"$probe/999999_no_header.up.sql"
out=$("$ROOT/scripts/migrate.sh" --db "$DB" --dir "$probe" version 2>&1) && not_ok "an up migration without the header line is refused" ||
  { grep -q '999999_no_header.up.sql has no header line "-- requires: synapse_ext >= X.Y.Z"' <<<"$out" &&
      ok "an up migration without the header line is refused" || not_ok "an up migration without the header line is refused" "$out"; }
rm -rf "$probe"
is "$(M version)" "$latest" "back at the latest version"

# --- with the seed data ---------------------------------------------------------------------
seed() { psql_db "$DB" -1 -f "$ROOT/sql/seed/dev_seed.sql" >/dev/null 2>>"$ERR"; }
counts() { q "SELECT (SELECT count(*) FROM synapse.departments) || ' ' || (SELECT count(*) FROM synapse.users) || ' ' || (SELECT count(*) FROM synapse.projects) || ' ' || (SELECT count(*) FROM synapse.tasks) || ' ' || (SELECT count(*) FROM synapse.tasks WHERE is_recurring) || ' ' || (SELECT count(*) FROM synapse.task_assignees) || ' ' || (SELECT count(*) FROM synapse.task_dependencies) || ' ' || (SELECT count(*) FROM synapse.comments)"; }
# The seed places its templates from its own now(): compared with a moment just before it,
# not a later now() that a due occurrence may just have passed.
seeded=$(q "SELECT now()")
seed && ok "the seed loads" || not_ok "the seed loads" "$(tail -5 "$ERR")"
c1=$(counts)
is "$c1" "4 12 6 36 4 37 10 13" "seed: 4 departments, 12 users, 6 projects, 36 tasks (4 templates), assignees, dependencies, comments"
seed && is "$(counts)" "$c1" "the seed is idempotent (a rerun adds nothing)"
is "$(q "SELECT count(*) FROM synapse.tasks WHERE is_recurring AND next_occurrence > timestamptz '$seeded' - interval '7 days' AND recurrence_start IS NOT NULL")" 4 \
   "every template has recurrence_start and a next_occurrence within the last week or later"
is "$(q "SELECT string_agg(name || '=' || task_count || '/' || completed_task_count, ',' ORDER BY name) FROM synapse.projects")" \
   "Annual audit=2/2,CRM migration=3/1,Mobile app=3/1,Office move=4/1,Platform API v2=5/1,Q1 product campaign=5/1" \
   "project counters match the seeded tasks (templates not counted)"

# Three versions below the latest among the files (numbers may have gaps, e.g. 7, 9).
below3=$(ls "$ROOT"/sql/migrations/*.up.sql | sed 's#.*/0*\([0-9]*\)_.*#\1#' | sort -n | tail -4 | head -1)
M down 3; is "$(M version)" "$below3" "down 3 with data in the tables"
M down --all; empty_checks "down --all with the seed data"
M up; is "$(M version)" "$latest" "up again after dropping the seeded schema"
seed && is "$(counts)" "$c1" "the seed loads again"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
