#!/usr/bin/env bash
# iCalendar with a real iCalendar library (tests/ical/check.py: Python's icalendar and
# recurring_ical_events, pinned in tests/ical/requirements.txt, in tests/ical/.venv):
#   - synapse.ical_calendar as an application login acting for a user: row-level security
#     decides what is in it (a Member sees her department only, another department's
#     project is not hers to export, an Admin's is);
#   - the library parses the export (CRLF, 75 octets, required properties), its VTIMEZONEs
#     built from their own observances give zoneinfo's offsets, and every template's
#     expansion over two years equals recurrence_occurrences of its series;
#   - the export read back by ical_import keeps titles, statuses, priorities and series;
#   - files written by Google Calendar, Outlook, Apple and the icalendar library
#     (tests/ical/fixtures, and one the library writes now) are read by ical_import into
#     patterns whose occurrences equal the library's expansion; what they cannot say is
#     reported.
source "$(dirname "$0")/lib.sh"
DB=synapse_t33_ical
API=t33_api; REPORT=t33_report
venv=$ROOT/tests/ical/.venv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The library, pinned (all dependencies listed, installed without resolving).
if ! cmp -s "$ROOT/tests/ical/requirements.txt" "$venv/installed-requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$ROOT/tests/ical/requirements.txt"
  cp "$ROOT/tests/ical/requirements.txt" "$venv/installed-requirements.txt"
fi
check() { "$venv/bin/python" "$ROOT/tests/ical/check.py" "$@"; }

rls_db "$DB" "$API" "$REPORT"
q() { psql_db "$DB" -c "$1"; }
uid() { q "SELECT md5('dev:user:$1')::uuid"; }
SOFIA=$(uid sofia); PRIYA=$(uid priya)
ENG=$(q "SELECT md5('dev:dept:eng')::uuid")
API_PROJECT=$(q "SELECT md5('dev:project:api')::uuid"); MKT_PROJECT=$(q "SELECT md5('dev:project:q1camp')::uuid")
# as USER SQL: one transaction of the application login acting for USER.
as() { login_as "$DB" "$API" "$1" "$2"; }
as_state() { local out; if out=$(as "$@"); then echo ""; else sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1; fi; }
# calendar USER [PROJECT] > FILE: the text exactly (psql's own final newline dropped).
calendar() { local out; out=$(as "$1" "SELECT synapse.ical_calendar(${2:+'$2'})") && printf '%s\n' "$out"; }

# --- templates of every kind, assigned to Sofia, and generated instances ----------------------
q "INSERT INTO synapse.tasks (department_id, id, task_id, title, description, priority, project_id, creator_id,
                              is_recurring, recurrence_pattern, recurrence_start, skip_dates, recurrence_end_date, recurrence_count)
   SELECT '$ENG', md5('t33:' || v.ext)::uuid, v.ext, v.title, v.description, v.priority::synapse.task_priority,
          '$API_PROJECT', '$SOFIA', true, v.pattern::jsonb, v.start::timestamptz, v.skip::date[], v.ending::timestamptz, v.count
     FROM (VALUES
       ('T33-CLAMP', 'Month-end close', 'The 31st, or the last day', 'High',
        '{\"frequency\":\"monthly\",\"dayOfMonth\":31,\"monthDayOverflow\":\"clamp\",\"timezone\":\"America/New_York\"}',
        '2026-01-31 09:00 America/New_York', '{}', NULL, NULL),
       ('T33-TOKYO', 'Rotate keys; check, log', E'Every third day\nin Tokyo', 'Urgent',
        '{\"frequency\":\"daily\",\"interval\":3,\"timezone\":\"Asia/Tokyo\",\"exdates\":[\"2026-02-06\"]}',
        '2026-01-01 08:15 Asia/Tokyo', '{2026-01-10,2026-01-13}', NULL, 40),
       ('T33-SYDNEY', 'Sprint review', NULL, 'Low',
        '{\"frequency\":\"weekly\",\"daysOfWeek\":[1,4],\"timezone\":\"Australia/Sydney\"}',
        '2026-02-02 16:30 Australia/Sydney', '{}', '2026-09-01 00:00 Australia/Sydney', NULL),
       ('T33-LEAP', 'Leap day review', NULL, 'Medium',
        '{\"frequency\":\"yearly\",\"monthDayOverflow\":\"clamp\",\"timezone\":\"Europe/London\"}',
        '2024-02-29 12:00 Europe/London', '{}', NULL, NULL),
       ('T33-PAYDAY', 'Last workday', NULL, 'High',
        '{\"frequency\":\"monthly\",\"daysOfWeek\":[1,2,3,4,5],\"setPos\":-1,\"timezone\":\"Europe/Berlin\",\"exdates\":[\"2026-12-31\"],\"anchor\":\"completion\",\"catchUp\":\"latest\"}',
        '2026-01-30 17:00 Europe/Berlin', '{}', NULL, NULL)
     ) AS v(ext, title, description, priority, pattern, start, skip, ending, count);
   INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by)
   SELECT '$ENG', md5('t33:' || e)::uuid, '$SOFIA', '$SOFIA'
     FROM unnest(ARRAY['T33-CLAMP', 'T33-TOKYO', 'T33-SYDNEY', 'T33-LEAP', 'T33-PAYDAY']) AS e" >/dev/null
generated=$(q "SELECT tasks_generated FROM synapse.generate_recurring_tasks(1000, '2026-06-15 00:00+00')")
q "UPDATE synapse.tasks SET status = 'Done', completed_at = occurrence_at + interval '1 hour'
    WHERE recurrence_parent_id = md5('t33:T33-CLAMP')::uuid AND occurrence_at < '2026-04-01';
   INSERT INTO synapse.task_dependencies (department_id, task_id, depends_on_task_id)
   VALUES ('$ENG', md5('t33:T33-SYDNEY')::uuid, md5('t33:T33-CLAMP')::uuid)" >/dev/null
is "$([ "$generated" -gt 20 ] && echo yes)" yes "generation made instances of the templates ($generated)"

# --- row-level security decides what is in a calendar -----------------------------------------
calendar "$SOFIA" >"$tmp/mine.ics"
calendar "$SOFIA" "$API_PROJECT" >"$tmp/project.ics"
calendar "$PRIYA" "$MKT_PROJECT" >"$tmp/admin.ics"
uids() { grep -a '^UID:' "$1" | tr -d '\r' | sed 's/^UID://' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
# Sofia's: her open assigned tasks, her assigned templates (instances share their UID).
expected_mine=$(q "SELECT string_agg(id::text, ' ' ORDER BY id::text) FROM synapse.tasks t
                    WHERE t.deleted_at IS NULL AND t.recurrence_parent_id IS NULL
                      AND (t.is_recurring OR t.status IN ('To Do', 'In Progress', 'Blocked'))
                      AND EXISTS (SELECT 1 FROM synapse.task_assignees a WHERE a.task_id = t.id AND a.user_id = '$SOFIA')")
is "$(uids "$tmp/mine.ics")" "$expected_mine" "a Member's calendar: exactly her open assigned tasks and assigned templates"
expected_project=$(q "SELECT string_agg(DISTINCT coalesce(t.recurrence_parent_id, t.id)::text, ' ' ORDER BY coalesce(t.recurrence_parent_id, t.id)::text)
                        FROM synapse.tasks t WHERE t.deleted_at IS NULL AND t.project_id = '$API_PROJECT'")
is "$(uids "$tmp/project.ics")" "$expected_project" "a project's calendar: every live task of the project, instances as overrides"
other=$(q "SELECT string_agg(id::text, '|') FROM synapse.tasks WHERE department_id <> '$ENG'")
is "$(grep -Eac "$other" "$tmp/mine.ics" "$tmp/project.ics" | paste -sd' ')" "$tmp/mine.ics:0 $tmp/project.ics:0" \
   "no task of another department in a Member's calendars"
is "$(as_state "$SOFIA" "SELECT synapse.ical_calendar('$MKT_PROJECT')")" 22023 "another department's project is not hers to export (22023)"
is "$(grep -ac '^UID:' "$tmp/admin.ics")" "$(q "SELECT count(*) FROM synapse.tasks WHERE project_id = '$MKT_PROJECT' AND deleted_at IS NULL AND recurrence_parent_id IS NULL")" \
   "an Admin exports another department's project"
fresh_db synapse_t33_bare
is "$(sqlstate_of synapse_t33_bare "CREATE EXTENSION synapse_ext; SELECT synapse.ical_calendar()")" 55000 "without the migration set: 55000"
psql_db postgres -c "DROP DATABASE synapse_t33_bare" >/dev/null

# --- the library reads the export ----------------------------------------------------------------
for f in mine project admin; do
  if out=$(check syntax "$tmp/$f.ics"); then ok "the $f calendar parses: CRLF, at most 75 octets a line, required properties"
  else not_ok "the $f calendar parses" "$out"; fi
done
if out=$(check zones "$tmp/mine.ics"); then ok "its VTIMEZONEs give zoneinfo's offsets ($(grep -c checked <<<"$out") zones, hour by hour)"
else not_ok "its VTIMEZONEs give zoneinfo's offsets" "$out"; fi

FROM='2026-01-01T00:00:07+00:00'; TO='2028-01-01T00:00:07+00:00'
# import_of FILE SQL: SQL with :'cal' bound to FILE's text (psql interpolates only in
# what it reads, not in -c).
import_of() { printf '%s;\n' "$2" | psql -X -q -v ON_ERROR_STOP=1 -At -d "$DB" -v cal="$(cat "$1")"; }
# occurrences_json SOURCE [FILE]: {uid: [occurrence in UTC, …]} over the window, for the
# series of SOURCE (a query of uid, pattern, dtstart, ending), where :'cal' is FILE's text.
occurrences_json() {
  import_of "${2:-/dev/null}" \
    "SELECT coalesce(jsonb_object_agg(s.uid, (SELECT coalesce(jsonb_agg(to_char(o AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') ORDER BY o), '[]')
                                               FROM synapse.recurrence_occurrences(s.pattern, s.dtstart, '$FROM', '$TO', 100000) AS o
                                              WHERE o <= s.ending)), '{}')
       FROM ($1) s"
}
IMPORTED="SELECT uid, pattern, dtstart, 'infinity'::timestamptz AS ending FROM synapse.ical_import(:'cal', 'UTC')
           WHERE pattern IS NOT NULL AND recurrence_id IS NULL"
# Each template's series: its pattern with the template's skip dates and count merged in,
# cut at its end date.
occurrences_json "SELECT t.id::text AS uid,
                         t.recurrence_pattern || jsonb_build_object('exdates', coalesce(t.recurrence_pattern->'exdates', '[]')
                                                                    || to_jsonb(ARRAY(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(t.skip_dates) d)))
                           || CASE WHEN t.recurrence_count IS NULL THEN '{}'::jsonb
                                   ELSE jsonb_build_object('count', least(coalesce((t.recurrence_pattern->>'count')::int, t.recurrence_count), t.recurrence_count)) END AS pattern,
                         t.recurrence_start AS dtstart, coalesce(t.recurrence_end_date, 'infinity') AS ending
                    FROM synapse.tasks t
                   WHERE t.is_recurring AND t.deleted_at IS NULL
                     AND EXISTS (SELECT 1 FROM synapse.task_assignees a WHERE a.task_id = t.id AND a.user_id = '$SOFIA')" >"$tmp/expected.json"
if out=$(check expand "$tmp/mine.ics" "$FROM" "$TO" "$tmp/expected.json"); then
  ok "the library's expansion of every template over two years equals recurrence_occurrences ($(grep -c agree <<<"$out") series)"
else not_ok "the library's expansion of every template equals recurrence_occurrences" "$out"; fi

# --- Synapse reads its own export back ----------------------------------------------------------
is "$(import_of "$tmp/mine.ics" "SELECT count(*) FILTER (WHERE i.title IS DISTINCT FROM t.title OR i.status IS DISTINCT FROM t.status::text
                                                                OR i.priority IS DISTINCT FROM t.priority::text
                                                                OR coalesce(i.description, '') IS DISTINCT FROM coalesce(t.description, ''))
                                        || ' of ' || count(*)
                                   FROM synapse.ical_import(:'cal') i JOIN synapse.tasks t ON t.id = i.uid::uuid
                                  WHERE i.recurrence_id IS NULL")" "0 of $(wc -w <<<"$expected_mine")" \
   "its export read back: every task's title, description, status and priority"
diff_series=$(import_of "$tmp/mine.ics" "SELECT count(*) FROM synapse.ical_import(:'cal') i JOIN synapse.tasks t ON t.id = i.uid::uuid
                                          WHERE i.recurrence_id IS NULL AND t.is_recurring
                                            AND (i.pattern->>'anchor', i.pattern->>'catchUp', i.dtstart) IS DISTINCT FROM
                                                (synapse.validate_recurrence_pattern(t.recurrence_pattern)->>'anchor',
                                                 synapse.validate_recurrence_pattern(t.recurrence_pattern)->>'catchUp', t.recurrence_start)")
is "$diff_series" 0 "its templates read back with their start, anchor and catch-up"
occurrences_json "$IMPORTED" "$tmp/mine.ics" >"$tmp/reimported.json"
if out=$(check expand "$tmp/mine.ics" "$FROM" "$TO" "$tmp/reimported.json"); then
  ok "its templates read back to the same series ($(grep -c agree <<<"$out"))"
else not_ok "its templates read back to the same series" "$out"; fi

# --- files of other tools ---------------------------------------------------------------------------
check write "$tmp"
for f in "$ROOT"/tests/ical/fixtures/*.ics "$tmp/runtime_icalendar.ics"; do
  name=$(basename "$f" .ics)
  occurrences_json "$IMPORTED" "$f" >"$tmp/$name.json"
  if out=$(check expand "$f" "$FROM" "$TO" "$tmp/$name.json" listed); then
    ok "$name: every series Synapse reads has the library's occurrences ($(grep -c agree <<<"$out") agree, $(grep -c 'not compared' <<<"$out") not read)"
  else not_ok "$name: every series Synapse reads has the library's occurrences" "$out"; fi
done
is "$(import_of "$ROOT/tests/ical/fixtures/google.ics" "SELECT string_agg(title, ', ' ORDER BY title) FROM synapse.ical_import(:'cal')
                                                        WHERE pattern IS NULL AND EXISTS (SELECT 1 FROM unnest(warnings) w WHERE w LIKE 'RRULE:%')")" \
   "Meds" "google: the one rule a pattern cannot say (BYHOUR) is reported, not dropped"
is "$(import_of "$ROOT/tests/ical/fixtures/outlook.ics" "SELECT string_agg(DISTINCT pattern->>'timezone', ' ' ORDER BY pattern->>'timezone') FROM synapse.ical_import(:'cal')")" \
   "America/New_York Europe/Berlin" "outlook: Windows zone names are read as IANA zones"
is "$(import_of "$ROOT/tests/ical/fixtures/apple.ics" "SELECT count(*) FROM synapse.ical_import(:'cal') WHERE warnings = '{}'")" 0 \
   "apple: every component says what it could not keep (alarms, Apple's own properties, subtask links)"
done_testing
