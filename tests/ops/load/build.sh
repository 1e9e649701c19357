#!/usr/bin/env bash
# Builds the load tool with Debian's Go and pgx v4 (golang-github-jackc-pgx-v4-dev, in
# /usr/share/gocode): GOPATH mode, no module download; the build cache inside the project
# (as scripts/test-clients.sh keeps it), so a machine without $HOME builds too.
#   tests/ops/load/build.sh OUTPUT
set -euo pipefail
out=${1:?usage: build.sh OUTPUT}
here=$(cd "$(dirname "$0")" && pwd)
export GOCACHE=${GOCACHE:-$here/../../../target/go-build}
mkdir -p "$(dirname "$out")"
cd "$here"
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -o "$out" .
