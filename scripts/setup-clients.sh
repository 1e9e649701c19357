#!/usr/bin/env bash
# Installs what the example clients need, pinned, inside the project (git-ignored), quickly
# when it is already there:
#   Python  clients/python/.venv with clients/python/requirements.txt (psycopg 3)
#   Node    clients/node/node_modules from clients/node/package-lock.json (npm ci)
#   Go      nothing: pgx v4 comes from Debian (golang-github-jackc-pgx-v4-dev, installed by
#           scripts/bootstrap.sh) and is built in GOPATH mode; only checked here.
# Each is redone when its pin file changed since the last install.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# Python: the machine's python3 with venv and pip (psycopg's pure-Python build uses the
# system libpq, which the PostgreSQL packages bring).
py="$root/clients/python"
if ! cmp -s "$py/requirements.txt" "$py/.venv/installed-requirements.txt" 2>/dev/null; then
  echo "setup-clients: Python venv (clients/python/.venv)" >&2
  rm -rf "$py/.venv"
  python3 -m venv "$py/.venv"
  "$py/.venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$py/requirements.txt"
  cp "$py/requirements.txt" "$py/.venv/installed-requirements.txt"
fi

# Node: exactly the lockfile's versions.
node_dir="$root/clients/node"
if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.installed-package-lock.json" 2>/dev/null; then
  echo "setup-clients: npm ci (clients/node/node_modules)" >&2
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.installed-package-lock.json"
fi

# Go: Debian's toolchain and pgx v4 (GOPATH mode: no module proxy is reachable).
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/jackc/pgx/v4 ]; then
  echo "setup-clients: Go or pgx v4 missing: run make setup (scripts/bootstrap.sh)" >&2
  exit 1
fi
