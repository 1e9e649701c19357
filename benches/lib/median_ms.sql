-- pg_temp.median_ms(query, runs): the median wall-clock time in ms of `runs` executions of
-- `query`, after one warm-up execution (caches, buffers). Included by the SQL benchmarks.
CREATE OR REPLACE FUNCTION pg_temp.median_ms(query text, runs int) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz;
  samples numeric[] := '{}';
BEGIN
  EXECUTE query;  -- warm-up: caches, buffers
  FOR i IN 1..runs LOOP
    started := clock_timestamp();
    EXECUTE query;
    samples := samples || (extract(epoch FROM clock_timestamp() - started) * 1000)::numeric;
  END LOOP;
  RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM unnest(samples) AS s);
END $$;
