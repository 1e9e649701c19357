#!/usr/bin/env bash
# Builds the load tool with Debian's Go and pgx v4 (golang-github-jackc-pgx-v4-dev, in
# /usr/share/gocode): GOPATH mode, no module download.
#   tests/ops/load/build.sh OUTPUT
set -euo pipefail
out=${1:?usage: build.sh OUTPUT}
cd "$(dirname "$0")"
mkdir -p "$(dirname "$out")"
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -o "$out" .
