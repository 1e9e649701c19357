#!/usr/bin/env bash
# Installs everything synapse_ext needs on a fresh Debian 12 machine, idempotently:
# apt packages (PostgreSQL 15 server + headers, pg_cron, pg_partman, PgBouncer,
# postgres_exporter, Prometheus for the alerting rules, Go with pgx for the Go client and
# the load run, curl for the exporter test, faketime for make test-dates, openssl for the
# servers' certificates, python3 for the SCRAM secrets of generated passwords, python3-venv
# for the Python client and the iCalendar test's library, build deps), cargo-pgrx 0.18.1 (it
# must match the pgrx pinned in Cargo.toml), and `cargo pgrx init` for PostgreSQL 15.
# Fast (a few checks) when everything is already there.
set -euo pipefail

PGRX_VERSION=0.18.1
# cargo-pgrx is initialised against the system PostgreSQL (what `cargo pgrx test` uses), even
# when PG_CONFIG points a build at a private tree (scripts/private-pg.sh).
SYSTEM_PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
APT_PACKAGES="build-essential pkg-config libssl-dev libclang-dev clang sudo
  postgresql-15 postgresql-server-dev-15 postgresql-15-cron postgresql-15-pgtap
  libtap-parser-sourcehandler-pgtap-perl
  pgbouncer prometheus-postgres-exporter postgresql-15-partman
  golang-go golang-github-jackc-pgx-v4-dev curl faketime openssl python3 python3-venv"
# Without its recommends (node_exporter and the rest): only prometheus and promtool are used.
APT_PACKAGES_NO_RECOMMENDS="prometheus"

. "$(dirname "$0")/privileges.sh"

missing_of() { for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done; }
missing=$(missing_of $APT_PACKAGES)
missing_no_recommends=$(missing_of $APT_PACKAGES_NO_RECOMMENDS)
if [ -n "$missing$missing_no_recommends" ]; then
  echo "bootstrap: installing apt packages:" $missing $missing_no_recommends
  as_root apt-get update -qq
fi
if [ -n "$missing" ]; then
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing >/dev/null
fi
if [ -n "$missing_no_recommends" ]; then
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends $missing_no_recommends >/dev/null
fi

# The Debian package starts a cluster on the default port; we never use it, and it is
# not needed for anything here, so it is left as the system has it.

export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
  echo "bootstrap: installing cargo-pgrx $PGRX_VERSION (about 4 minutes)"
  cargo install cargo-pgrx --version "=$PGRX_VERSION" --locked
fi

pgrx_home=${PGRX_HOME:-$HOME/.pgrx}
if ! grep -qs "pg15 *= *\"$SYSTEM_PG_CONFIG\"" "$pgrx_home/config.toml"; then
  echo "bootstrap: cargo pgrx init --pg15 $SYSTEM_PG_CONFIG"
  cargo pgrx init --pg15 "$SYSTEM_PG_CONFIG" >/dev/null
fi
