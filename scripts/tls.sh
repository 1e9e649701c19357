#!/usr/bin/env bash
# TLS certificates for the servers the project starts (PostgreSQL clusters, PgBouncer).
# A local CA, made once per checkout in the clusters' directory (scripts/pg-workdir.sh:
# ca/ca.crt, ca/ca.key), signs one ECDSA P-256 certificate per server for the names clients
# reach it by; its key never leaves that directory (0600) and nothing here is tracked by git.
# An operator's own files replace the local CA's: SYNAPSE_TLS_CERT and SYNAPSE_TLS_KEY (the
# server's certificate and key), SYNAPSE_TLS_CA (the CA certificate clients verify it with).
#
#   scripts/tls.sh issue DIR OWNER   DIR/server.crt, DIR/server.key (OWNER's, 0600) and
#                                    DIR/ca.crt, unless DIR/server.crt exists already
#   scripts/tls.sh renew DIR OWNER   new ones in place of the old; the server keeps running
#                                    and takes them on its next reload (pg_ctl reload, or
#                                    PgBouncer's RELOAD / SIGHUP)
#   scripts/tls.sh ca                prints the local CA's directory (made when missing)
#
# Names in the certificate: localhost, 127.0.0.1 and SYNAPSE_TLS_HOSTNAMES (comma-separated
# DNS names and IP addresses). Validity: SYNAPSE_TLS_DAYS (default 397, what browsers
# accept; the local CA lives 10 years).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: tls.sh issue|renew DIR OWNER | ca"
cmd=${1:?$usage}
. "$root/scripts/privileges.sh"

ca_dir="$("$root/scripts/pg-workdir.sh")/ca"

ensure_ca() {
  [ -f "$ca_dir/ca.crt" ] && return 0
  mkdir -p "$ca_dir"
  chmod 700 "$ca_dir"
  # P-256 keys: a handshake signs with ECDSA, several times cheaper than RSA 2048 for the
  # 1,000 clients of the load run.
  (umask 077
   openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
     -keyout "$ca_dir/ca.key.tmp" -out "$ca_dir/ca.crt.tmp" -days 3650 \
     -subj "/CN=Synapse local CA $(hostname) $(date -u +%Y%m%d%H%M%S)" \
     -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null)
  chmod 644 "$ca_dir/ca.crt.tmp"
  mv "$ca_dir/ca.key.tmp" "$ca_dir/ca.key"
  mv "$ca_dir/ca.crt.tmp" "$ca_dir/ca.crt"
}

# san: the subjectAltName value for localhost, 127.0.0.1 and SYNAPSE_TLS_HOSTNAMES.
san() {
  local name out="DNS:localhost,IP:127.0.0.1"
  IFS=, read -r -a extra <<<"${SYNAPSE_TLS_HOSTNAMES:-}"
  for name in "${extra[@]}"; do
    name=${name// /}
    [ -n "$name" ] || continue
    if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then out+=",IP:$name"; else out+=",DNS:$name"; fi
  done
  echo "$out"
}

# write DIR OWNER: the certificate, key and CA certificate into DIR, each replaced by a rename
# so that a server reloading meanwhile reads either the old files or the new ones.
write() {
  local dir=$1 owner=$2 tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  if [ -n "${SYNAPSE_TLS_CERT:-}${SYNAPSE_TLS_KEY:-}${SYNAPSE_TLS_CA:-}" ]; then
    [ -f "${SYNAPSE_TLS_CERT:-}" ] && [ -f "${SYNAPSE_TLS_KEY:-}" ] && [ -f "${SYNAPSE_TLS_CA:-}" ] || {
      echo "tls.sh: SYNAPSE_TLS_CERT, SYNAPSE_TLS_KEY and SYNAPSE_TLS_CA must name three existing files" >&2; exit 1; }
    cp "$SYNAPSE_TLS_CERT" "$tmp/server.crt"
    cp "$SYNAPSE_TLS_KEY" "$tmp/server.key"
    cp "$SYNAPSE_TLS_CA" "$tmp/ca.crt"
  else
    ensure_ca
    (umask 077
     openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$tmp/server.key" \
       -subj "/CN=$(basename "$(dirname "$dir")")" -out "$tmp/server.csr" 2>/dev/null
     printf '%s\n' "subjectAltName=$(san)" "basicConstraints=critical,CA:FALSE" \
       "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$tmp/ext"
     openssl x509 -req -in "$tmp/server.csr" -CA "$ca_dir/ca.crt" -CAkey "$ca_dir/ca.key" \
       -set_serial "0x$(openssl rand -hex 16)" -days "${SYNAPSE_TLS_DAYS:-397}" -sha256 \
       -extfile "$tmp/ext" -out "$tmp/server.crt" 2>/dev/null)
    cp "$ca_dir/ca.crt" "$tmp/ca.crt"
  fi
  # The key must be its owner's alone, or PostgreSQL refuses to start.
  as_root mkdir -p "$dir"
  as_root install -o "$owner" -m 600 "$tmp/server.key" "$dir/server.key.new"
  as_root install -o "$owner" -m 644 "$tmp/server.crt" "$dir/server.crt.new"
  as_root install -o "$owner" -m 644 "$tmp/ca.crt" "$dir/ca.crt.new"
  as_root mv "$dir/server.key.new" "$dir/server.key"
  as_root mv "$dir/server.crt.new" "$dir/server.crt"
  as_root mv "$dir/ca.crt.new" "$dir/ca.crt"
}

case "$cmd" in
issue)
  dir=${2:?$usage} owner=${3:?$usage}
  as_root test -f "$dir/server.crt" || write "$dir" "$owner"
  ;;
renew)
  write "${2:?$usage}" "${3:?$usage}"
  ;;
ca)
  ensure_ca
  echo "$ca_dir"
  ;;
*)
  echo "$usage" >&2; exit 2 ;;
esac
