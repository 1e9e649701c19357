"""What a real iCalendar library makes of calendars, for tests/e2e/33_ical.t.

Python's icalendar parses, recurring_ical_events expands (python-dateutil underneath), and
zoneinfo is the reference for offsets. Commands (each exits 1 with the differences):

  check.py syntax FILE                 CRLF lines of at most 75 octets, parsed by icalendar,
                                       VERSION and PRODID, every VTODO with UID and DTSTAMP
  check.py zones FILE                  every VTIMEZONE, built from its own observances (not
                                       looked up by name), gives zoneinfo's offset at every
                                       hour from its first date to two years after its last
  check.py expand FILE FROM TO [EXPECTED.json [listed]]
                                       the recurring components' occurrences in [FROM, TO)
                                       by UID, as their original starts (RECURRENCE-ID) in
                                       UTC; printed, or compared with EXPECTED.json: every
                                       series, or (listed) those EXPECTED.json lists
  check.py write DIR                   calendars written by the icalendar library itself
"""

import datetime
import json
import sys
import zoneinfo

import icalendar
import recurring_ical_events

UTC = datetime.timezone.utc


def fail(problems):
    for p in problems[:40]:
        print(p)
    if len(problems) > 40:
        print(f"... and {len(problems) - 40} more")
    sys.exit(1 if problems else 0)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def syntax(path):
    raw = read(path)
    problems = []
    if not raw.endswith(b"\r\n"):
        problems.append("the text does not end with CRLF")
    for number, line in enumerate(raw.split(b"\r\n")[:-1], 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {number}: a bare line break")
        if len(line) > 75:
            problems.append(f"line {number}: {len(line)} octets")
    calendar = icalendar.Calendar.from_ical(raw)
    for name in ("VERSION", "PRODID"):
        if name not in calendar:
            problems.append(f"VCALENDAR without {name}")
    for todo in calendar.walk("VTODO"):
        for name in ("UID", "DTSTAMP"):
            if name not in todo:
                problems.append(f"VTODO {todo.get('SUMMARY')} without {name}")
    fail(problems)


def utc(value, zone):
    """An occurrence's start as a UTC instant; a date is its midnight in `zone`."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.datetime(value.year, value.month, value.day, tzinfo=zone).astimezone(UTC)


def dates_in(calendar):
    """Every DATE-TIME with a TZID in a calendar, by TZID: the spans the zones must cover."""
    found = {}
    for component in calendar.walk():
        for name in ("DTSTART", "DUE", "RECURRENCE-ID", "EXDATE"):
            values = component.get(name)
            if values is None:
                continue
            for value in values if isinstance(values, list) else [values]:
                for dt in getattr(value, "dts", None) or [value]:
                    tzid = dt.params.get("TZID") if hasattr(dt, "params") else None
                    if tzid and isinstance(dt.dt, datetime.datetime):
                        found.setdefault(str(tzid), []).append(dt.dt.astimezone(UTC))
    return found


def zones(path):
    calendar = icalendar.Calendar.from_ical(read(path))
    dates = dates_in(calendar)
    problems = []
    vtimezones = calendar.walk("VTIMEZONE")
    if dates and not vtimezones:
        problems.append("no VTIMEZONE")
    for vtimezone in vtimezones:
        name = str(vtimezone["TZID"])
        built = vtimezone.to_tz(lookup_tzid=False)
        reference = zoneinfo.ZoneInfo(name)
        if name not in dates:
            problems.append(f"{name}: a VTIMEZONE no date uses")
            continue
        start, end = min(dates[name]), max(dates[name]) + datetime.timedelta(days=730)
        at, checked = start, 0
        while at <= end:
            got, want = at.astimezone(built).utcoffset(), at.astimezone(reference).utcoffset()
            if got != want:
                problems.append(f"{name} at {at.isoformat()}: VTIMEZONE {got}, zoneinfo {want}")
            at += datetime.timedelta(hours=1)
            checked += 1
        print(f"# {name}: {checked} hours from {start:%Y-%m-%d} to {end:%Y-%m-%d} checked")
    fail(problems)


def expand(path, since, until, expected_path=None, which="all"):
    calendar = icalendar.Calendar.from_ical(read(path))
    zone_name = str(calendar.get("X-WR-TIMEZONE", "UTC"))
    zone = zoneinfo.ZoneInfo(zone_name)
    recurring = {str(c["UID"]) for c in calendar.walk() if c.name in ("VTODO", "VEVENT") and "RRULE" in c}
    since = datetime.datetime.fromisoformat(since)
    until = datetime.datetime.fromisoformat(until)
    occurrences = {uid: [] for uid in recurring}
    query = recurring_ical_events.of(calendar, components=["VTODO", "VEVENT"])
    for occurrence in query.between(since, until):
        uid = str(occurrence["UID"])
        if uid not in recurring:
            continue
        original = occurrence.get("RECURRENCE-ID", occurrence.get("DTSTART"))
        occurrences[uid].append(utc(original.dt, zone))
    got = {uid: sorted(t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in ts) for uid, ts in occurrences.items()}
    if expected_path is None:
        json.dump(got, sys.stdout, indent=1, sort_keys=True)
        print()
        return
    with open(expected_path) as f:
        expected = json.load(f)
    problems = []
    for uid in sorted(set(got) | set(expected)):
        g, e = set(got.get(uid, [])), set(expected.get(uid, []))
        if uid not in expected and which == "listed":
            print(f"# {uid}: not compared ({len(g)} occurrences)")
        elif uid not in expected:
            problems.append(f"{uid}: not expected, the library found {len(g)} occurrences")
        elif uid not in got:
            problems.append(f"{uid}: expected {len(e)} occurrences, the library saw no such series")
        elif g != e:
            problems.append(
                f"{uid}: {len(g)} occurrences, expected {len(e)}; "
                f"only the library: {sorted(g - e)[:5]}, only expected: {sorted(e - g)[:5]}"
            )
        else:
            print(f"# {uid}: {len(g)} occurrences agree")
    fail(problems)


def write(directory):
    """Calendars as the icalendar library writes them, made now with its own API."""
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//python icalendar {icalendar.__version__}//synapse test//EN")
    cal.add("version", "2.0")
    stamp = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    todo = icalendar.Todo()
    todo.add("uid", "runtime-weekly@example.org")
    todo.add("dtstamp", stamp)
    todo.add("summary", "Inventory; count, then report")
    todo.add("dtstart", datetime.datetime(2026, 1, 5, 7, 30, tzinfo=chicago))
    todo.add("due", datetime.datetime(2026, 1, 5, 7, 30, tzinfo=chicago))
    todo.add("rrule", {"freq": "weekly", "byday": ["MO", "WE"], "count": 30})
    todo.add("exdate", [datetime.datetime(2026, 3, 9, 7, 30, tzinfo=chicago)])
    todo.add("priority", 7)
    cal.add_component(todo)
    event = icalendar.Event()
    event.add("uid", "runtime-yearly@example.org")
    event.add("dtstamp", stamp)
    event.add("summary", "Board meeting")
    # The last Friday of March: a DTSTART in step with its rule (RFC 5545 leaves the
    # occurrences of one that is not undefined).
    event.add("dtstart", datetime.datetime(2026, 3, 27, 15, 0, tzinfo=zoneinfo.ZoneInfo("Australia/Sydney")))
    event.add("rrule", {"freq": "yearly", "bymonth": [3, 9], "byday": ["-1FR"]})
    cal.add_component(event)
    cal.add_missing_timezones()
    with open(f"{directory}/runtime_icalendar.ics", "wb") as f:
        f.write(cal.to_ical())


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"syntax": syntax, "zones": zones, "expand": expand, "write": write}[command](*args)
