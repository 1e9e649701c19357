#!/usr/bin/env bash
# The cost of acting for a user (issue 21): synapse.set_current_user_token(token), which
# checks an Ed25519 signature, the claims and the user, against synapse.set_current_user(uuid)
# (trusted mode; the migrations' PL/pgSQL wrapper over the extension's _set_current_user,
# also measured alone) and a baseline, in the same run on the same database. Goal: at most
# 50 µs per token call.
#  - in-server: a PL/pgSQL loop of N calls in one transaction as a LOGIN member of
#    synapse_app, over 100 users, each call with a valid token minted beforehand with
#    openssl (tests/security/jwt.sh), so signing is not measured; the baseline is the same
#    loop calling length(token). A backend keeps the tokens it verified (up to 256), so a
#    token reused across transactions costs one signature check: set_current_user_token
#    cycles 100 tokens (kept after their first use), set_current_user_token_first_use
#    cycles 1,000 distinct ones (each call a first use, the Ed25519 check included). Server CPU per call (the backend's utime + stime around the
#    loop, /proc) and wall clock; 3 rounds, variants interleaved, medians;
#  - client-side: pgbench, 1 client, transactions of BEGIN; the identity call (the user's
#    token or uuid read from a table by pgbench's random row); COMMIT, against the same
#    transaction calling length(token): what a request pays, round trips included.
# Run by benches/run.sh (make bench) on the bench cluster.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/security/jwt.sh"
DB=synapse_bench_identity
APP=bench_identity_app
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
N=${IDENTITY_BENCH_CALLS:-50000}
USERS=100
SECS=${IDENTITY_BENCH_SECONDS:-5}
ROUNDS=3
FRESH=1000
VARIANTS=(baseline set_current_user _set_current_user set_current_user_token set_current_user_token_first_use)
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" "$@"; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export PGOPTIONS=--client-min-messages=warning
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
"$root/scripts/migrate.sh" --db "$DB" up >/dev/null 2>"$work/migrate.log" || { cat "$work/migrate.log" >&2; exit 1; }
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $APP"
# A login with a recorded password (pg_hba: SCRAM for every login, the socket too).
"$root/scripts/cluster.sh" login "${BENCH_CLUSTER:-bench}" "$APP" synapse_app
jwks=$(jwt_keygen "$work" bench)
psql_db -v db="$DB" -v jwks="$jwks" -v users="$USERS" <<'SQL'
ALTER DATABASE :"db" SET synapse.identity_keys = :'jwks';
INSERT INTO synapse.departments (id, name) VALUES (md5('bench:identity:dept')::uuid, 'Identity bench');
INSERT INTO synapse.users (id, email, name, role, department_id)
SELECT md5('bench:identity:user:' || u)::uuid, 'identity' || u || '@bench.example.com', 'User ' || u,
       'Member', md5('bench:identity:dept')::uuid
  FROM generate_series(1, :users) AS u;
CREATE TABLE public.bench_identity_tokens (i integer PRIMARY KEY, sub uuid NOT NULL, token text NOT NULL);
SQL
# One token per user, valid for an hour (openssl, a few ms each).
i=0
for sub in $(psql_db -c "SELECT id FROM synapse.users WHERE email LIKE 'identity%' ORDER BY email"); do
  i=$((i + 1))
  printf '%d\t%s\t%s\n' "$i" "$sub" "$(jwt_mint "$work" bench "$sub")"
done >"$work/tokens.tsv"
# And 1,000 distinct ones (the users again, with other expiries), more than a backend keeps.
mapfile -t subs < <(cut -f2 "$work/tokens.tsv")
for i in $(seq "$FRESH"); do
  printf '%d\t%s\t%s\n' "$i" "${subs[$(((i - 1) % USERS))]}" "$(jwt_mint "$work" bench "${subs[$(((i - 1) % USERS))]}" synapse $((3600 + i)))"
done >"$work/fresh.tsv"
psql_db -c "CREATE TABLE public.bench_identity_fresh_tokens (LIKE public.bench_identity_tokens)" \
  -c "\\copy public.bench_identity_tokens FROM '$work/tokens.tsv'" \
  -c "\\copy public.bench_identity_fresh_tokens FROM '$work/fresh.tsv'" \
  -c "GRANT SELECT ON public.bench_identity_tokens, public.bench_identity_fresh_tokens TO $APP" \
  -c "ANALYZE public.bench_identity_tokens, public.bench_identity_fresh_tokens"

# --- in-server ---------------------------------------------------------------------------------
# One session as the application's login: the procedure, then for each round and variant the
# backend's CPU ticks around one CALL (one transaction of N calls).
ticks=$(getconf CLK_TCK)
{
  cat <<SQL
SET ROLE $APP;
CREATE TEMP TABLE identity_wall (variant text, round integer, us numeric);
-- Every token sets its own user, and the identity is the last one set.
SELECT count(*) FILTER (WHERE synapse.set_current_user_token(token) = sub) AS tokens_accepted,
       count(*) AS tokens FROM public.bench_identity_tokens;
CREATE PROCEDURE pg_temp.calls(variant text, n integer, round integer) LANGUAGE plpgsql AS \$\$
DECLARE
  tokens text[] := CASE WHEN variant LIKE '%first_use'
                        THEN ARRAY(SELECT t.token FROM public.bench_identity_fresh_tokens t ORDER BY t.i)
                        ELSE ARRAY(SELECT t.token FROM public.bench_identity_tokens t ORDER BY t.i) END;
  users uuid[] := CASE WHEN variant LIKE '%first_use'
                       THEN ARRAY(SELECT t.sub FROM public.bench_identity_fresh_tokens t ORDER BY t.i)
                       ELSE ARRAY(SELECT t.sub FROM public.bench_identity_tokens t ORDER BY t.i) END;
  m integer := cardinality(tokens);
  started timestamptz := clock_timestamp();
BEGIN
  CASE variant
    WHEN 'baseline' THEN
      FOR i IN 1..n LOOP PERFORM length(tokens[1 + i % m]); END LOOP;
    WHEN 'set_current_user' THEN
      FOR i IN 1..n LOOP PERFORM synapse.set_current_user(users[1 + i % m]); END LOOP;
    WHEN '_set_current_user' THEN
      FOR i IN 1..n LOOP PERFORM synapse._set_current_user(users[1 + i % m]); END LOOP;
    WHEN 'set_current_user_token', 'set_current_user_token_first_use' THEN
      FOR i IN 1..n LOOP PERFORM synapse.set_current_user_token(tokens[1 + i % m]); END LOOP;
  END CASE;
  IF variant <> 'baseline' AND synapse.current_user_id() IS DISTINCT FROM users[1 + n % m] THEN
    RAISE EXCEPTION '%: the identity is %, not the last user set', variant, synapse.current_user_id();
  END IF;
  INSERT INTO identity_wall VALUES (variant, round, extract(epoch FROM clock_timestamp() - started) * 1e6 / n);
END
\$\$;
SELECT pg_backend_pid() AS pid \\gset
\\setenv BACKEND_PID :pid
SQL
  for round in $(seq "$ROUNDS"); do
    for variant in "${VARIANTS[@]}"; do
      echo "\\! awk '{print \$14 + \$15}' /proc/\$BACKEND_PID/stat > $work/cpu.$variant.$round.before"
      echo "CALL pg_temp.calls('$variant', $N, $round);"
      echo "\\! awk '{print \$14 + \$15}' /proc/\$BACKEND_PID/stat > $work/cpu.$variant.$round.after"
    done
  done
  echo "\\copy (SELECT variant, us FROM identity_wall) TO '$work/wall.tsv'"
} | psql_db -F ' ' >"$work/accepted.txt"
read -r accepted total <"$work/accepted.txt"
echo "tokens accepted (each sets its own user): $accepted of $total"
[ "$accepted" = "$total" ]

declare -A cpu wall
for variant in "${VARIANTS[@]}"; do
  samples=()
  for round in $(seq "$ROUNDS"); do
    samples+=("$(awk -v b="$(cat "$work/cpu.$variant.$round.before")" -v a="$(cat "$work/cpu.$variant.$round.after")" \
                     -v t="$ticks" -v n="$N" 'BEGIN {printf "%.2f", (a - b) / t * 1e6 / n}')")
  done
  cpu[$variant]=$(median "${samples[@]}")
  wall[$variant]=$(median $(awk -v v="$variant" '$1 == v {printf "%.2f\n", $2}' "$work/wall.tsv"))
done
for how in cpu wall; do
  declare -n m=$how
  net=$(awk -v a="${m[set_current_user_token]}" -v b="${m[baseline]}" 'BEGIN {printf "%.1f", a - b}')
  verdict=$(awk -v x="${m[set_current_user_token]}" 'BEGIN {print (x <= 50 ? "<= 50 µs met" : "<= 50 µs MISSED")}')
  echo "in-server, µs per call ($([ "$how" = cpu ] && echo "backend CPU" || echo "wall clock"), median of $ROUNDS interleaved rounds of $N calls):" \
       "set_current_user_token ${m[set_current_user_token]} ($verdict; $net net of the baseline)," \
       "the token's first use ${m[set_current_user_token_first_use]}," \
       "set_current_user(uuid) ${m[set_current_user]}, _set_current_user(uuid) ${m[_set_current_user]}," \
       "baseline length(token) ${m[baseline]};" \
       "token/set_current_user $(ratio "${m[set_current_user_token]}" "${m[set_current_user]}")," \
       "token/_set_current_user $(ratio "${m[set_current_user_token]}" "${m[_set_current_user]}")"
  unset -n m
done

# --- client-side -------------------------------------------------------------------------------
for variant in baseline set_current_user set_current_user_token; do
  case $variant in
    baseline) call="length(token)" ;;
    set_current_user) call="synapse.set_current_user(sub)" ;;
    set_current_user_token) call="synapse.set_current_user_token(token)" ;;
  esac
  printf '\\set i random(1, %d)\nBEGIN;\nSELECT %s FROM public.bench_identity_tokens WHERE i = :i;\nCOMMIT;\n' \
    "$USERS" "$call" >"$work/$variant.pgbench"
done
declare -A tx_us
for round in $(seq "$ROUNDS"); do
  for variant in baseline set_current_user set_current_user_token; do
    tps=$("$PGBENCH" -n -M extended -c 1 -T "$SECS" -U "$APP" -f "$work/$variant.pgbench" "$DB" 2>&1 |
            sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    [ -n "$tps" ] || { echo "identity.sh: pgbench of $variant failed" >&2; exit 1; }
    tx_us[$variant]+="$(awk -v t="$tps" 'BEGIN {printf "%.0f", 1e6 / t}') "
  done
done
for variant in baseline set_current_user set_current_user_token; do tx_us[$variant]=$(median ${tx_us[$variant]}); done
echo "client-side, pgbench, 1 client, µs per transaction BEGIN; identity call; COMMIT (median of $ROUNDS interleaved rounds of ${SECS} s):" \
     "set_current_user_token ${tx_us[set_current_user_token]}, set_current_user(uuid) ${tx_us[set_current_user]}," \
     "baseline length(token) ${tx_us[baseline]};" \
     "token/set_current_user $(ratio "${tx_us[set_current_user_token]}" "${tx_us[set_current_user]}")," \
     "token/baseline $(ratio "${tx_us[set_current_user_token]}" "${tx_us[baseline]}")"

psql -X -q -d postgres -c "DROP DATABASE $DB WITH (FORCE)" -c "DROP ROLE $APP"
