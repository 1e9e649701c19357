#!/usr/bin/env bash
# Logical backup and restore of a Synapse database: pg_dump's custom format for the
# database, pg_dumpall --roles-only for the roles it needs (the group roles, the login
# roles and their memberships, without which the restored GRANTs and policies would name
# nobody). Restore goes into a cluster without that database (a fresh one): roles first
# (those that exist are kept as they are), then pg_restore --create, which brings the
# database's own settings and grants too. pg_cron's jobs are part of the dump; the target
# cluster needs synapse_ext (the same version or newer) and pg_cron installed.
#
#   scripts/backup.sh dump PORT DIR [DB]      writes DIR/DB-<UTC time>.dump and .roles.sql, prints the .dump path
#   scripts/backup.sh restore PORT FILE.dump  into the cluster on PORT; FILE.roles.sql beside it
#
# Connects as PGUSER (default postgres, the superuser) to PGHOST, which the caller sets: for a
# scratch cluster its socket directory (eval "$(scripts/cluster.sh env NAME)"), the only way
# the superuser gets in; PGPASSFILE, PGSSLMODE and friends work as usual for other servers.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
usage="usage: backup.sh dump PORT DIR [DB] | restore PORT FILE.dump"
cmd=${1:?$usage}
port=${2:?$usage}
export PGHOST=${PGHOST:?backup.sh: set PGHOST (a scratch cluster: eval "\$(scripts/cluster.sh env NAME)")} PGPORT=$port PGUSER=${PGUSER:-postgres}

case "$cmd" in
dump)
  dir=${3:?$usage}
  db=${4:-synapse}
  mkdir -p "$dir"
  base="$dir/$db-$(date -u +%Y%m%dT%H%M%SZ)"
  "$PG_BIN/pg_dumpall" --roles-only --no-role-passwords -d "dbname=postgres" >"$base.roles.sql.tmp"
  "$PG_BIN/pg_dump" -Fc -d "$db" -f "$base.dump.tmp"
  mv "$base.roles.sql.tmp" "$base.roles.sql"
  mv "$base.dump.tmp" "$base.dump"
  echo "$base.dump"
  ;;
restore)
  file=${3:?$usage}
  roles="${file%.dump}.roles.sql"
  [ -f "$file" ] || { echo "backup.sh: no such dump: $file" >&2; exit 1; }
  [ -f "$roles" ] || { echo "backup.sh: the roles file $roles is missing" >&2; exit 1; }
  db=$("$PG_BIN/pg_restore" -l "$file" | sed -n 's/^;[[:space:]]*dbname: //p' | head -1)
  # An empty database of that name (scripts/cluster.sh creates "synapse" in every new
  # cluster) is replaced; one with a synapse schema is never touched.
  if psql -X -Atq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    if [ -n "$(psql -X -Atq -d "$db" -c "SELECT 1 FROM pg_namespace WHERE nspname = 'synapse'")" ]; then
      echo "backup.sh: database $db on port $port has a synapse schema; restore into a fresh cluster (or drop it first)" >&2
      exit 1
    fi
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE \"$db\" WITH (FORCE)"
  fi
  # Roles: CREATE ROLE of one that exists (postgres, or a shared group) would fail; skip
  # those statements, keep every ALTER ROLE and GRANT.
  existing=$(psql -X -Atq -d postgres -c "SELECT quote_ident(rolname) FROM pg_roles")
  awk -v existing="$existing" '
    BEGIN { n = split(existing, r, "\n"); for (i = 1; i <= n; i++) have[r[i]] = 1 }
    /^CREATE ROLE / { name = $3; sub(/;$/, "", name); if (name in have) next }
    { print }' "$roles" |
    psql -X -q -v ON_ERROR_STOP=1 -d postgres
  "$PG_BIN/pg_restore" --create --exit-on-error -d postgres "$file"
  ;;
*)
  echo "$usage" >&2; exit 2 ;;
esac
