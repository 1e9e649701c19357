"""A small Python client of the synapse_ext SQL surface with psycopg 3.

The calls a script or service makes, each a thin function over one SQL statement with its
values as parameters. Patterns go in as dicts and come back as dicts; timestamps go in and
come back as time-zone-aware datetimes; a bad argument (SQLSTATE 22023) raises
InvalidArgument, what an API answers with HTTP 422, and a refused identity (28000, 42501)
IdentityError. sign_identity_token mints the tokens of the signed identity mode.

The tests beside it (test_synapse_client.py) run it against a migrated, seeded database,
directly and through PgBouncer in transaction mode: see connect() for what that needs.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from psycopg.rows import class_row
from psycopg.types.json import JsonbDumper


def connect(dsn: str, transaction_pooling: bool = False) -> psycopg.Connection:
    """Opens a connection in autocommit mode: each statement is its own transaction unless
    it runs inside `with conn.transaction():` (or as_user), so no transaction stays open
    between requests, which behind PgBouncer would hold a server connection.

    transaction_pooling: True behind PgBouncer in transaction mode. PgBouncer 1.18 hands
    each transaction to any server connection and does not carry prepared statements
    between them; psycopg prepares a statement on the server after it ran 5 times
    (prepare_threshold), so that is switched off. Queries then use the unnamed statement
    of the extended protocol, which any server connection answers.
    """
    conn = psycopg.connect(dsn, autocommit=True,
                           prepare_threshold=None if transaction_pooling else 5)
    # A dict parameter is a JSON document: pass patterns as plain dicts. (A list stays a
    # PostgreSQL array, as psycopg sends it by default.)
    conn.adapters.register_dumper(dict, JsonbDumper)
    return conn


class InvalidArgument(Exception):
    """SQLSTATE 22023 (invalid_parameter_value) from the extension: a pattern or another
    argument it refuses. message is the first problem, problems all of them, each
    "path: what is wrong" (the error's DETAIL, one per line)."""

    def __init__(self, sqlstate: str, message: str, detail: str | None):
        super().__init__(message)
        self.sqlstate = sqlstate
        self.message = message
        self.detail = detail
        self.problems = detail.split("\n") if detail else []


@contextlib.contextmanager
def _typed_errors() -> Iterator[None]:
    try:
        yield
    except psycopg.errors.InvalidParameterValue as e:
        raise InvalidArgument(e.sqlstate, e.diag.message_primary, e.diag.message_detail) from e


def pattern_errors(conn: psycopg.Connection, pattern: dict) -> list[str]:
    """Every problem of a pattern; empty when it is valid."""
    return conn.execute("SELECT synapse.recurrence_pattern_errors(%s)", [pattern]).fetchone()[0]


def validate_pattern(conn: psycopg.Connection, pattern: dict) -> dict:
    """The normalised pattern (defaults filled in); InvalidArgument when it is bad."""
    with _typed_errors():
        return conn.execute("SELECT synapse.validate_recurrence_pattern(%s)", [pattern]).fetchone()[0]


def next_occurrence(conn: psycopg.Connection, pattern: dict, after: dt.datetime,
                    dtstart: dt.datetime | None = None) -> dt.datetime | None:
    """The first occurrence strictly after `after`; None once the series has ended."""
    with _typed_errors():
        return conn.execute("SELECT synapse.calculate_next_occurrence(%s, %s, %s)",
                            [pattern, after, dtstart]).fetchone()[0]


def occurrences(conn: psycopg.Connection, pattern: dict, dtstart: dt.datetime,
                max_count: int) -> list[dt.datetime]:
    """A preview of the series from dtstart: at most max_count occurrences."""
    with _typed_errors():
        rows = conn.execute("SELECT o FROM synapse.recurrence_occurrences(%s, %s, max_count => %s) AS o",
                            [pattern, dtstart, max_count])
        return [o for (o,) in rows]


class IdentityError(Exception):
    """The server refusing to act for a user. sqlstate 28000
    (invalid_authorization_specification): the token is bad, expired, signed by a key
    synapse.identity_keys does not list, or its user is unknown or deactivated; an API
    answers HTTP 401. 42501 (insufficient_privilege): set_current_user while the database
    requires signed tokens (synapse.identity_require_token), a deployment error."""

    def __init__(self, sqlstate: str, message: str):
        super().__init__(message)
        self.sqlstate = sqlstate
        self.message = message


@contextlib.contextmanager
def _acting_as(conn: psycopg.Connection, identity_sql: str, value: object) -> Iterator[psycopg.Connection]:
    """A transaction that first sets the identity with identity_sql (one parameter)."""
    with conn.transaction():
        try:
            conn.execute(identity_sql, [value])
        # Only this call's refusals: a 42501 elsewhere is a missing privilege.
        except (psycopg.errors.InvalidAuthorizationSpecification, psycopg.errors.InsufficientPrivilege) as e:
            raise IdentityError(e.sqlstate, e.diag.message_primary) from e
        yield conn


def as_user(conn: psycopg.Connection, user_id: uuid.UUID) -> contextlib.AbstractContextManager[psycopg.Connection]:
    """One transaction acting for a Synapse user: set_current_user records the identity
    transaction-locally (SET LOCAL), so row-level security applies to everything inside
    and the identity is gone after COMMIT or ROLLBACK, also behind PgBouncer. An unknown
    user, or a database that requires signed tokens (as_user_token), raises IdentityError."""
    return _acting_as(conn, "SELECT synapse.set_current_user(%s)", user_id)


def as_user_token(conn: psycopg.Connection, token: str) -> contextlib.AbstractContextManager[psycopg.Connection]:
    """as_user in signed mode: one transaction acting for the user the token names, after
    synapse.set_current_user_token checked its signature, audience and expiry. A refused
    token raises IdentityError before the block runs."""
    return _acting_as(conn, "SELECT synapse.set_current_user_token(%s)", token)


DEFAULT_AUDIENCE = "synapse"
"""The audience the server expects unless synapse.identity_audience says otherwise."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def sign_identity_token(private_key: Ed25519PrivateKey, user_id: uuid.UUID | str, *, kid: str | None,
                        audience: str = DEFAULT_AUDIENCE, ttl: dt.timedelta = dt.timedelta(minutes=5),
                        now: dt.datetime | None = None) -> str:
    """The token synapse.set_current_user_token accepts for user_id: a compact JWT (base64url
    without padding) signed with Ed25519, header alg "EdDSA" and kid (the key's id in
    synapse.identity_keys; None leaves it out), claims sub, aud, iat now and exp now + ttl in
    whole seconds. Keep ttl short (minutes): the token is the user's identity for as long as
    it is valid."""
    issued = int((now or dt.datetime.now(dt.timezone.utc)).timestamp())
    header = {"alg": "EdDSA", "typ": "JWT"} | ({"kid": kid} if kid is not None else {})
    claims = {"sub": str(user_id), "aud": audience, "iat": issued, "exp": issued + int(ttl.total_seconds())}
    signed = f"{_b64url(_compact_json(header))}.{_b64url(_compact_json(claims))}"
    # Ed25519 signs the message itself (JWS EdDSA, RFC 8037): no digest first.
    return f"{signed}.{_b64url(private_key.sign(signed.encode('ascii')))}"


def identity_key_set(keys: Mapping[str, Ed25519PublicKey]) -> str:
    """The JWKS document of Ed25519 public keys by key id: the value of synapse.identity_keys
    (during a rotation, the old key and the new one). The private keys stay with the
    identity service."""
    return json.dumps({"keys": [
        {"alg": "EdDSA", "crv": "Ed25519", "kid": kid, "kty": "OKP", "use": "sig",
         "x": _b64url(keys[kid].public_bytes(Encoding.Raw, PublicFormat.Raw))}
        for kid in sorted(keys)  # the same keys, the same text
    ]}, separators=(",", ":"))


def current_user_id(conn: psycopg.Connection) -> uuid.UUID | None:
    return conn.execute("SELECT synapse.current_user_id()").fetchone()[0]


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    department_id: uuid.UUID


def user_by_email(conn: psycopg.Connection, email: str) -> User:
    """The active user with this email (any case), before any identity: through
    synapse.login_lookup, as row-level security shows no user without a current one."""
    with conn.cursor(row_factory=class_row(User)) as cur:
        user = cur.execute("SELECT user_id AS id, department_id FROM synapse.login_lookup(%s)",
                           [email]).fetchone()
    if user is None:
        raise LookupError(f"no active user {email}")
    return user


def create_template(conn: psycopg.Connection, *, department_id: uuid.UUID, task_id: str, title: str,
                    creator_id: uuid.UUID, pattern: dict, start: dt.datetime,
                    assignees: Sequence[uuid.UUID] = ()) -> tuple[uuid.UUID, dt.datetime]:
    """Inserts a recurring template and its assignees; the database sets next_occurrence
    from the pattern. Returns the template's id and first occurrence."""
    with _typed_errors():
        template_id, first = conn.execute(
            """INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring,
                                          recurrence_pattern, recurrence_start)
               VALUES (%s, %s, %s, %s, true, %s, %s)
               RETURNING id, next_occurrence""",
            [department_id, task_id, title, creator_id, pattern, start]).fetchone()
    for user in assignees:
        conn.execute("""INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by)
                        VALUES (%s, %s, %s, %s)""", [department_id, template_id, user, creator_id])
    return template_id, first


@dataclass(frozen=True)
class GenerationResult:
    tasks_generated: int
    tasks_failed: int
    execution_time_ms: int


def generate_recurring(conn: psycopg.Connection, batch_size: int = 100,
                       as_of: dt.datetime | None = None) -> GenerationResult:
    """One batch of generation for the templates due at as_of (default: now), every
    department's: it runs as the owner of synapse.tasks whoever calls it (an as_of in the
    future needs that owner's rights)."""
    with _typed_errors(), conn.cursor(row_factory=class_row(GenerationResult)) as cur:
        return cur.execute("SELECT * FROM synapse.generate_recurring_tasks(%s, %s)",
                           [batch_size, as_of]).fetchone()


@dataclass(frozen=True)
class Task:
    department_id: uuid.UUID
    id: uuid.UUID
    task_id: str
    title: str
    status: str
    priority: str
    due_date: dt.datetime | None


@dataclass(frozen=True)
class SearchHit(Task):
    rank: float
    snippet: str
    matched_by: str


def instances(conn: psycopg.Connection, department_id: uuid.UUID, template_id: uuid.UUID) -> list[Task]:
    """A template's generated instances by occurrence."""
    with conn.cursor(row_factory=class_row(Task)) as cur:
        return cur.execute("""SELECT department_id, id, task_id, title, status, priority, occurrence_at AS due_date
                                FROM synapse.tasks
                               WHERE department_id = %s AND recurrence_parent_id = %s
                               ORDER BY occurrence_at""", [department_id, template_id]).fetchall()


def my_tasks(conn: psycopg.Connection, after: Task | None = None, page_size: int = 50) -> list[Task]:
    """One keyset page of the current user's open tasks; after: the previous page's last row."""
    keys = [after.due_date, after.priority, after.id] if after else [None, None, None]
    with _typed_errors(), conn.cursor(row_factory=class_row(Task)) as cur:
        return cur.execute("""SELECT department_id, id, task_id, title, status, priority, due_date
                                FROM synapse.my_tasks(%s, %s, %s, %s)""", [*keys, page_size]).fetchall()


def search_tasks(conn: psycopg.Connection, query: str, max_results: int = 50) -> list[SearchHit]:
    """Searches the tasks the current user may read (web-search syntax)."""
    with _typed_errors(), conn.cursor(row_factory=class_row(SearchHit)) as cur:
        return cur.execute("""SELECT department_id, id, task_id, title, status, priority, due_date,
                                     rank, snippet, matched_by
                                FROM synapse.search_tasks(%s, %s)""", [query, max_results]).fetchall()
