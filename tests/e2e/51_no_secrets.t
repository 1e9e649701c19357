#!/usr/bin/env bash
# No secret in git: no tracked file (git ls-files) holds a private key, a password hash
# (SCRAM secret, md5), a literal password in a role statement, or any of the passwords the
# scripts generated (the passfile beside the clusters); the files that hold them (the
# clusters' directory with its passfiles, CA key and server keys) are ignored by git, so
# `git add -A` cannot pick them up.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "1..0 # SKIP not a git checkout"; exit 0; }
work=$("$ROOT/scripts/pg-workdir.sh")
. "$ROOT/scripts/privileges.sh"

# found PATTERN...: tracked files (with the line) where git grep -E finds PATTERN.
found() { git grep -n -I -E "$@" -- . ':(exclude)tests/e2e/51_no_secrets.t' 2>/dev/null | head -5 || true; }
is "$(found -e '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----')" "" "no private key in a tracked file"
is "$(found -e 'SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/]+={0,2}\$')" "" "no SCRAM secret in a tracked file"
is "$(found -e "md5[0-9a-f]{32}")" "" "no md5 password hash in a tracked file"
is "$(found -i -e "(CREATE|ALTER) (ROLE|USER) [^;]*PASSWORD +'[^']+'")" "" "no literal password in a CREATE/ALTER ROLE"

# The generated passwords themselves (the passfile's fifth field), wherever they would be.
passwords=$(as_root awk -F: 'NF >= 5 { print $5 }' "$PGPASSFILE" 2>/dev/null | sort -u)
[ -n "$passwords" ] && ok "the passfile has generated passwords to look for ($(wc -l <<<"$passwords"))" \
  || not_ok "the passfile has generated passwords to look for" "none in $PGPASSFILE"
is "$(git grep -n -I -F -f <(printf '%s\n' "$passwords") 2>/dev/null | cut -d: -f1-2 | head -5 || true)" "" \
   "none of them in a tracked file"

# Where secrets live: inside the repository, they must be ignored.
case "$work/" in
  "$ROOT"/*)
    for f in "$work/passwords" "$work/server.pgpass" "$work/ca/ca.key" "$work/$SYNAPSE_TEST_CLUSTER/tls/server.key"; do
      as_root test -e "$f" || { not_ok "$f exists"; continue; }
      git check-ignore -q "$f" && ok "ignored by git: ${f#"$ROOT"/}" || not_ok "ignored by git: ${f#"$ROOT"/}"
    done
    is "$(git ls-files -- "${work#"$ROOT"/}" | head -3)" "" "nothing of the clusters' directory is tracked" ;;
  *) ok "the clusters' directory $work is outside the repository" ;;
esac
is "$(as_root stat -c '%a' "$PGPASSFILE" "$work/server.pgpass" "$work/ca/ca.key" "$work/$SYNAPSE_TEST_CLUSTER/tls/server.key" | sort -u)" 600 \
   "the passfiles and keys are readable by their owner only (0600)"
done_testing
