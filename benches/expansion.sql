-- recurrence_occurrences over 10,000 series of DAILY;COUNT=365 (3,650,000 rows), each read
-- in a FROM clause as a report would. Target (issue 25): at most 0.8 s. Floor: the same
-- number of rows from generate_series, the cheapest set-returning function PostgreSQL
-- has. Single-process, median of 5 runs each after a warm-up; the answers are checked.
\pset footer off
SET max_parallel_workers_per_gather = 0;
-- Every series expanded: a Memoize node would serve repeated (pattern, dtstart) pairs from
-- its cache (the series below have none, and this makes sure).
SET enable_memoize = off;
CREATE EXTENSION IF NOT EXISTS synapse_ext;

DROP TABLE IF EXISTS bench_expansion;
CREATE TABLE bench_expansion AS
SELECT i AS id,
       jsonb_build_object('frequency', 'daily', 'count', 365,
                          'timezone', (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'])[1 + i % 4])
         AS pattern,
       timestamptz '2026-01-01 09:00+00' + (i % 97) * interval '1 day' + i * interval '1 second' AS dtstart
  FROM generate_series(1, 10000) AS i;
ANALYZE bench_expansion;

\ir lib/median_ms.sql

-- One line of results: the expansion in FROM and in the select list (ProjectSet, no
-- tuplestore), each against generate_series used the same way.
CREATE OR REPLACE FUNCTION pg_temp.measure(label text)
RETURNS TABLE (variant text, in_from_ms numeric, rows_per_s numeric, generate_series_ms numeric,
               ratio numeric, in_select_list_ms numeric, generate_series_select_list_ms numeric,
               select_list_ratio numeric, target_800_ms text)
LANGUAGE plpgsql AS $$
DECLARE
  from_ms numeric := pg_temp.median_ms(
    'SELECT count(o) FROM bench_expansion b, synapse.recurrence_occurrences(b.pattern, b.dtstart) AS o', 5);
  from_floor numeric := pg_temp.median_ms(
    'SELECT count(o) FROM bench_expansion b, generate_series(b.dtstart, b.dtstart + interval ''364 days'', interval ''1 day'') AS o', 5);
  list_ms numeric := pg_temp.median_ms(
    'SELECT count(o) FROM (SELECT synapse.recurrence_occurrences(b.pattern, b.dtstart) AS o FROM bench_expansion b) s', 5);
  list_floor numeric := pg_temp.median_ms(
    'SELECT count(o) FROM (SELECT generate_series(b.dtstart, b.dtstart + interval ''364 days'', interval ''1 day'') AS o FROM bench_expansion b) s', 5);
BEGIN
  RETURN QUERY SELECT label, round(from_ms, 1), round(3650000 / (from_ms / 1000)), round(from_floor, 1),
                      round(from_ms / from_floor, 2), round(list_ms, 1), round(list_floor, 1),
                      round(list_ms / list_floor, 2),
                      CASE WHEN greatest(from_ms, list_ms) <= 800 THEN 'met' ELSE 'MISSED' END;
END $$;

SELECT * FROM pg_temp.measure('daily, count 365, 4 zones');

-- The answers are real: 365 a series, consecutive local days at dtstart's local time.
SELECT count(*) AS series,
       count(*) FILTER (WHERE n = 365 AND first = dtstart
                          AND last_local = (dtstart AT TIME ZONE tz) + interval '364 days') AS correct_series
  FROM (SELECT b.dtstart, b.pattern->>'timezone' AS tz, count(o) AS n, min(o) AS first,
               max(o) AT TIME ZONE (b.pattern->>'timezone') AS last_local
          FROM bench_expansion b, synapse.recurrence_occurrences(b.pattern, b.dtstart) AS o
         GROUP BY b.id, b.dtstart, b.pattern) AS s;
-- Every series its own pattern (a series-specific exdate past its end): each is read from
-- jsonb once, not served from the backend's cache of read patterns.
UPDATE bench_expansion
   SET pattern = pattern || jsonb_build_object('exdates', jsonb_build_array(to_char(date '2030-01-01' + id, 'YYYY-MM-DD')));
SELECT * FROM pg_temp.measure('the same, every pattern distinct');
DROP TABLE bench_expansion;
