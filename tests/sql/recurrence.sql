-- What a psql user sees from the recurrence functions, error texts included.
-- PostgreSQL's pg_regress runs this file (tests/e2e/01_regress.t) and compares the output
-- with tests/expected/. pg_regress sets its own DateStyle and TimeZone; the tour sets ours.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
\pset footer off

-- Validation: every problem, each naming its key as a JSON path.
SELECT synapse.recurrence_pattern_errors('{"frequency":"weekly","daysOfWeek":[1,3,8,3]}');
SELECT synapse.recurrence_pattern_errors('{"frequncy":"daily"}');
SELECT synapse.recurrence_pattern_errors('{"frequency":"yearly","monthOfYear":2,"dayOfMonth":30}');
SELECT synapse.recurrence_pattern_errors('{"frequency":"monthly","count":10,"until":"2027-01-01"}');
SELECT synapse.recurrence_pattern_errors('"daily"');
SELECT synapse.is_valid_recurrence_pattern('{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}');
SELECT synapse.validate_recurrence_pattern('{"frequency":"weekly","daysOfWeek":[5,1,3],"timezone":"Europe/Berlin"}');
SELECT synapse.validate_recurrence_pattern('{"frequency":"weekly","daysOfWeek":[1,8],"interval":0}');
SELECT synapse.validate_recurrence_pattern('{"frequency":"daily","timezone":"Europe/Berln"}');

-- Next occurrence: strictly after "after"; NULL once the series has ended.
SELECT synapse.calculate_next_occurrence('{"frequency":"weekly","daysOfWeek":[1,3,5]}',
                                         '2026-11-27 09:00+00', '2025-01-06 09:00+00');
SELECT synapse.calculate_next_occurrence('{"frequency":"daily","count":2}',
                                         '2026-11-26 09:00+00', '2026-11-25 09:00+00');
SELECT synapse.calculate_next_occurrence('{"frequency":"monthly"}', '2026-01-31 12:00+00');

-- Previews: last Friday, last workday, the 31st clamped, Feb 29 yearly.
SELECT synapse.recurrence_occurrences('{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}',
                                      '2026-01-01 17:00+00', NULL, NULL, 4);
SELECT synapse.recurrence_occurrences('{"frequency":"monthly","daysOfWeek":[1,2,3,4,5],"setPos":-1}',
                                      '2026-01-01 17:00+00', NULL, NULL, 4);
SELECT synapse.recurrence_occurrences('{"frequency":"monthly","dayOfMonth":31,"monthDayOverflow":"clamp"}',
                                      '2026-01-31 09:00+00', NULL, NULL, 4);
SELECT synapse.recurrence_occurrences('{"frequency":"yearly"}', '2024-02-29 09:00+00', NULL, NULL, 3);
SELECT synapse.recurrence_occurrences('{"frequency":"yearly","monthDayOverflow":"clamp"}',
                                      '2024-02-29 09:00+00', NULL, NULL, 3);
-- A 09:00 Berlin stand-up stays at 09:00 local across the spring change.
SELECT o AT TIME ZONE 'Europe/Berlin' AS berlin_local
  FROM synapse.recurrence_occurrences('{"frequency":"daily","timezone":"Europe/Berlin"}',
                                      '2026-03-28 08:00+00', NULL, NULL, 3) AS o;
-- Window bounds are inclusive; exdates are skipped.
SELECT synapse.recurrence_occurrences('{"frequency":"daily","exdates":["2026-11-26"]}',
                                      '2026-11-20 09:00+00', '2026-11-25 09:00+00', '2026-11-28 09:00+00');

-- RFC 5545 text both ways.
SELECT synapse.recurrence_to_rrule('{"frequency":"monthly","dayOfMonth":31,"monthDayOverflow":"clamp","timezone":"Europe/Berlin","exdates":["2026-03-31"]}',
                                   '2026-01-31 09:00 Europe/Berlin');
SELECT synapse.recurrence_from_rrule('RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1');
SELECT synapse.recurrence_from_rrule('RRULE:FREQ=YEARLY;BYWEEKNO=20');
SELECT synapse.recurrence_from_rrule('RRULE:RSCALE=GREGORIAN;FREQ=MONTHLY;SKIP=FORWARD');

-- In words, both ways: every key said, and read back.
SELECT synapse.recurrence_describe('{"frequency":"weekly","daysOfWeek":[1,2,3,4,5],"timezone":"Europe/Berlin"}',
                                   '2026-01-05 09:00 Europe/Berlin');
SELECT synapse.recurrence_describe('{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}', '2026-01-30 17:00+00');
SELECT synapse.recurrence_describe(p) AS described FROM (VALUES
  ('{"frequency":"weekly","daysOfWeek":[1,3],"interval":2}'::jsonb),
  ('{"frequency":"monthly","dayOfMonth":31,"monthDayOverflow":"clamp"}'),
  ('{"frequency":"monthly","daysOfWeek":[1,2,3,4,5],"setPos":-1}'),
  ('{"frequency":"daily","count":10}'),
  ('{"frequency":"daily","until":"2027-06-30","exdates":["2026-12-24"]}'),
  ('{"frequency":"monthly","interval":3,"dayOfMonth":13,"daysOfWeek":[5],"anchor":"completion"}')) AS v(p);
SELECT synapse.recurrence_from_text('every last Friday at 5pm', 'Europe/Berlin');
SELECT synapse.recurrence_from_text('Every 2 weeks on Mon, Wed until June 30, 2027 except 24 Dec 2026');
SELECT synapse.recurrence_from_text(synapse.recurrence_describe(p)) = synapse.validate_recurrence_pattern(p) AS same
  FROM (VALUES ('{"frequency":"yearly","monthOfYear":[3,9],"nthWeekdays":[{"day":7,"nth":-1}],"weekStart":7,"count":5}'::jsonb)) AS v(p);
-- The series start the text asks for, seen at a moment (usually now()).
SELECT synapse.recurrence_start_from_text('every weekday at 9am starting 1 March 2026', '2026-01-07 12:00+00', 'Europe/Berlin');
SELECT synapse.recurrence_start_from_text('every day at 9am', '2026-01-07 12:00+00');
SELECT synapse.recurrence_from_text('every blursday');
SELECT synapse.recurrence_from_text('every day until June 30');
SELECT synapse.recurrence_from_text('every year on 30 February');

-- iCalendar in: rows to insert as tasks or templates, and what each could not keep.
SELECT component, uid, title, due, pattern, warnings
  FROM synapse.ical_import(E'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:plants@example.org\r\n'
                           'SUMMARY:Water the plants\r\nDTSTART;TZID=America/New_York:20260103T090000\r\n'
                           'DUE;TZID=America/New_York:20260103T090000\r\nRRULE:FREQ=WEEKLY;BYDAY=SA\r\n'
                           'BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VTODO\r\n'
                           'BEGIN:VEVENT\r\nUID:meds@example.org\r\nSUMMARY:Meds\r\nDTSTART:20260105T090000Z\r\n'
                           'RRULE:FREQ=DAILY;BYHOUR=9,21\r\nLOCATION:Home\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n');
SELECT * FROM synapse.ical_import('not a calendar');
-- iCalendar out reads the migration set's tables as the caller.
SELECT synapse.ical_calendar();

-- As a CHECK constraint.
CREATE TEMP TABLE templates (pattern jsonb CHECK (synapse.is_valid_recurrence_pattern(pattern)));
INSERT INTO templates VALUES ('{"frequency":"weekly","daysOfWeek":[0]}');
