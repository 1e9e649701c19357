#!/usr/bin/env bash
# Randomized: a few hundred templates with random valid patterns (every frequency, BY
# rules, clamp, count, until, exdates, four time zones, catch-up all and latest), generation
# run at random moments across two years. Afterwards each template's instances are exactly
# what its pattern says: with catch-up all, every occurrence up to the last run
# (recurrence_occurrences); with latest, the most recent occurrence before each run that
# came after the run before it. SYNAPSE_TEST_SEED=x reruns one case (the seed is printed).
source "$(dirname "$0")/lib.sh"
DB=synapse_t23_random
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }
SEED=${SYNAPSE_TEST_SEED:-0.$RANDOM}
echo "# seed $SEED"

psql_db "$DB" -v seed="$SEED" >/dev/null <<'SQL'
SELECT setseed(:seed);
INSERT INTO synapse.departments (id, name) VALUES ('d0000000-0000-4000-8000-000000000001', 'D1'), ('d0000000-0000-4000-8000-000000000002', 'D2');
INSERT INTO synapse.users (id, email, name, department_id) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'ann@example.com', 'Ann', 'd0000000-0000-4000-8000-000000000001');
CREATE TABLE candidates AS
SELECT i, start, jsonb_strip_nulls(jsonb_build_object(
         'frequency', f,
         'interval', CASE WHEN random() < 0.5 THEN 1 ELSE 2 + floor(random() * 3)::int END,
         'daysOfWeek', CASE WHEN random() < 0.4 THEN (SELECT jsonb_agg(d) FROM generate_series(1, 7) AS d WHERE random() < 0.45) END,
         'dayOfMonth', CASE WHEN f IN ('monthly', 'yearly') AND random() < 0.35
                            THEN to_jsonb((ARRAY[1, 15, 29, 30, 31, -1, -5])[1 + floor(random() * 7)::int]) END,
         'monthOfYear', CASE WHEN f <> 'weekly' AND random() < 0.2 THEN to_jsonb(1 + floor(random() * 12)::int) END,
         'nthWeekdays', CASE WHEN f IN ('monthly', 'yearly') AND random() < 0.25
                             THEN jsonb_build_array(jsonb_build_object('day', 1 + floor(random() * 7)::int,
                                                                        'nth', (ARRAY[1, 2, 4, -1])[1 + floor(random() * 4)::int])) END,
         'setPos', CASE WHEN random() < 0.1 THEN to_jsonb((ARRAY[1, -1])[1 + floor(random() * 2)::int]) END,
         'monthDayOverflow', CASE WHEN f IN ('monthly', 'yearly') AND random() < 0.3 THEN 'clamp' END,
         'count', CASE WHEN ending < 0.25 THEN 1 + floor(random() * 60)::int END,
         'until', CASE WHEN ending BETWEEN 0.25 AND 0.45 THEN to_char(date '2025-02-01' + floor(random() * 600)::int, 'YYYY-MM-DD') END,
         'timezone', (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'])[1 + floor(random() * 4)::int],
         'exdates', CASE WHEN random() < 0.3 THEN (SELECT jsonb_agg(to_char(date '2025-01-01' + floor(random() * 700)::int, 'YYYY-MM-DD'))
                                                     FROM generate_series(1, 3)) END,
         'catchUp', CASE WHEN random() < 0.3 THEN 'latest' END)) AS pattern
  FROM (SELECT i, (ARRAY['daily', 'weekly', 'monthly', 'yearly'])[1 + floor(random() * 4)::int] AS f, random() AS ending,
               date_trunc('second', timestamptz '2025-01-01 00:00+00' + random() * interval '200 days') AS start
          FROM generate_series(1, 700) AS i) AS x;
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring, recurrence_pattern, recurrence_start)
SELECT (ARRAY['d0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000002']::uuid[])[1 + i % 2],
       'R-' || i, 'Random ' || i, 'a0000000-0000-4000-8000-000000000001', true, pattern, start
  FROM candidates WHERE synapse.is_valid_recurrence_pattern(pattern) ORDER BY i LIMIT 300;
-- Ten random moments across two years.
CREATE TABLE steps AS
SELECT row_number() OVER (ORDER BY at) AS k, at
  FROM (SELECT DISTINCT date_trunc('second', timestamptz '2025-01-01 00:00+00' + random() * interval '730 days') AS at
          FROM generate_series(1, 10)) AS s;
SQL
is "$(q "SELECT count(*) FROM synapse.tasks WHERE is_recurring")" 300 "300 templates with random valid patterns"
echo "# catch-up latest: $(q "SELECT count(*) FROM synapse.tasks WHERE recurrence_pattern ->> 'catchUp' = 'latest'"), frequencies: $(q "SELECT string_agg(f || ' ' || n, ', ') FROM (SELECT recurrence_pattern ->> 'frequency' AS f, count(*) AS n FROM synapse.tasks WHERE is_recurring GROUP BY 1 ORDER BY 1) s")"

for at in $(q "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM steps ORDER BY k"); do
  q "CALL synapse.run_recurring_generation(100, '$at')" >/dev/null
done
ok "generation ran at $(q "SELECT count(*) FROM steps") random moments"

psql_db "$DB" >/dev/null <<'SQL'
CREATE TABLE expected AS
SELECT t.id, o AS at
  FROM synapse.tasks t,
       synapse.recurrence_occurrences(t.recurrence_pattern, t.recurrence_start, NULL, (SELECT max(at) FROM steps), 100000) AS o
 WHERE t.is_recurring AND t.recurrence_pattern ->> 'catchUp' IS DISTINCT FROM 'latest'
UNION ALL
SELECT t.id, latest.at
  FROM synapse.tasks t
 CROSS JOIN steps s
 CROSS JOIN LATERAL (SELECT max(o) AS at
                       FROM synapse.recurrence_occurrences(
                              t.recurrence_pattern, t.recurrence_start,
                              (SELECT max(p.at) + interval '1 microsecond' FROM steps p WHERE p.k < s.k), s.at, 100000) AS o) AS latest
 WHERE t.is_recurring AND t.recurrence_pattern ->> 'catchUp' = 'latest' AND latest.at IS NOT NULL;
SQL
echo "# expected instances: $(q "SELECT count(*) FROM expected")"
mismatch() {
  q "SELECT count(*) || coalesce(' e.g. ' || min(t.task_id || ' ' || t.recurrence_pattern::text || ' start ' || t.recurrence_start || ' at ' || x.at), '')
       FROM ($1) AS x JOIN synapse.tasks t ON t.id = x.id"
}
is "$(mismatch "SELECT id, at FROM expected EXCEPT SELECT recurrence_parent_id, occurrence_at FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL")" 0 \
   "every expected occurrence has its instance"
is "$(mismatch "SELECT recurrence_parent_id AS id, occurrence_at AS at FROM synapse.tasks WHERE recurrence_parent_id IS NOT NULL EXCEPT SELECT id, at FROM expected")" 0 \
   "no instance that the pattern does not call for"
is "$(q "SELECT count(*) FROM synapse.tasks t
          WHERE t.is_recurring
            AND t.next_occurrence IS DISTINCT FROM synapse.calculate_next_occurrence(t.recurrence_pattern, (SELECT max(at) FROM steps), t.recurrence_start)")" 0 \
   "every template's next_occurrence is its first occurrence after the last run (NULL once ended)"
is "$(q "SELECT count(*) FROM synapse.tasks WHERE recurrence_last_error IS NOT NULL")" 0 "no template failed"
done_testing
