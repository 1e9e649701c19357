#!/usr/bin/env bash
# Builds one of the project's Go tools (tests/ops/load, tests/faults/ledger) with Debian's
# Go and pgx v4 (golang-github-jackc-pgx-v4-dev, in /usr/share/gocode): GOPATH mode, no
# module download; the build cache inside the project (as scripts/test-clients.sh keeps
# it), so a machine without $HOME builds too.
#   scripts/go-build.sh PACKAGE_DIR OUTPUT
set -euo pipefail
pkg=${1:?usage: go-build.sh PACKAGE_DIR OUTPUT}
out=${2:?usage: go-build.sh PACKAGE_DIR OUTPUT}
root=$(cd "$(dirname "$0")/.." && pwd)
export GOCACHE=${GOCACHE:-$root/target/go-build}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
cd "$pkg"
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -o "$out" .
