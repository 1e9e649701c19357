"""The example client as tests, against a migrated and seeded database (the development
organisation of sql/seed/dev_seed.sql) named by SYNAPSE_DSN, as a login role in
synapse_app; SYNAPSE_TRANSACTION_POOLING=1 when SYNAPSE_DSN points at PgBouncer in
transaction mode. The signed identity mode runs in a second copy of that database no one has
connected to yet: SYNAPSE_SIGNED_DSN (the same way in, as the same role) and
SYNAPSE_SIGNED_ADMIN_DSN (a superuser, directly), which configures it.
scripts/test-clients.sh sets them all."""

import datetime as dt
import os
import unittest
import uuid
from zoneinfo import ZoneInfo

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql

import synapse_client as sc

DSN = os.environ.get("SYNAPSE_DSN")
SIGNED_DSN = os.environ.get("SYNAPSE_SIGNED_DSN")
SIGNED_ADMIN_DSN = os.environ.get("SYNAPSE_SIGNED_ADMIN_DSN")
TRANSACTION_POOLING = os.environ.get("SYNAPSE_TRANSACTION_POOLING") == "1"
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not (DSN and SIGNED_DSN and SIGNED_ADMIN_DSN):
            raise RuntimeError("SYNAPSE_DSN, SYNAPSE_SIGNED_DSN or SYNAPSE_SIGNED_ADMIN_DSN is not set: "
                               "run through scripts/test-clients.sh (make test-clients)")

    def setUp(self):
        self.conn = sc.connect(DSN, TRANSACTION_POOLING)
        self.addCleanup(self.conn.close)


class ConnectionTest(ClientTest):
    def test_connection_uses_verified_tls(self):
        """TLS with the server's certificate and host name checked (sslmode=verify-full and
        sslrootcert in SYNAPSE_DSN), directly and to PgBouncer alike."""
        self.assertTrue(self.conn.pgconn.ssl_in_use)
        self.assertEqual(self.conn.info.get_parameters().get("sslmode"), "verify-full")


class PatternTest(ClientTest):
    def test_pattern_errors_lists_every_problem(self):
        problems = sc.pattern_errors(self.conn, {"frequncy": "weekly", "daysOfWeek": [1, 8, 1]})
        self.assertEqual(problems, [
            'frequncy: unknown key (did you mean "frequency"?)',
            'frequency: required: one of "daily", "weekly", "monthly", "yearly"',
            "daysOfWeek[1]: 8 is not an ISO weekday (1..7)",
            "daysOfWeek[2]: 1 repeats daysOfWeek[0]",
        ])
        self.assertEqual(sc.pattern_errors(self.conn, {"frequency": "weekly", "daysOfWeek": [2, 4]}), [])

    def test_bad_arguments_raise_invalid_argument(self):
        with self.assertRaises(sc.InvalidArgument) as caught:
            sc.validate_pattern(self.conn, {"frequency": "weekly", "daysOfWeek": [1, 8], "interval": 0})
        e = caught.exception
        self.assertEqual(e.sqlstate, "22023")
        self.assertEqual(e.message, "interval: 0 is not an integer in 1..999")
        self.assertEqual(e.problems, ["interval: 0 is not an integer in 1..999",
                                      "daysOfWeek[1]: 8 is not an ISO weekday (1..7)"])

        # One problem: the message, and DETAIL lists it too.
        with self.assertRaises(sc.InvalidArgument) as caught:
            sc.next_occurrence(self.conn, {"frequency": "weekly", "daysOfWeek": [9]}, dt.datetime.now(dt.timezone.utc))
        self.assertEqual((caught.exception.sqlstate, caught.exception.message, caught.exception.problems),
                         ("22023", "daysOfWeek[0]: 9 is not an ISO weekday (1..7)",
                          ["daysOfWeek[0]: 9 is not an ISO weekday (1..7)"]))

        # Not only patterns: any argument the extension refuses.
        with self.assertRaises(sc.InvalidArgument) as caught:
            sc.search_tasks(self.conn, "report", max_results=0)
        self.assertEqual(caught.exception.sqlstate, "22023")

        # The connection is usable after each error (autocommit: nothing was left aborted).
        self.assertEqual(sc.pattern_errors(self.conn, {"frequency": "daily"}), [])

    def test_native_patterns_and_zoned_times(self):
        self.assertEqual(
            sc.validate_pattern(self.conn, {"frequency": "weekly", "daysOfWeek": [4, 2], "timezone": "Europe/Berlin"}),
            {"anchor": "schedule", "catchUp": "all", "exdates": [], "interval": 1, "timezone": "Europe/Berlin",
             "frequency": "weekly", "weekStart": 1, "daysOfWeek": [2, 4], "monthDayOverflow": "skip"})

        # Tuesdays and Thursdays 09:30 in Berlin from Tuesday 24 March 2026; asked after a
        # moment given in New York's zone. Summer time starts on 29 March: the next one is
        # 09:30 CEST, 07:30 UTC.
        pattern = {"frequency": "weekly", "daysOfWeek": [2, 4], "timezone": "Europe/Berlin"}
        dtstart = berlin(2026, 3, 24, 9, 30)
        after = dt.datetime(2026, 3, 27, 8, 0, tzinfo=ZoneInfo("America/New_York"))
        nxt = sc.next_occurrence(self.conn, pattern, after, dtstart)
        self.assertEqual(nxt, berlin(2026, 3, 31, 9, 30))
        self.assertEqual(nxt.astimezone(dt.timezone.utc).hour, 7)
        self.assertEqual(nxt.astimezone(BERLIN).hour, 9)

        # The same instant as the server sees it: its UTC text, and its comparison with the
        # value sent back.
        text, same = self.conn.execute(
            """SELECT to_char(n AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SSOF'), n = %s
                 FROM synapse.calculate_next_occurrence(%s, %s, %s) AS n""",
            [berlin(2026, 3, 31, 9, 30), pattern, after, dtstart]).fetchone()
        self.assertEqual(dt.datetime.fromisoformat(text.replace("+00", "+00:00")), nxt)
        self.assertTrue(same)

        self.assertEqual(sc.occurrences(self.conn, pattern, dtstart, 4),
                         [berlin(2026, 3, 24, 9, 30), berlin(2026, 3, 26, 9, 30),
                          berlin(2026, 3, 31, 9, 30), berlin(2026, 4, 2, 9, 30)])

        # A series with a count ends: no next occurrence.
        self.assertIsNone(sc.next_occurrence(self.conn, {"frequency": "daily", "count": 2},
                                             dtstart + dt.timedelta(days=2), dtstart))


class RecurringMyTasksSearchTest(ClientTest):
    """One flow in several transactions, as a service handles several requests (behind
    PgBouncer each may run on another server connection)."""

    def test_template_generation_my_tasks_and_search(self):
        conn = self.conn
        sofia = sc.user_by_email(conn, "sofia.martins@example.com")
        priya = sc.user_by_email(conn, "priya.raman@example.com")  # Admin, Operations

        # Tuesdays and Thursdays at 09:30 Berlin time, assigned to Sofia herself.
        with sc.as_user(conn, sofia.id):
            template_id, first = sc.create_template(
                conn, department_id=sofia.department_id, task_id="PY-NOTES", title="Update the release notes",
                creator_id=sofia.id, pattern={"frequency": "weekly", "daysOfWeek": [2, 4], "timezone": "Europe/Berlin"},
                start=berlin(2026, 3, 24, 9, 30), assignees=[sofia.id])
        self.assertEqual(first, berlin(2026, 3, 24, 9, 30))

        def remove_template():
            with sc.as_user(conn, sofia.id):
                conn.execute("DELETE FROM synapse.tasks WHERE department_id = %s AND %s IN (id, recurrence_parent_id)",
                             [sofia.department_id, template_id])
        self.addCleanup(remove_template)

        # Generation up to Friday 3 April (UTC midnight): four occurrences, across the change
        # to summer time; a second run makes none again.
        as_of = dt.datetime(2026, 4, 3, tzinfo=dt.timezone.utc)
        due = [berlin(2026, 3, 24, 9, 30), berlin(2026, 3, 26, 9, 30), berlin(2026, 3, 31, 9, 30), berlin(2026, 4, 2, 9, 30)]
        for run in (1, 2):
            with sc.as_user(conn, sofia.id):
                result = sc.generate_recurring(conn, 100, as_of)
            self.assertEqual(result.tasks_failed, 0)
            if run == 1:
                self.assertGreaterEqual(result.tasks_generated, 4)
        with sc.as_user(conn, sofia.id):
            made = sc.instances(conn, sofia.department_id, template_id)
        self.assertEqual([t.due_date for t in made], due)
        self.assertEqual({(t.title, t.status) for t in made}, {("Update the release notes", "To Do")})

        # Sofia's tasks, two keyset pages: her open assignments by due date, the instances first.
        with sc.as_user(conn, sofia.id):
            first_page = sc.my_tasks(conn, page_size=3)
            second_page = sc.my_tasks(conn, after=first_page[-1], page_size=3)
        self.assertEqual(len(first_page), 3)
        page = first_page + second_page
        self.assertEqual([t.id for t in page[:4]], [t.id for t in made])
        self.assertEqual({t.department_id for t in page}, {sofia.department_id})

        # Search "update": Sofia finds her template and instances, and only in Engineering;
        # Priya, an Admin, finds Marketing's and Sales' "Update …" tasks as well.
        with sc.as_user(conn, sofia.id):
            found = sc.search_tasks(conn, "update")
        self.assertEqual({t.department_id for t in found}, {sofia.department_id})
        mine = [t for t in found if t.title == "Update the release notes"]
        self.assertEqual(len(mine), 5)
        self.assertEqual({(t.matched_by, t.snippet) for t in mine}, {("fulltext", "<b>Update</b> the release notes")})
        with sc.as_user(conn, priya.id):
            departments = {t.department_id for t in sc.search_tasks(conn, "update")}
        self.assertIn(sofia.department_id, departments)
        self.assertGreaterEqual(len(departments), 3)

        # After COMMIT the identity is gone: no user, no tasks, no search results.
        self.assertIsNone(sc.current_user_id(conn))
        self.assertEqual(sc.my_tasks(conn), [])
        self.assertEqual(sc.search_tasks(conn, "update"), [])


class ServerConnectionsTest(ClientTest):
    def test_statements_move_between_server_connections(self):
        """Behind PgBouncer consecutive transactions of one connection run on whichever
        server connection is free. Connection a holds one in a transaction while b works, so
        b's statements land on at least two server connections (pg_backend_pid tells which):
        with psycopg's default prepare_threshold, b's statement is prepared on one server
        after five runs and unknown to the next."""
        a, b = self.conn, sc.connect(DSN, TRANSACTION_POOLING)
        self.addCleanup(b.close)
        pattern = {"frequency": "weekly", "daysOfWeek": [2, 4], "timezone": "Europe/Berlin"}
        dtstart = berlin(2026, 3, 24, 9, 30)
        backends = set()

        def on_b():
            pid, nxt = b.execute("SELECT pg_backend_pid(), synapse.calculate_next_occurrence(%s, %s, %s)",
                                 [pattern, dtstart + dt.timedelta(days=3), dtstart]).fetchone()
            self.assertEqual(nxt, berlin(2026, 3, 31, 9, 30))
            backends.add(pid)

        for _ in range(4):
            with a.transaction():
                a.execute("SELECT pg_backend_pid()")
                on_b()  # while a holds a server connection
            on_b()  # after a released it
        if TRANSACTION_POOLING:
            self.assertGreaterEqual(len(backends), 2, "through PgBouncer b ran on one server connection: the test shows nothing")


# The signing key of RFC 8032's first Ed25519 test vector, and the token openssl makes with it
# for these claims (header and claims as compact JSON in this order; openssl pkeyutl -sign
# -rawin): Ed25519 is deterministic, so the Go and Node clients expect the same text.
KAT_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
KAT_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
KAT_USER = uuid.UUID("8c9d1d3e-0d8f-4c1a-9f2b-6e7a5b4c3d2e")
KAT_TOKEN = (
    "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6ImthdC0yMDI2In0."
    "eyJzdWIiOiI4YzlkMWQzZS0wZDhmLTRjMWEtOWYyYi02ZTdhNWI0YzNkMmUiLCJhdWQiOiJzeW5hcHNlIiwiaWF0IjoxNzkwMDAwMDAwLCJleHAiOjE3OTAwMDAzMDB9."
    "WYsbBQNeo9AmHsf6Thl2ACa7zlpIyDborM4TgCXMPLzfOdrX_SKYqVJ-sZqfNy1scvmZaKK8qYIlUAWTGgGeBQ")


class IdentityTokenTest(unittest.TestCase):
    def test_sign_identity_token_matches_openssl(self):
        key = Ed25519PrivateKey.from_private_bytes(KAT_SEED)
        now = dt.datetime.fromtimestamp(1790000000, dt.timezone.utc)
        self.assertEqual(sc.sign_identity_token(key, KAT_USER, kid="kat-2026", now=now), KAT_TOKEN)
        self.assertEqual(
            sc.identity_key_set({"kat-2026": key.public_key()}),
            '{"keys":[{"alg":"EdDSA","crv":"Ed25519","kid":"kat-2026","kty":"OKP","use":"sig","x":"' + KAT_X + '"}]}')


def require_tokens(jwks: str) -> None:
    """Puts the signed database into signed mode as its superuser: tokens of the keys in
    jwks, set_current_user refused. Database settings apply to sessions that start
    afterwards, and PgBouncer keeps its server connections, so the database must be one no
    one has connected to yet (scripts/test-clients.sh makes a fresh copy for every run)."""
    with psycopg.connect(SIGNED_ADMIN_DSN, autocommit=True) as admin:
        used = admin.execute(
            """SELECT EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d
                                        ON d.oid = s.setdatabase WHERE d.datname = current_database())
                   OR EXISTS (SELECT FROM pg_catalog.pg_stat_activity
                               WHERE datname = current_database() AND backend_type = 'client backend'
                                 AND pid <> pg_backend_pid())""").fetchone()[0]
        if used:
            raise AssertionError("the signed database must be a fresh copy without settings or sessions "
                                 "(scripts/test-clients.sh makes one)")
        # ALTER DATABASE takes no parameters: psycopg quotes the name and the value.
        database = sql.Identifier(admin.info.dbname)
        admin.execute(sql.SQL("ALTER DATABASE {} SET synapse.identity_keys = {}").format(database, sql.Literal(jwks)))
        admin.execute(sql.SQL("ALTER DATABASE {} SET synapse.identity_require_token = on").format(database))


class SignedIdentityModeTest(unittest.TestCase):
    """Signed mode: the identity comes only from a token the identity service signed; the
    wall of the other tests holds the same way."""

    def test_signed_identity_mode(self):
        key = Ed25519PrivateKey.generate()
        require_tokens(sc.identity_key_set({"clients-python": key.public_key()}))
        conn = sc.connect(SIGNED_DSN, TRANSACTION_POOLING)
        self.addCleanup(conn.close)
        sofia = sc.user_by_email(conn, "sofia.martins@example.com")
        priya = sc.user_by_email(conn, "priya.raman@example.com")  # Admin, Operations

        def mint(user: sc.User, signing_key=key, kid="clients-python", now=None) -> str:
            return sc.sign_identity_token(signing_key, user.id, kid=kid, now=now)

        # Sofia's token: her open tasks and "stage" (Engineering's and Sales' tasks), only
        # Engineering's.
        with sc.as_user_token(conn, mint(sofia)):
            self.assertEqual(sc.current_user_id(conn), sofia.id)
            mine = sc.my_tasks(conn)
            found = sc.search_tasks(conn, "stage")
        self.assertTrue(mine and found, (mine, found))
        self.assertEqual({t.department_id for t in mine + found}, {sofia.department_id})
        # Priya's token (an Admin) finds "stage" in Sales too: the search above was filtered.
        with sc.as_user_token(conn, mint(priya)):
            departments = {t.department_id for t in sc.search_tasks(conn, "stage")}
        self.assertIn(sofia.department_id, departments)
        self.assertGreaterEqual(len(departments), 2)
        # After COMMIT the identity is gone.
        self.assertIsNone(sc.current_user_id(conn))
        self.assertEqual(sc.my_tasks(conn), [])

        # Refused, each with its SQLSTATE, before the block runs: the trusted way in (42501),
        # an expired token, a key the database does not list, and a stranger's key under the
        # listed kid (28000).
        stranger = Ed25519PrivateKey.generate()
        long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)
        for name, acting, sqlstate, message in [
            ("set_current_user", sc.as_user(conn, sofia.id), "42501", "identity_require_token is on"),
            ("expired token", sc.as_user_token(conn, mint(sofia, now=long_ago)), "28000", "the token expired at"),
            ("unknown key", sc.as_user_token(conn, mint(sofia, stranger, "clients-python-stranger")), "28000",
             'no key in synapse.identity_keys has kid "clients-python-stranger"'),
            ("forged kid", sc.as_user_token(conn, mint(sofia, stranger)), "28000",
             "the token's signature does not verify"),
        ]:
            with self.subTest(name):
                with self.assertRaises(sc.IdentityError) as caught:
                    with acting:
                        self.fail("the block ran")
                self.assertEqual(caught.exception.sqlstate, sqlstate)
                self.assertIn(message, caught.exception.message)
        # The connection is still usable, and the token still accepted.
        with sc.as_user_token(conn, mint(sofia)):
            self.assertEqual(sc.current_user_id(conn), sofia.id)


if __name__ == "__main__":
    unittest.main()
