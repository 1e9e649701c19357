-- The slowest single calls of calculate_next_occurrence found: sparse rules with count
-- 100,000 (counted from the series start) asked for the next occurrence far past the
-- series' end, and the longest searches without count. Budget: 10 ms per call. Baseline:
-- a weekly Mon/Wed/Fri call started a year before, measured the same way in the same run.
-- Each pattern is called 20 times after a warm-up; the slowest call is reported. The same
-- patterns, without PostgreSQL around them: cargo bench -p synapse_recurrence.
\pset footer off
CREATE EXTENSION IF NOT EXISTS synapse_ext;

CREATE TEMP TABLE worst (label text, pattern jsonb, after timestamptz);
INSERT INTO worst VALUES
  ('daily Feb 29 on Mondays, count 100000',
   '{"frequency":"daily","monthOfYear":2,"dayOfMonth":29,"daysOfWeek":[1],"count":100000}', '200000-01-01 00:00+00'),
  ('daily Jan 31 on Mondays, count 100000, Berlin',
   '{"frequency":"daily","monthOfYear":1,"dayOfMonth":31,"daysOfWeek":[1],"count":100000,"timezone":"Europe/Berlin"}', '200000-01-01 00:00+00'),
  ('daily interval 37, Feb 29, count 100000',
   '{"frequency":"daily","interval":37,"monthOfYear":2,"dayOfMonth":29,"count":100000}', '200000-01-01 00:00+00'),
  ('daily interval 211, Feb 29, count 100000',
   '{"frequency":"daily","interval":211,"monthOfYear":2,"dayOfMonth":29,"count":100000}', '200000-01-01 00:00+00'),
  ('weekly Mondays in February, count 100000',
   '{"frequency":"weekly","monthOfYear":2,"daysOfWeek":[1],"count":100000}', '200000-01-01 00:00+00'),
  ('monthly clamp -31 and 31 on Sundays, count 100000',
   '{"frequency":"monthly","dayOfMonth":[-31,31],"daysOfWeek":[7],"monthDayOverflow":"clamp","count":100000}', '200000-01-01 00:00+00'),
  ('yearly every day of the year, setPos 366, count 100000',
   '{"frequency":"yearly","daysOfWeek":[1,2,3,4,5,6,7],"setPos":366,"count":100000}', '200000-01-01 00:00+00'),
  ('daily Feb 29 on Mondays, count 100000, asked in year 50000',
   '{"frequency":"daily","monthOfYear":2,"dayOfMonth":29,"daysOfWeek":[1],"count":100000}', '50000-01-01 00:00+00'),
  ('daily interval 7, never on the start''s weekday',
   '{"frequency":"daily","interval":7,"daysOfWeek":[2]}', '2027-01-05 00:00+00');

CREATE FUNCTION pg_temp.slowest_ms(pattern jsonb, after timestamptz, runs int) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz;
  slowest numeric := 0;
  answer timestamptz;
BEGIN
  answer := synapse.calculate_next_occurrence(pattern, after, '2026-01-05 09:00+00');  -- warm-up
  FOR i IN 1..runs LOOP
    started := clock_timestamp();
    answer := synapse.calculate_next_occurrence(pattern, after, '2026-01-05 09:00+00');
    slowest := greatest(slowest, (extract(epoch FROM clock_timestamp() - started) * 1000)::numeric);
  END LOOP;
  RETURN slowest;
END $$;

WITH baseline AS MATERIALIZED (
  SELECT pg_temp.slowest_ms('{"frequency":"weekly","daysOfWeek":[1,3,5]}', '2027-01-05 12:00+00', 20) AS ms
), calls AS MATERIALIZED (
  SELECT label, pg_temp.slowest_ms(pattern, after, 20) AS ms FROM worst
)
SELECT label, round(calls.ms, 3) AS slowest_call_ms, round(baseline.ms, 3) AS baseline_ms,
       round(calls.ms / nullif(baseline.ms, 0)) AS ratio, calls.ms < 10 AS within_10_ms
  FROM calls, baseline
UNION ALL
SELECT 'slowest of all', round(max(calls.ms), 3), round(min(baseline.ms), 3),
       round(max(calls.ms) / nullif(min(baseline.ms), 0)), max(calls.ms) < 10
  FROM calls, baseline;
