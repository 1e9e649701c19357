#!/usr/bin/env bash
# Encrypted, authenticated connections (ops/postgresql/, scripts/cluster.sh, design section
# 9.4) on the test cluster, tried from outside as a client would: a login role gets in over
# TCP only with TLS 1.2 or newer, its password and the server's certificate verified against
# the cluster's CA; plain text, a wrong password, another CA, TLS 1.1, the superuser over TCP
# and a role of no Synapse group are refused. pg_hba.conf, as the server loaded it and as
# every cluster's file says, has no trust line and nothing but TLS with SCRAM on TCP.
source "$(dirname "$0")/lib.sh"
DB=synapse
APP=t50_app LONER=t50_loner
psql_db postgres -c "DROP ROLE IF EXISTS $APP" -c "DROP ROLE IF EXISTS $LONER"
# The group pg_hba.conf names (the migrations make it; this test needs no database of them).
psql_db postgres <<<"SELECT 'CREATE ROLE synapse_app NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'synapse_app') \gexec"
login_role "$APP" synapse_app
login_role "$LONER"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

is "$(psql_db "$DB" -c "SELECT current_setting('ssl') || ' ' || current_setting('ssl_min_protocol_version') || ' ' || current_setting('password_encryption')")" \
   "on TLSv1.2 scram-sha-256" "ssl on, TLS 1.2 at least, passwords stored as SCRAM secrets"
is "$(psql_db postgres -c "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = '$APP'")" 'SCRAM-SHA-256$' \
   "the login's password is a SCRAM secret"

# tcp_as ROLE [conninfo...]: one query over TCP to 127.0.0.1 (TLS verify-full with the
# cluster's CA and the recorded password, unless the conninfo says otherwise); prints the
# result or the error.
tcp_as() {
  local role=$1; shift
  psql -X -w -At "host=127.0.0.1 port=$PGPORT dbname=$DB user=$role $*" \
    -c "SELECT ssl || ' ' || version FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>&1 || true
}
out=$(tcp_as "$APP")
[[ $out =~ ^true\ TLSv1\.[23]$ ]] && ok "a login of synapse_app over TCP: TLS (${out#true }), certificate verified, password accepted" \
  || not_ok "a login of synapse_app over TCP: TLS 1.2+, certificate verified, password accepted" "$out"

out=$(tcp_as "$APP" sslmode=disable)
[[ $out == *'rejects connection for host "127.0.0.1", user "'$APP'"'*'no encryption'* ]] \
  && ok "plain text is refused (pg_hba.conf: no encryption)" || not_ok "plain text is refused" "$out"
out=$(PGPASSFILE=/dev/null tcp_as "$APP" password=not-the-password)
[[ $out == *"password authentication failed for user \"$APP\""* ]] \
  && ok "a wrong password is refused over TLS" || not_ok "a wrong password is refused over TLS" "$out"
out=$(PGPASSFILE=/dev/null psql -X -w -At -d "$DB" -U "$APP" -c "SELECT 1" 2>&1 <<<"" || true)
[[ $out == *"no password supplied"* || $out == *"password authentication failed"* ]] \
  && ok "over the socket too a login needs its password" || not_ok "over the socket too a login needs its password" "$out"

# Another CA: its own key and certificate, which never signed the server's.
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$tmp/other.key" \
  -out "$tmp/other.crt" -days 1 -subj "/CN=another CA" 2>/dev/null
out=$(tcp_as "$APP" sslrootcert="$tmp/other.crt")
[[ $out == *"certificate verify failed"* ]] && ok "verify-full against another CA fails (certificate verify failed)" \
  || not_ok "verify-full against another CA fails" "$out"

out=$(psql -X -w -At "host=127.0.0.1 port=$PGPORT dbname=$DB user=postgres" -c "SELECT 1" 2>&1 || true)
[[ $out == *'rejects connection for host "127.0.0.1", user "postgres"'*'SSL encryption'* ]] \
  && ok "the superuser is refused over TCP, even with TLS" || not_ok "the superuser is refused over TCP, even with TLS" "$out"
is "$(psql_db "$DB" -c "SELECT current_user")" postgres "the superuser gets in over the local socket (peer, no password)"
out=$(tcp_as "$LONER")
[[ $out == *'rejects connection for host "127.0.0.1", user "'$LONER'"'* ]] \
  && ok "a login of no Synapse group is refused over TCP" || not_ok "a login of no Synapse group is refused over TCP" "$out"

# TLS 1.1 offered by a client that allows it (OpenSSL's security level 0): the server ends
# the handshake; the same client with TLS 1.2 gets through, so the tool is not the reason.
handshake() {
  timeout 10 openssl s_client -connect "127.0.0.1:$PGPORT" -starttls postgres -CAfile "$PGSSLROOTCERT" \
    -verify_return_error -cipher 'DEFAULT:@SECLEVEL=0' "$@" </dev/null 2>&1
}
out=$(handshake -tls1_2) && [[ $out == *"Protocol  : TLSv1.2"* ]] \
  && ok "a TLS 1.2 handshake succeeds (certificate verified)" || not_ok "a TLS 1.2 handshake succeeds" "$(tail -5 <<<"$out")"
out=$(handshake -tls1_1) && not_ok "a TLS 1.1 handshake is refused" "$(tail -5 <<<"$out")" \
  || { [[ $out == *"alert protocol version"* || $out == *"unsupported protocol"* || $out == *"no protocols available"* ]] \
       && ok "a TLS 1.1 handshake is refused ($(grep -o -m1 'alert protocol version\|unsupported protocol\|no protocols available' <<<"$out"))" \
       || not_ok "a TLS 1.1 handshake is refused for its version" "$(tail -5 <<<"$out")"; }

# Certificate rotation: a new certificate and key, taken by a reload, no restart; a session
# open meanwhile goes on.
fingerprint() {
  timeout 10 openssl s_client -connect "127.0.0.1:$PGPORT" -starttls postgres </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
before=$(fingerprint) started=$(psql_db postgres -c "SELECT pg_postmaster_start_time()")
coproc SESSION { psql -X -w -q -At "host=127.0.0.1 port=$PGPORT dbname=$DB user=$APP" 2>&1; }
opened=""
if [ -n "${SESSION[1]:-}" ]; then
  echo "SELECT 'open ' || pg_backend_pid();" >&"${SESSION[1]}"
  read -r -t 20 opened <&"${SESSION[0]}" || true
fi
"$ROOT/scripts/cluster.sh" certificate "$SYNAPSE_TEST_CLUSTER"
sleep 1
after=$(fingerprint)
[ -n "$before" ] && [ -n "$after" ] && [ "$before" != "$after" ] \
  && ok "cluster.sh certificate: the server presents a new certificate after the reload" \
  || not_ok "cluster.sh certificate: the server presents a new certificate after the reload" "before: $before" "after:  $after"
is "$(psql_db postgres -c "SELECT pg_postmaster_start_time()")" "$started" "without a restart"
out=$(tcp_as "$APP")
[[ $out =~ ^true\ TLSv1\.[23]$ ]] && ok "a new connection verifies the new certificate (verify-full)" || not_ok "a new connection verifies the new certificate" "$out"
still=""
if [ -n "${SESSION[1]:-}" ]; then  # bash unsets it when the session has ended
  echo "SELECT 'still ' || pg_backend_pid();" >&"${SESSION[1]}"
  read -r -t 20 still <&"${SESSION[0]}" || true
fi
[[ $opened =~ ^open\ ([0-9]+)$ ]] && [ "$still" = "still ${BASH_REMATCH[1]}" ] \
  && ok "a session opened before the rotation goes on (backend ${BASH_REMATCH[1]})" \
  || not_ok "a session opened before the rotation goes on" "before: $opened" "after:  $still"
if [ -n "${SESSION[1]:-}" ]; then echo '\q' >&"${SESSION[1]}"; fi
wait "${SESSION_PID:-}" 2>/dev/null || true

# pg_hba.conf as loaded: TCP lines are TLS-only with SCRAM (or reject); nothing trusts.
is "$(psql_db postgres -c "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL OR auth_method IN ('trust', 'password', 'md5', 'ident')
                            OR (type <> 'local' AND auth_method NOT IN ('scram-sha-256', 'reject'))
                            OR (type IN ('host', 'hostnossl') AND auth_method <> 'reject')")" 0 \
   "pg_hba.conf (loaded): TCP only hostssl with scram-sha-256, no trust, no md5, no error"
is "$(psql_db postgres -c "SELECT string_agg(DISTINCT user_name::text, ' ') FROM pg_hba_file_rules WHERE type = 'local' AND auth_method = 'peer'")" \
   "{postgres}" "peer (the OS user) only for the superuser, on the socket"
# Every hba file the scripts wrote (from ops/postgresql/pg_hba.conf and
# ops/pgbouncer/pgbouncer_hba.conf, whose first line they keep), of each cluster in the
# clusters' directory and its PgBouncer. A file of an older checkout, not rewritten since
# (cluster.sh rewrites it at every start), is named but not judged.
work=$("$ROOT/scripts/pg-workdir.sh")
. "$ROOT/scripts/privileges.sh"
bad="" checked=0
for f in "$work"/*/data/pg_hba.conf "$work"/*/pgbouncer/pgbouncer_hba.conf; do
  as_root test -f "$f" || continue
  case "$(as_root head -1 "$f")" in
    "# pg_hba.conf of a Synapse server"*|"# PgBouncer's client authentication"*) ;;
    *) echo "# not written by this checkout's scripts (start it once, or destroy it): $f"; continue ;;
  esac
  checked=$((checked + 1))
  lines=$(as_root awk '!/^[[:space:]]*(#|$)/ && (/[[:space:]]trust([[:space:]]|$)/ || ($1 != "local" && $1 != "hostssl" && !/[[:space:]]reject([[:space:]]|$)/))' "$f")
  [ -z "$lines" ] || bad+="$f: $lines"$'\n'
done
[ "$checked" -gt 0 ] && is "$bad" "" "no trust and no plain-text TCP line in the $checked hba files the scripts wrote" \
  || not_ok "the hba files the scripts wrote were found" "none under $work"

psql_db postgres -c "DROP ROLE $APP" -c "DROP ROLE $LONER"
done_testing
