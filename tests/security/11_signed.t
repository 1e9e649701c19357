#!/usr/bin/env bash
# The same attacks in signed identity mode: synapse.identity_require_token = on, the
# identity only from an EdDSA token (synapse.set_current_user_token) signed by a key of
# synapse.identity_keys, minted here with openssl (tests/security/jwt.sh).
source "$(dirname "$0")/lib.sh"
MODE=signed
source "$(dirname "$0")/attacks.sh"
done_testing
