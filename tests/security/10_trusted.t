#!/usr/bin/env bash
# The attacks in trusted identity mode: the application names the user with
# synapse.set_current_user(uuid) (tests/security/attacks.sh).
source "$(dirname "$0")/lib.sh"
MODE=trusted
source "$(dirname "$0")/attacks.sh"
done_testing
