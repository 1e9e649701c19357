#!/usr/bin/env python3
"""Prints the SCRAM-SHA-256 secret (RFC 5803, PostgreSQL's rolpassword format) of the
password read from stdin, as psql's \\password computes it: the server (ALTER ROLE ...
PASSWORD 'SCRAM-SHA-256$...') and PgBouncer's auth_file get the secret, never the password,
so it appears in no statement text, log or pg_stat_statements entry.

    scripts/scram-secret.py <<<"$password"
"""
import base64
import hashlib
import hmac
import os
import sys

ITERATIONS = 4096  # PostgreSQL's scram_iterations default


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def secret(password: str) -> str:
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return f"SCRAM-SHA-256${ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


if __name__ == "__main__":
    # The generated passwords are ASCII, which SASLprep (RFC 4013) leaves as they are.
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        sys.exit("scram-secret.py: no password on stdin")
    print(secret(password))
