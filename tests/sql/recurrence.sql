-- What a psql user sees from the recurrence functions, error texts included.
-- tests/e2e/01_regress.t runs this file and compares the output with tests/expected/.
SET TimeZone = 'UTC';
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

-- As a CHECK constraint.
CREATE TEMP TABLE templates (pattern jsonb CHECK (synapse.is_valid_recurrence_pattern(pattern)));
INSERT INTO templates VALUES ('{"frequency":"weekly","daysOfWeek":[0]}');
