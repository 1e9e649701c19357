#!/usr/bin/env bash
# ALTER EXTENSION synapse_ext UPDATE from every released version (releases.txt) to the
# current build, on a database that release made. For each release: build it from its
# commit (source under target/releases/V/src, its own cargo target directory beside it, so
# the second run is warm), install it into a private copy of PostgreSQL 15 (no system
# file is touched), start a scratch cluster, migrate with that release's migrations and
# runner, seed and generate; then install the current build, update in place and check:
#   - a migration needing the new version is refused before the update, nothing applied;
#   - the update keeps every row (checksums of every table before and after the update,
#     and again after migrating to the current migration set);
#   - the updated extension equals a fresh CREATE EXTENSION of the current version
#     (tests/upgrade/extension_catalog.sql: members, function definitions, volatility,
#     strictness, parallel safety, C symbols, comments, privileges, types), and the whole
#     schema equals a freshly migrated database (pg_dump --schema-only);
#   - what depends on extension functions still works: the pattern CHECK, the search
#     vector, the counter triggers, the row-level security policies and search,
#     generation; the recurrence tour (tests/sql, tests/expected) gives the same output on
#     an extension created at the old version and updated, and so do the end-to-end tests
#     11, 12, 20, 23, 30 and 32 (below, why these).
# Port SYNAPSE_UPGRADE_PORT (default 25331), cluster NAME upgrade, tree upgrade-pg, both in
# the scripts/pg-workdir.sh directory.
export SYNAPSE_TEST_PORT=${SYNAPSE_UPGRADE_PORT:-25331} SYNAPSE_TEST_CLUSTER=upgrade
source "$(dirname "$0")/../e2e/lib.sh"

workdir=$("$ROOT/scripts/pg-workdir.sh")
tree=$workdir/upgrade-pg
export PG_BIN=$tree/usr/lib/postgresql/15/bin
current=$("$ROOT/scripts/version.sh")
DB=synapse_upgraded
FRESH=synapse_fresh
tmp=$(mktemp -d)
cleanup() { "$ROOT/scripts/cluster.sh" stop upgrade >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

bail() { echo "Bail out! $*"; exit 1; }
note() { echo "# $*"; }
q() { psql_db "$DB" -c "$1"; }
seconds_since() { echo $(($(date +%s) - $1)); }

# fresh_tree DIR: a private PostgreSQL 15 without any synapse_ext (the system copy may carry
# one someone installed).
fresh_tree() {
  eval "$("$ROOT/scripts/private-pg.sh" --fresh "$tree")" >/dev/null
  rm -f "$tree"/usr/lib/postgresql/15/lib/synapse_ext.so "$tree"/usr/share/postgresql/15/extension/synapse_ext.control \
        "$tree"/usr/share/postgresql/15/extension/synapse_ext--*.sql
}

# stage CHECKOUT TARGET_DIR OUT LOG: build and lay out a checkout's files (scripts/stage-build.sh).
stage() {
  local started
  started=$(date +%s)
  if ! "$ROOT/scripts/stage-build.sh" "$1" "$2" "$3" >"$4" 2>&1; then
    tail -30 "$4" | sed 's/^/# /'
    return 1
  fi
  note "built $1 in $(seconds_since "$started") s (log: $4)"
}

# The checksum of every table (schema synapse) as a query per table, with the columns the
# table has now, so the same query runs after later migrations added columns.
checksum_queries() {
  q "SELECT format('SELECT %L || '' '' || count(*) || '' '' || md5(coalesce(string_agg(r::text, E''\\n'' ORDER BY r::text), '''')) FROM (SELECT %s FROM %s) r;',
                   c.oid::regclass, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), c.oid::regclass)
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relnamespace = 'synapse'::regnamespace AND c.relkind IN ('r', 'p')
      GROUP BY c.oid ORDER BY c.oid::regclass::text"
}

mapfile -t releases < <(grep -Ev '^[[:space:]]*(#|$)' "$ROOT/releases.txt")
[ "${#releases[@]}" -gt 0 ] || bail "releases.txt lists no release"

for entry in "${releases[@]}"; do
  read -r ver commit _ <<<"$entry"
  if [ "$ver" = "$current" ]; then
    ok "# skip $ver is the current version (nothing to update from)"
    continue
  fi
  note "--- from $ver (commit $commit) to $current"
  # The commit, not the tag: a clone may carry no tags. A shallow clone lacks the commit:
  # fetch it from where the clone came from, when that can be reached.
  if ! git -C "$ROOT" cat-file -e "$commit^{commit}" 2>/dev/null \
     && [ "$(git -C "$ROOT" rev-parse --is-shallow-repository)" = true ]; then
    note "release $ver: commit $commit is not in this shallow clone; fetching it"
    git -C "$ROOT" fetch -q origin "$commit" 2>/dev/null || git -C "$ROOT" fetch -q --unshallow origin 2>/dev/null || true
  fi
  if ! git -C "$ROOT" cat-file -e "$commit^{commit}" 2>/dev/null; then
    bail "release $ver: commit $commit (releases.txt) is not in this clone; a shallow clone lacks it: git fetch --unshallow (or git fetch origin tag v$ver), then rerun"
  fi
  if tag=$(git -C "$ROOT" rev-parse -q --verify "refs/tags/v$ver^{commit}"); then
    is "$tag" "$(git -C "$ROOT" rev-parse "$commit^{commit}")" "tag v$ver and releases.txt name the same commit"
  fi

  # --- the old release, built from its commit ------------------------------------------
  rel=$ROOT/target/releases/$ver
  src=$rel/src
  if [ "$(cat "$src/.release-commit" 2>/dev/null)" != "$commit" ]; then
    rm -rf "$src" && mkdir -p "$src"
    git -C "$ROOT" archive "$commit" | tar -x -C "$src"
    echo "$commit" >"$src/.release-commit"
  fi
  stage "$src" "$rel/target" "$rel/stage" "$rel/build.log" || bail "release $ver does not build"
  fresh_tree
  cp -a "$rel/stage/." "$tree/"
  is "$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$tree/usr/share/postgresql/15/extension/synapse_ext.control")" "$ver" \
     "release $ver installed into the private tree"

  "$ROOT/scripts/cluster.sh" destroy upgrade
  "$ROOT/scripts/cluster.sh" start upgrade "$SYNAPSE_TEST_PORT"
  fresh_db "$DB"
  "$src/scripts/migrate.sh" --db "$DB" up 2>"$tmp/migrate.log" || { tail -5 "$tmp/migrate.log" | sed 's/^/# /'; bail "release $ver's migrations failed"; }
  old_migration=$("$src/scripts/migrate.sh" --db "$DB" version)
  psql_db "$DB" -1 -f "$src/sql/seed/dev_seed.sql" >/dev/null
  generated=$(q "SELECT tasks_generated FROM synapse.generate_recurring_tasks(1000)")
  is "$(q "SELECT extversion FROM pg_extension WHERE extname = 'synapse_ext'")" "$ver" \
     "release $ver: database migrated to version $old_migration, seeded, $generated instances generated"

  checksum_queries >"$tmp/checksums.sql"
  psql_db "$DB" -f "$tmp/checksums.sql" >"$tmp/before"
  note "$(wc -l <"$tmp/before") tables, $(q "SELECT count(*) FROM synapse.tasks") tasks checksummed"

  # --- the current build ----------------------------------------------------------------
  # The server is stopped while the library is replaced: cargo-pgrx's copy overwrites the
  # file in place (a package manager renames a new file over it instead).
  "$ROOT/scripts/cluster.sh" stop upgrade
  stage "$ROOT" "${CARGO_TARGET_DIR:-$ROOT/target}" "$ROOT/target/upgrade-stage" "$tmp/build-current.log" ||
    bail "the current checkout does not build"
  cp -a "$ROOT/target/upgrade-stage/." "$tree/"
  "$ROOT/scripts/cluster.sh" start upgrade "$SYNAPSE_TEST_PORT"
  is "$(q "SELECT default_version || ' ' || installed_version FROM pg_available_extensions WHERE name = 'synapse_ext'")" "$current $ver" \
     "current build installed: $current available, $ver still in the database"

  # A migration that needs the current version is refused while the database has the old one.
  mkdir -p "$tmp/probe"
  cp "$ROOT"/sql/migrations/*.sql "$tmp/probe/"
  printf -- '-- requires: synapse_ext >= %s\nSELECT 1;\n' "$current" >"$tmp/probe/999999_needs_current.up.sql"
  printf -- 'SELECT 1;\n' >"$tmp/probe/999999_needs_current.down.sql"
  if "$ROOT/scripts/migrate.sh" --db "$DB" --dir "$tmp/probe" up 2>"$tmp/refused"; then
    not_ok "migrate.sh refuses a migration needing $current while the database has $ver"
  else
    grep -q "999999_needs_current.up.sql requires synapse_ext >= $current" "$tmp/refused" &&
      grep -q "ALTER EXTENSION synapse_ext UPDATE" "$tmp/refused" &&
      ok "migrate.sh refuses a migration needing $current while the database has $ver, naming it and the remedy" ||
      not_ok "migrate.sh's refusal names the migration and the remedy" "$(cat "$tmp/refused")"
  fi
  is "$("$ROOT/scripts/migrate.sh" --db "$DB" version)" "$old_migration" "... and applies nothing"

  started=$(date +%s)
  q "ALTER EXTENSION synapse_ext UPDATE" >/dev/null
  is "$(q "SELECT extversion FROM pg_extension WHERE extname = 'synapse_ext'")" "$current" \
     "ALTER EXTENSION synapse_ext UPDATE: $ver -> $current ($(seconds_since "$started") s)"
  psql_db "$DB" -f "$tmp/checksums.sql" >"$tmp/after_update"
  if diff -u "$tmp/before" "$tmp/after_update" >"$tmp/diff"; then ok "every table's rows are untouched by the update"
  else not_ok "every table's rows are untouched by the update"; sed 's/^/#   /' "$tmp/diff"; fi

  "$ROOT/scripts/migrate.sh" --db "$DB" up 2>"$tmp/migrate.log" || { tail -5 "$tmp/migrate.log" | sed 's/^/# /'; }
  latest=$(ls "$ROOT"/sql/migrations/*.up.sql | sed 's#.*/0*\([0-9]*\)_.*#\1#' | sort -n | tail -1)
  is "$("$ROOT/scripts/migrate.sh" --db "$DB" version)" "$latest" "migrated on to the current migration set ($old_migration -> $latest)"
  psql_db "$DB" -f "$tmp/checksums.sql" >"$tmp/after_migrate"
  if diff -u "$tmp/before" "$tmp/after_migrate" >"$tmp/diff"; then ok "the existing rows are untouched by the newer migrations"
  else not_ok "the existing rows are untouched by the newer migrations"; sed 's/^/#   /' "$tmp/diff"; fi

  # --- the same catalog as a fresh install ----------------------------------------------
  fresh_db "$FRESH"
  "$ROOT/scripts/migrate.sh" --db "$FRESH" up 2>/dev/null
  psql_db "$FRESH" -f "$ROOT/tests/upgrade/extension_catalog.sql" >"$tmp/catalog_fresh"
  psql_db "$DB" -f "$ROOT/tests/upgrade/extension_catalog.sql" >"$tmp/catalog_updated"
  if diff -u "$tmp/catalog_fresh" "$tmp/catalog_updated" >"$tmp/diff"; then
    ok "the updated extension equals a fresh CREATE EXTENSION of $current ($(wc -l <"$tmp/catalog_fresh") facts)"
  else
    not_ok "the updated extension equals a fresh CREATE EXTENSION of $current" \
      "- fresh CREATE EXTENSION, + updated from $ver: sql/synapse_ext--*--$current.sql must make them equal"
    sed 's/^/#   /' "$tmp/diff"
  fi
  # \restrict lines carry a random key per dump. An object's GRANTs come in the order they
  # were made, which means nothing: each run of them sorted.
  schema_of() {
    "$PG_BIN/pg_dump" --schema-only "$1" | grep -v '^\\\(un\)\{0,1\}restrict ' |
      perl -ne 'if (/^(GRANT|REVOKE) /) { push @g, $_; next } print sort @g; @g = (); print; END { print sort @g }'
  }
  schema_of "$FRESH" >"$tmp/schema_fresh"
  schema_of "$DB" >"$tmp/schema_updated"
  if diff -u "$tmp/schema_fresh" "$tmp/schema_updated" >"$tmp/diff"; then
    ok "the updated database's schema equals a freshly migrated one (pg_dump --schema-only: CHECKs, generated columns, triggers, policies)"
  else
    not_ok "the updated database's schema equals a freshly migrated one (- fresh, + updated)"
    sed 's/^/#   /' "$tmp/diff" | head -100
  fi

  # --- what depends on the extension's functions still works -----------------------------
  eng="md5('dev:dept:eng')::uuid"
  creator="md5('dev:user:bharath')::uuid"
  # On a plain task: a template's next_occurrence trigger would reject the pattern first.
  out=$(q "UPDATE synapse.tasks SET recurrence_pattern = '{\"frequency\":\"weekly\",\"daysOfWeek\":[8]}'
            WHERE department_id = $eng AND NOT is_recurring AND recurrence_parent_id IS NULL" 2>&1 || true)
  grep -q 'violates check constraint "tasks_recurrence_pattern_valid"' <<<"$out" &&
    ok "the pattern CHECK still rejects an invalid pattern" || not_ok "the pattern CHECK still rejects an invalid pattern" "$out"
  is "$(q "UPDATE synapse.tasks SET title = 'Zeppelin hangar inspection'
            WHERE department_id = $eng AND id = (SELECT id FROM synapse.tasks WHERE department_id = $eng AND NOT is_recurring ORDER BY id LIMIT 1)
        RETURNING search_vector @@ to_tsquery('english', 'zeppelin & hangar')")" t \
     "search_vector follows an edited title"
  project=$(q "SELECT id FROM synapse.projects WHERE department_id = $eng ORDER BY id LIMIT 1")
  before_count=$(q "SELECT task_count FROM synapse.projects WHERE department_id = $eng AND id = '$project'")
  q "INSERT INTO synapse.tasks (department_id, title, creator_id, project_id) VALUES ($eng, 'Counted after the update', $creator, '$project')" >/dev/null
  is "$(q "SELECT task_count FROM synapse.projects WHERE department_id = $eng AND id = '$project'")" "$((before_count + 1))" \
     "the counter triggers count a new task ($before_count -> $((before_count + 1)))"
  is "$(q "SELECT synapse.recount_project_tasks()")" 0 "no counter drifted across the update (recount corrects 0)"

  # A weekly template three weeks old: generation makes exactly its three occurrences.
  q "INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
     VALUES ($eng, 'UPG-WEEKLY', 'Weekly after the update', $creator, true, '{\"frequency\":\"weekly\"}',
             date_trunc('day', now()) - interval '20 days')" >/dev/null
  q "SELECT * FROM synapse.generate_recurring_tasks(1000, now() - interval '5 days')" >/dev/null
  is "$(q "SELECT count(*) FROM synapse.tasks i JOIN synapse.tasks t ON t.department_id = i.department_id AND t.id = i.recurrence_parent_id WHERE t.task_id = 'UPG-WEEKLY'")" 3 \
     "generation makes a new template's three due occurrences"

  psql_db postgres -c "DROP ROLE IF EXISTS upg_api" >/dev/null
  login_role upg_api synapse_app
  sofia=$(q "SELECT md5('dev:user:sofia')::uuid")
  sofia_department=$(q "SELECT department_id FROM synapse.users WHERE id = '$sofia'")
  is "$(login_as "$DB" upg_api "$sofia" "SELECT count(DISTINCT department_id) || ' ' || bool_and(department_id = '$sofia_department') FROM synapse.tasks")" "1 true" \
     "row-level security: a member reads her own department only"
  is "$(login_as "$DB" upg_api "" "SELECT count(*) FROM synapse.tasks")" 0 "row-level security: nothing without a user"
  found=$(login_as "$DB" upg_api "$sofia" "SELECT count(*) FROM synapse.search_tasks('\"full-text search\" OR pagination')")
  [ "$found" -gt 0 ] 2>/dev/null && ok "search_tasks finds the member's tasks ($found)" || not_ok "search_tasks finds the member's tasks" "got: $found"
  psql_db postgres -c "DROP ROLE upg_api" >/dev/null

  # The recurrence tour on an extension created at the old version and updated.
  tour_matches synapse_regress_updated "an extension created at $ver and updated" \
    "CREATE EXTENSION synapse_ext VERSION '$ver'" "ALTER EXTENSION synapse_ext UPDATE"

  # The end-to-end tests that use the extension through the schema (CHECKs, generated
  # columns, triggers, policies, generation, search), each on databases whose synapse_ext
  # was created at $ver and updated: template1 carries such an extension, so migration 1's
  # CREATE EXTENSION IF NOT EXISTS keeps it. (01_regress creates the extension itself, 10
  # drops it, 21, 22 and 31 test concurrency and pg_cron rather than the functions.)
  psql_db template1 -c "CREATE SCHEMA synapse" -c "CREATE EXTENSION synapse_ext WITH SCHEMA synapse VERSION '$ver'" \
    -c "ALTER EXTENSION synapse_ext UPDATE" >/dev/null
  fresh_db synapse_template_probe
  is "$(psql_db synapse_template_probe -c "SELECT extversion FROM pg_extension WHERE extname = 'synapse_ext'")" "$current" \
     "new databases start with the extension created at $ver and updated to $current"
  psql_db postgres -c "DROP DATABASE synapse_template_probe" >/dev/null
  # A TAP script by prove, a pgTAP file (.sql) by pg_prove on a migrated database.
  for t in 11_constraints.sql 12_rls.sql 12_rls.t 20_generation.t 23_generation_random.t 30_counters.sql 30_counters.t 32_search.sql 32_search.t; do
    started=$(date +%s)
    if [ "${t##*.}" = sql ]; then
      pgtap_db synapse_upgrade_pgtap
      run=(pg_prove -d synapse_upgrade_pgtap "tests/e2e/$t")
    else
      run=(prove "tests/e2e/$t")
    fi
    if out=$(cd "$ROOT" && "${run[@]}" 2>&1); then
      ok "tests/e2e/$t passes on the extension updated from $ver ($(seconds_since "$started") s)"
    else
      not_ok "tests/e2e/$t passes on the extension updated from $ver"
      sed 's/^/#   /' <<<"$out" | tail -40
    fi
  done
  psql_db postgres -c "DROP DATABASE IF EXISTS synapse_upgrade_pgtap WITH (FORCE)" >/dev/null

  "$ROOT/scripts/cluster.sh" destroy upgrade
done
done_testing
