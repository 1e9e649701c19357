# Ed25519-signed JWTs (EdDSA, RFC 8037) for the signed identity mode, made with openssl
# alone: a key pair, its JWKS for synapse.identity_keys, and a token per user.
#
#   jwt_keygen DIR KID     writes DIR/KID.pem (the private key), prints the JWKS of its public key
#   jwt_mint DIR KID SUB [AUD] [EXP_IN] [NBF_IN]
#                          prints a compact JWT for user SUB (a uuid), audience AUD (default
#                          synapse), expiring EXP_IN seconds from now (default 3600), valid
#                          from NBF_IN seconds from now (default -60)

# b64url: standard input as unpadded base64url.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

jwt_keygen() {
  local dir=$1 kid=$2 x
  openssl genpkey -algorithm ed25519 -out "$dir/$kid.pem" 2>/dev/null
  # The raw 32-byte public key is the end of its DER SubjectPublicKeyInfo.
  x=$(openssl pkey -in "$dir/$kid.pem" -pubout -outform DER | tail -c 32 | b64url)
  printf '{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"%s","x":"%s"}]}' "$kid" "$x"
}

jwt_mint() {
  local dir=$1 kid=$2 sub=$3 aud=${4:-synapse} exp_in=${5:-3600} nbf_in=${6:--60} now header claims input
  now=$(date +%s)
  header=$(printf '{"alg":"EdDSA","typ":"JWT","kid":"%s"}' "$kid" | b64url)
  claims=$(printf '{"sub":"%s","aud":"%s","iat":%d,"nbf":%d,"exp":%d}' "$sub" "$aud" "$now" \
             $((now + nbf_in)) $((now + exp_in)) | b64url)
  input="$header.$claims"
  # Ed25519 signs the message itself (no digest first): -rawin, from a file (one shot).
  printf '%s' "$input" >"$dir/$kid.input"
  printf '%s.%s' "$input" "$(openssl pkeyutl -sign -inkey "$dir/$kid.pem" -rawin -in "$dir/$kid.input" | b64url)"
}
