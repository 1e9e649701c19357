#!/usr/bin/env bash
# pg_regress style: each tests/sql/NAME.sql is run by psql in a fresh database with the
# extension, and its whole output (results and error texts) must equal
# tests/expected/NAME.out. SYNAPSE_REGRESS_UPDATE=1 rewrites the expected files instead.
source "$(dirname "$0")/lib.sh"
db=synapse_regress
for sql in "$ROOT"/tests/sql/*.sql; do
  name=$(basename "$sql" .sql)
  fresh_db "$db"
  psql_db "$db" -c "CREATE EXTENSION synapse_ext CASCADE"
  actual=$(psql -X -a -d "$db" -v VERBOSITY=default -f "$sql" 2>&1 | sed -e 's/^psql:[^ ]* ERROR/ERROR/')
  expected_file="$ROOT/tests/expected/$name.out"
  if [ "${SYNAPSE_REGRESS_UPDATE:-0}" = 1 ]; then
    printf '%s\n' "$actual" >"$expected_file"
  fi
  if diff -u "$expected_file" <(printf '%s\n' "$actual") >/tmp/regress-$name.diff; then
    ok "tests/sql/$name.sql output matches tests/expected/$name.out"
  else
    not_ok "tests/sql/$name.sql output differs from tests/expected/$name.out"
    sed 's/^/#   /' /tmp/regress-$name.diff | head -80
  fi
done
done_testing
