#!/usr/bin/env bash
# Prints the synapse_ext version of a checkout (its Cargo.toml [package] version, which the
# control file's default_version takes): scripts/version.sh [CHECKOUT_DIR]
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
awk '/^\[/ { in_package = ($0 == "[package]") }
     in_package && /^version *= *"/ { gsub(/^version *= *"|".*$/, ""); print; found = 1; exit }
     END { if (!found) exit 1 }' "$dir/Cargo.toml" ||
  { echo "version.sh: no [package] version in $dir/Cargo.toml" >&2; exit 1; }
