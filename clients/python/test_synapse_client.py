"""The example client as tests, against a migrated and seeded database (the development
organisation of sql/seed/dev_seed.sql) named by SYNAPSE_DSN, as a login role in
synapse_app; SYNAPSE_TRANSACTION_POOLING=1 when SYNAPSE_DSN points at PgBouncer in
transaction mode. scripts/test-clients.sh sets both."""

import datetime as dt
import os
import unittest
from zoneinfo import ZoneInfo

import synapse_client as sc

DSN = os.environ.get("SYNAPSE_DSN")
TRANSACTION_POOLING = os.environ.get("SYNAPSE_TRANSACTION_POOLING") == "1"
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not DSN:
            raise RuntimeError("SYNAPSE_DSN is not set: run through scripts/test-clients.sh (make test-clients)")

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


if __name__ == "__main__":
    unittest.main()
