-- The cases and the driver of tests/security/90_no_crash.t, in schema crashwalk of the
-- test's own database (loaded by the superuser after the migrations and the dev seed).
--
-- Every case is one self-contained SQL text, so the text that crashed the server is its
-- reproduction (after the session preamble, crashwalk.preamble). Argument values are SQL
-- expressions (repeat('x', 1048576), not a megabyte of literal) for the same reason.
CREATE SCHEMA crashwalk;
GRANT USAGE ON SCHEMA crashwalk TO PUBLIC;

-- The login roles that run the cases: the superuser, one login per group role, one of none.
CREATE TABLE crashwalk.roles (
  role     name PRIMARY KEY,
  label    text NOT NULL,
  triggers boolean NOT NULL,   -- runs the trigger cases too
  identity boolean NOT NULL,   -- runs the calls again as a seed Admin and a seed Member
  heavy    boolean NOT NULL     -- runs the calls with megabyte arguments too
);

-- The tables trigger cases attach to ("Trigger cases" below).
CREATE TABLE crashwalk.shapes (
  id      integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name    text NOT NULL,
  base    regclass,            -- the table it copies, if any
  sweep   boolean NOT NULL DEFAULT false,  -- base with one column of a wrong type or missing
  dropped boolean NOT NULL DEFAULT false,  -- a dropped column before the others
  cols    text[][] NOT NULL,   -- {{name, type, value}, ...}
  setup   text,                -- creates pg_temp.cw_s<id> and the view cw_v<id> over it
  names   text                 -- the column names, comma-separated
);
GRANT SELECT ON crashwalk.shapes TO PUBLIC;

CREATE TABLE crashwalk.cases (
  id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the run order
  func     regprocedure NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('call', 'procedure', 'trigger')),
  identity uuid,               -- synapse.set_current_user(identity) first
  what     text,               -- a trigger case: how attached, to what, fired by what
  heavy    boolean NOT NULL DEFAULT false,  -- a call with a megabyte argument (crashwalk.heavy)
  shape    integer REFERENCES crashwalk.shapes,  -- a trigger case on that shape's table
  sql      text NOT NULL
);

CREATE TABLE crashwalk.runs (
  role    name NOT NULL,
  case_id integer NOT NULL REFERENCES crashwalk.cases,
  state   text NOT NULL,       -- SQLSTATE (00000: none); else 'crash', 'not run' (after crashes),
                               -- 'session ended', 'no result', 'setup <SQLSTATE>': failures
  note    text,
  ms      integer,             -- how long the case took in run_case
  PRIMARY KEY (role, case_id)
);
GRANT SELECT ON crashwalk.roles, crashwalk.cases TO PUBLIC;
GRANT SELECT, INSERT ON crashwalk.runs TO PUBLIC;

-- Run by every session before its cases. The types stand in for a wrong enum and domains in
-- the trigger cases (a temp type needs only the TEMP privilege, like a temp table). One
-- statement_timeout per top-level statement: each case is one (SET LOCAL inside a PL/pgSQL
-- loop would not re-arm the timer of the statement already running). Commits wait for their
-- WAL: the cluster's synchronous_commit = off would lose the last results to a crash, and
-- the first case without a result would no longer be the one that crashed.
CREATE FUNCTION crashwalk.preamble() RETURNS text LANGUAGE sql IMMUTABLE RETURN
  'SET statement_timeout = ''2s'';
SET synchronous_commit = on;
SET client_min_messages = error;
CREATE TYPE pg_temp.cw_enum AS ENUM (''Nope'', ''Other'');
CREATE DOMAIN pg_temp.cw_domain AS bigint;
CREATE DOMAIN pg_temp.cw_uuid_domain AS uuid;';

-- A type's name as a cast target that works with any search_path.
CREATE FUNCTION crashwalk.type_name(t oid) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  ty pg_catalog.pg_type;
BEGIN
  SELECT * INTO STRICT ty FROM pg_catalog.pg_type WHERE oid = t;
  IF ty.typelem <> 0 AND ty.typcategory = 'A' THEN
    RETURN crashwalk.type_name(ty.typelem) || '[]';
  ELSIF ty.typnamespace = 'pg_catalog'::regnamespace THEN
    RETURN pg_catalog.format_type(t, NULL);
  END IF;
  RETURN pg_catalog.format('%I.%I', (SELECT nspname FROM pg_catalog.pg_namespace WHERE oid = ty.typnamespace), ty.typname);
END
$$;

-- Each key of a recurrence pattern (docs/recurrence-pattern.md) with values of wrong types
-- and sizes, and patterns at the engine's limits.
CREATE FUNCTION crashwalk.pattern_values() RETURNS text[] LANGUAGE sql IMMUTABLE RETURN ARRAY(
  SELECT pg_catalog.format('{"frequency": "daily", %s: %s}', pg_catalog.to_json(k), v)
    FROM unnest(ARRAY['frequency', 'interval', 'daysOfWeek', 'nthWeekdays', 'dayOfMonth', 'monthOfYear',
                      'setPos', 'weekStart', 'monthDayOverflow', 'count', 'until', 'timezone', 'exdates',
                      'anchor', 'catchUp']) AS k,
         unnest(ARRAY['null', 'true', '0', '-1', '1e400', '-1e400', '2147483648', '-9223372036854775809',
                      '0.5', '"x"', '""', '[]', '{}', '[null]', '[1e400]', '[[1]]', '[-2147483648, 2147483647]',
                      '[{"day": "x", "nth": 1e400}]', '{"day": 1}', '"294276-12-31T23:59:59Z"',
                      '"-4713-01-01T00:00:00Z"', '"2026-02-30"', '"Mars/Base"']) AS v
  UNION ALL
  SELECT unnest(ARRAY[
    '{"frequency": "weekly"}', '{"frequency": "monthly"}', '{"frequency": "yearly"}', '{"frequency": "hourly"}',
    '{"frequency": "yearly", "interval": 999, "monthOfYear": 2, "dayOfMonth": 29}',
    '{"frequency": "yearly", "monthOfYear": 2, "dayOfMonth": 30}',
    '{"frequency": "monthly", "dayOfMonth": 31, "setPos": -1, "monthDayOverflow": "clamp"}',
    '{"frequency": "monthly", "daysOfWeek": [1,2,3,4,5], "setPos": -366}',
    '{"frequency": "monthly", "nthWeekdays": [{"day": 1, "nth": 5}, {"day": 7, "nth": -5}], "interval": 999}',
    '{"frequency": "weekly", "interval": 999, "daysOfWeek": [1,2,3,4,5,6,7], "count": 2147483647}',
    '{"frequency": "daily", "until": "294276-12-31T23:59:59Z", "timezone": "Pacific/Kiritimati"}',
    '{"frequency": "daily", "until": "1900-01-01T00:00:00Z"}',
    '{"frequency": "daily", "anchor": "completion", "catchUp": "latest"}',
    '{"frequency": "daily", "timezone": "America/St_Johns", "exdates": ["2026-03-08", "2026-03-08"]}',
    '{"frequency": "daily", "frequency": "weekly"}'])
);

-- The arguments tried for a parameter of type t (named param): SQL expressions of that
-- type, the first one a typical value (the others are tried one parameter at a time against
-- it). NULL for a type this list does not know: the test reports it rather than skip.
CREATE FUNCTION crashwalk.values_of(t oid, param text DEFAULT '', typical_only boolean DEFAULT false) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
  ty pg_catalog.pg_type;
  name text := crashwalk.type_name(t);
  v text[];
  e text[];
  seed_uuid text := 'md5(''dev:dept:eng'')::uuid';
BEGIN
  SELECT * INTO STRICT ty FROM pg_catalog.pg_type WHERE oid = t;
  IF ty.typtype = 'd' THEN
    e := crashwalk.values_of(ty.typbasetype, param, typical_only);
    RETURN ARRAY(SELECT pg_catalog.format('(%s)::%s', x, name) FROM unnest(e) WITH ORDINALITY AS u(x, i) ORDER BY i);
  ELSIF ty.typtype = 'e' THEN
    v := ARRAY(SELECT pg_catalog.quote_literal(enumlabel) FROM pg_catalog.pg_enum WHERE enumtypid = t ORDER BY enumsortorder);
  ELSIF ty.typcategory = 'A' AND ty.typelem <> 0 THEN
    e := crashwalk.values_of(ty.typelem, param, typical_only);
    IF e IS NULL THEN RETURN NULL; END IF;
    -- typical: one typical element; then empty, NULL elements, two dimensions, 10^5
    -- elements, odd lower bounds, and each element value alone.
    v := ARRAY[pg_catalog.format('ARRAY[%s]', e[1]), '''{}''', pg_catalog.format('ARRAY[NULL, %s, NULL]', e[1]),
               pg_catalog.format('ARRAY[[%1$s, %1$s], [%1$s, NULL]]', e[1]),
               pg_catalog.format('array_fill(%s, ARRAY[100000])', e[1]),
               pg_catalog.format('array_fill(%s, ARRAY[2], ARRAY[-2147483648])', e[1]),
               pg_catalog.format('array_fill(%s, ARRAY[1], ARRAY[2147483647])', e[1])]
         || ARRAY(SELECT pg_catalog.format('ARRAY[%s]', x) FROM unnest(e[2:]) WITH ORDINALITY AS u(x, i) ORDER BY i);
  ELSE
    v := CASE t
      WHEN 'boolean'::regtype THEN ARRAY['true', 'false']
      WHEN 'smallint'::regtype THEN ARRAY['1', '0', '-1', '-32768', '32767']
      WHEN 'integer'::regtype THEN ARRAY['10', '0', '-1', '1', '-2147483648', '2147483647']
      WHEN 'bigint'::regtype THEN ARRAY['1', '0', '-1', '-9223372036854775808', '9223372036854775807']
      WHEN 'numeric'::regtype THEN ARRAY['1', '0', '''NaN''', '''Infinity''', '''-Infinity''', '1e1000', '-1e-1000']
      WHEN 'real'::regtype THEN ARRAY['1', '0', '''NaN''', '''Infinity''', '''-Infinity''', '3e38']
      WHEN 'double precision'::regtype THEN ARRAY['1', '0', '''NaN''', '''Infinity''', '''-Infinity''', '1e308', '-0']
      WHEN 'oid'::regtype THEN ARRAY['''synapse.tasks''::regclass', '0', '4294967295']
      WHEN 'regclass'::regtype THEN ARRAY['''synapse.tasks''', '0', '''synapse.projects''', '''pg_authid''']
      WHEN 'uuid'::regtype THEN ARRAY[CASE
          WHEN param ~* 'user|creator|owner|assign|author|sub' THEN 'md5(''dev:user:priya'')::uuid'
          WHEN param ~* 'project' THEN 'md5(''dev:project:api'')::uuid'
          WHEN param ~* 'task|parent|template' THEN 'md5(''dev:task:ENG-101'')::uuid'
          ELSE seed_uuid END,
        '''00000000-0000-0000-0000-000000000000''', '''ffffffff-ffff-ffff-ffff-ffffffffffff''', 'gen_random_uuid()',
        seed_uuid, 'md5(''dev:dept:ops'')::uuid', 'md5(''dev:user:priya'')::uuid', 'md5(''dev:user:sofia'')::uuid',
        'md5(''dev:project:api'')::uuid', 'md5(''dev:task:ENG-101'')::uuid', 'md5(''dev:task:ENG-STANDUP'')::uuid']
      WHEN 'timestamp with time zone'::regtype THEN ARRAY['''2026-01-05 09:00:00+00''', '''infinity''', '''-infinity''',
        '''4713-01-01 00:00:00+00 BC''', '''294276-12-31 23:59:59+00''', '''0001-01-01 00:00:00+00''',
        '''1970-01-01 00:00:00+00''', '''2000-01-01 00:00:00+00''', 'now()', '''2026-03-29 02:30:00 Europe/Berlin''']
      WHEN 'timestamp without time zone'::regtype THEN ARRAY['''2026-01-05 09:00:00''', '''infinity''', '''-infinity''',
        '''4713-01-01 00:00:00 BC''', '''294276-12-31 23:59:59''', '''2000-01-01 00:00:00''']
      WHEN 'date'::regtype THEN ARRAY['''2026-01-05''', '''infinity''', '''-infinity''', '''4713-01-01 BC''',
        '''5874897-12-31''', '''2000-02-29''', '''0001-01-01''']
      WHEN 'interval'::regtype THEN ARRAY['''1 day''', '''0''', '''-178000000 years''', '''178000000 years''', '''1 microsecond''']
      WHEN 'jsonb'::regtype THEN ARRAY['''{"frequency": "daily"}''']
      WHEN 'json'::regtype THEN ARRAY['''{"frequency": "daily"}''']
      WHEN 'tsvector'::regtype THEN ARRAY['to_tsvector(''english'', ''quarterly report'')', '''''', '''a:1A b:2B,3C''',
        'array_to_tsvector(ARRAY[''a:b'', ''c!d'', ''x y'', '''''''', repeat(''z'', 2040)])',
        'to_tsvector(''simple'', repeat(''alpha beta gamma delta '', 50000))', 'setweight(''a b''::tsvector, ''D'')']
      WHEN 'tsquery'::regtype THEN ARRAY['''report''', '''''', '''a & !b''', '''!a''', '''!!!a''', '''a <-> b''',
        '''a <16384> b''', '''a:* & b:AB''', 'websearch_to_tsquery(''english'', ''"a b c" -d or e'')',
        'to_tsquery(''simple'', repeat(''a | '', 20000) || ''a'')',
        'to_tsquery(''simple'', repeat(''!('', 1000) || ''a'' || repeat('')'', 1000))', '''''''a:b'''' & ''''c!d''''''']
      WHEN 'bytea'::regtype THEN ARRAY['''\x00ff''', '''''', 'decode(repeat(''ff'', 1048576), ''hex'')']
      ELSE NULL END;
    IF v IS NULL AND ty.typcategory = 'S' THEN  -- text, varchar, char, name
      v := ARRAY['''weekly report''', '''''', ''' ''', '''x''', 'repeat(''x'', 1048576)', 'repeat(''report '', 200000)',
        'repeat(''x'', 3000)', 'E''\x01\x02\x1f\x7f''', '''null''', '''{''', '''{"frequency": "daily"''', '''[[[''',
        'repeat(''['', 10000)', 'repeat(''('', 10000) || ''a'' || repeat('')'', 10000)', '''!!!&|<->:*''',
        '''a <-> b <10000> c''', '''"unterminated''', '''\''', '''%s %n %%''', '''''''; SELECT 1; --''',
        'E''line\nRRULE:FREQ=SECONDLY''', '''RRULE:FREQ=DAILY;COUNT=-1;INTERVAL=0''',
        '''DTSTART:99991231T235959Z\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30''',
        '''RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=29991231T000000Z''',
        '''RRULE:RSCALE=GREGORIAN;FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;SKIP=BACKWARD;COUNT=2147483647''',
        '''*/5 * * * *''', '''* * * * * * *''', '''ß€𝄞 İ ǅ''', 'repeat(''a | '', 50000) || ''a''',
        -- compact JWTs (set_current_user_token): alg none; absurd claims; non-object parts;
        -- a megabyte payload; not base64
        '''eyJhbGciOiJFZERTQSJ9.e30.AAAA''', '''a.b.c''', '''..''', 'repeat(''x.'', 10000)',
        '''eyJhbGciOiJub25lIn0.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ.''',
        '''eyJhbGciOiJFZERTQSIsImtpZCI6IngifQ.eyJzdWIiOiJ4IiwiZXhwIjoxZSszMDAsIm5iZiI6LTFlKzMwMCwiYXVkIjpbW1tdXV19.AAAA''',
        '''eyJhbGciOiJFZERTQSIsImtpZCI6eyJhIjpbMV19fQ.WzEsMiwzXQ.'' || repeat(''A'', 86)',
        '''eyJhbGciOiJFZERTQSIsImtpZCI6IngifQ.'' || repeat(''A'', 1048576) || ''.AAAA''',
        '''{"alg":"EdDSA"}.{}.{}'''];
    END IF;
    IF t IN ('jsonb'::regtype, 'json'::regtype) AND NOT typical_only THEN
      v := v || ARRAY['''null''', '''[]''', '''{}''', '''""''', '''0''', '''true''', '''"daily"''', '''1e400''',
        '''-1e400''', '''123456789012345678901234567890''',
        '(repeat(''['', 10000) || repeat('']'', 10000))', '(repeat(''['', 1000) || repeat('']'', 1000))', '(repeat(''{"a":'', 10000) || ''1'' || repeat(''}'', 10000))',
        '(''{"frequency": "daily", "daysOfWeek": '' || repeat(''['', 5000) || repeat('']'', 5000) || ''}'')',
        'to_json(array_fill(1, ARRAY[100000]))', 'to_json(repeat(''x'', 1048576))',
        'json_build_object(''frequency'', ''daily'', ''exdates'', array_fill(''2026-01-01''::text, ARRAY[100000]))',
        'json_build_object(''frequency'', ''weekly'', ''daysOfWeek'', array_fill(1, ARRAY[100000]))']
        || ARRAY(SELECT pg_catalog.quote_literal(p) FROM unnest(crashwalk.pattern_values()) WITH ORDINALITY AS u(p, i) ORDER BY i);
    END IF;
  END IF;
  IF v IS NULL THEN
    RETURN NULL;
  ELSIF typical_only THEN
    RETURN ARRAY[pg_catalog.format('(%s)::%s', v[1], name)];
  END IF;
  -- NULL second: each parameter is also tried NULL with the others typical.
  RETURN ARRAY(SELECT pg_catalog.format('(%s)::%s', x, name)
                 FROM unnest(v[1:1] || ARRAY['NULL'] || v[2:]) WITH ORDINALITY AS u(x, i) ORDER BY i);
END
$$;

-- Every function and procedure of schema synapse that is not a trigger function, with its
-- callable arguments (IN, INOUT, VARIADIC).
CREATE VIEW crashwalk.callables AS
SELECT p.oid::regprocedure AS func, p.prokind, p.provolatile, pg_catalog.format('%I.%I', n.nspname, p.proname) AS qualified,
       p.provariadic <> 0 AS variadic,
       ARRAY(SELECT a.t FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i) ORDER BY a.i) AS types,
       ARRAY(SELECT coalesce(nm, '')
               FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), coalesce(p.proargmodes, ARRAY[]::"char"[]),
                           coalesce(p.proargnames, ARRAY[]::text[])) WITH ORDINALITY AS a(t, mode, nm, i)
              WHERE t IS NOT NULL AND coalesce(mode, 'i') IN ('i', 'b', 'v') ORDER BY i) AS names
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'synapse' AND p.prokind IN ('f', 'p') AND p.prorettype <> 'trigger'::regtype;

-- Parameter types that values_of does not know (the test fails naming them).
CREATE VIEW crashwalk.unknown_types AS
SELECT DISTINCT c.func, crashwalk.type_name(t) AS type_name
  FROM crashwalk.callables c, unnest(c.types) AS t
 WHERE crashwalk.values_of(t) IS NULL;

-- Arguments that take long to make and to process: a megabyte of text or bytea, 10^5
-- array elements, thousands of nesting levels.
CREATE FUNCTION crashwalk.heavy(args text) RETURNS boolean LANGUAGE sql IMMUTABLE
RETURN args ~ '[^0-9.](1048576|200000|100000|50000|20000|10000)[^0-9]|to_tsvector\(''simple''|decode\(repeat';

-- The calls: all typical, all NULL, each value of each parameter with the others typical,
-- random tuples (a fixed seed, so a run is repeatable), all heavy; each without and with an
-- identity.
CREATE FUNCTION crashwalk.add_call_cases(random_tuples integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  c record;
  lists jsonb;
  i integer;
  j integer;
  added integer := 0;
BEGIN
  PERFORM pg_catalog.setseed(0.9);
  FOR c IN SELECT * FROM crashwalk.callables ORDER BY func::text LOOP
    lists := '[]';
    FOR i IN 1 .. coalesce(array_length(c.types, 1), 0) LOOP
      lists := lists || pg_catalog.jsonb_build_array(
        coalesce(crashwalk.values_of(c.types[i], c.names[i]), ARRAY[pg_catalog.format('NULL::%s', crashwalk.type_name(c.types[i]))]));
    END LOOP;
    CREATE TEMP TABLE IF NOT EXISTS cw_tuples (n serial, args text[]) ON COMMIT DROP;
    TRUNCATE cw_tuples;
    -- typical; all NULL
    INSERT INTO cw_tuples (args) SELECT ARRAY(SELECT l ->> 0 FROM jsonb_array_elements(lists) WITH ORDINALITY AS x(l, k) ORDER BY k);
    INSERT INTO cw_tuples (args) SELECT ARRAY(SELECT l ->> 1 FROM jsonb_array_elements(lists) WITH ORDINALITY AS x(l, k) ORDER BY k);
    -- one parameter at a time
    FOR i IN 1 .. jsonb_array_length(lists) LOOP
      FOR j IN 1 .. jsonb_array_length(lists -> (i - 1)) - 1 LOOP
        INSERT INTO cw_tuples (args)
        SELECT ARRAY(SELECT CASE WHEN k = i THEN l ->> j ELSE l ->> 0 END
                       FROM jsonb_array_elements(lists) WITH ORDINALITY AS x(l, k) ORDER BY k);
      END LOOP;
    END LOOP;
    -- random combinations, and every parameter at its first megabyte value at once (sizes
    -- that multiply: a megabyte prefix for each of 10^5 elements)
    IF jsonb_array_length(lists) > 1 THEN
      FOR j IN 1 .. random_tuples LOOP
        INSERT INTO cw_tuples (args)
        SELECT ARRAY(SELECT l ->> floor(random() * jsonb_array_length(l))::int
                       FROM jsonb_array_elements(lists) WITH ORDINALITY AS x(l, k) ORDER BY k);
      END LOOP;
      INSERT INTO cw_tuples (args)
      SELECT ARRAY(SELECT coalesce((SELECT v FROM jsonb_array_elements_text(l) WITH ORDINALITY AS y(v, m)
                                     WHERE crashwalk.heavy(v) ORDER BY m LIMIT 1), l ->> 0)
                     FROM jsonb_array_elements(lists) WITH ORDINALITY AS x(l, k) ORDER BY k);
    END IF;
    INSERT INTO crashwalk.cases (func, kind, identity, heavy, sql)
    SELECT c.func, CASE c.prokind WHEN 'p' THEN 'procedure' ELSE 'call' END, who.id, crashwalk.heavy(array_to_string(t.args, ' ')),
           pg_catalog.format(CASE c.prokind WHEN 'p' THEN 'CALL %s(%s)' ELSE 'SELECT %s(%s)' END, c.qualified,
                             CASE WHEN c.variadic  -- the last argument is the variadic array
                                  THEN array_to_string(t.args[:cardinality(t.args) - 1] || ('VARIADIC ' || t.args[cardinality(t.args)]), ', ')
                                  ELSE array_to_string(t.args, ', ') END)
      FROM (SELECT args, min(n) AS n FROM cw_tuples GROUP BY args) AS t
     CROSS JOIN (VALUES (0, NULL::uuid), (1, md5('dev:user:priya')::uuid), (2, md5('dev:user:sofia')::uuid)) AS who(k, id)
     -- with an identity: no procedure (it would commit it away), no immutable function (it
     -- may not depend on one) and no megabyte argument (what it tests does not depend on who
     -- calls, and those cost most)
     WHERE who.id IS NULL OR (c.prokind <> 'p' AND c.provolatile <> 'i' AND NOT crashwalk.heavy(array_to_string(t.args, ' ')))
     ORDER BY who.k, t.n;
    GET DIAGNOSTICS i = ROW_COUNT;
    added := added + i;
  END LOOP;
  RETURN added;
END
$$;

-- Trigger cases. A shape is a column list for a temp table: (name, type, value) per column,
-- the value typical for the type. Shapes: each table a synapse trigger is attached to, with
-- its own types (the correct shape), and the same after a dropped column; every column name
-- any of them has, all of one wrong type; no such column at all. For the C-language trigger
-- functions (which read raw datums; PL/pgSQL reads a column by name through the executor's
-- type checks), also their tables' shapes with one column of a wrong type or missing, column
-- by column.

-- Wrong types: by-value 8, 4 and 1 bytes, varlena, fixed 16 bytes, an enum without the
-- expected labels, domains. The column-by-column shapes take one of each representation.
CREATE FUNCTION crashwalk.wrong_types(sweep boolean) RETURNS text[] LANGUAGE sql IMMUTABLE RETURN
  ARRAY['bigint', 'integer', 'boolean', 'text', 'timestamp with time zone', 'pg_temp.cw_enum',
        'pg_temp.cw_domain', 'pg_temp.cw_uuid_domain']
  || CASE WHEN sweep THEN ARRAY[]::text[] ELSE ARRAY['jsonb', 'uuid'] END;

CREATE FUNCTION crashwalk.typical(type_name text, col text) RETURNS text LANGUAGE sql STABLE RETURN
  CASE type_name
    WHEN 'pg_temp.cw_enum' THEN '''Other''::pg_temp.cw_enum'
    WHEN 'pg_temp.cw_domain' THEN '1::pg_temp.cw_domain'
    WHEN 'pg_temp.cw_uuid_domain' THEN 'md5(''dev:dept:eng'')::pg_temp.cw_uuid_domain'
    ELSE coalesce((crashwalk.values_of(type_name::regtype, col, true))[1], pg_catalog.format('NULL::%s', type_name))
  END;

-- A shape's table: its columns, then cw_row (which row: 1 all NULL; 2 all typical; 3
-- typical but live, not deleted and flags false, as the counters count), the three rows,
-- and a view over it for INSTEAD OF triggers. The rows are put in before any trigger exists.
CREATE FUNCTION crashwalk.shape_setup(s crashwalk.shapes, tab text, view_name text, suffix text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT pg_catalog.format('CREATE TEMP TABLE %s (%s%s, cw_row integer)%s; %sINSERT INTO %s (%s, cw_row) VALUES (%s, 1), (%s, 2), (%s, 3); CREATE TEMP VIEW %s AS SELECT * FROM %s;',
           tab, CASE WHEN s.dropped THEN 'cw_gone bigint, ' END,
           string_agg(pg_catalog.format('%I %s', c[1], c[2]), ', ' ORDER BY k), suffix,
           CASE WHEN s.dropped THEN pg_catalog.format('ALTER TABLE %s DROP COLUMN cw_gone; ', tab) END,
           tab, string_agg(pg_catalog.quote_ident(c[1]), ', ' ORDER BY k),
           string_agg('NULL', ', '), string_agg(c[3], ', ' ORDER BY k),
           string_agg(CASE WHEN c[1] ~ 'deleted' THEN 'NULL' WHEN c[2] = 'boolean' THEN 'false' ELSE c[3] END, ', ' ORDER BY k),
           view_name, tab)
    FROM (SELECT k, ARRAY[s.cols[k][1], s.cols[k][2], s.cols[k][3]] AS c FROM generate_series(1, array_length(s.cols, 1)) AS k) AS cols
$$;

CREATE FUNCTION crashwalk.add_shapes() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  rel regclass;
  correct text[][];
  names text[];
  w text;
  n integer;
BEGIN
  FOR rel IN SELECT DISTINCT tg.tgrelid::regclass FROM pg_catalog.pg_trigger tg
               JOIN pg_catalog.pg_proc p ON p.oid = tg.tgfoid
              WHERE p.pronamespace = 'synapse'::regnamespace AND NOT tg.tgisinternal ORDER BY 1 LOOP
    correct := ARRAY(SELECT ARRAY[a.attname::text, crashwalk.type_name(a.atttypid), crashwalk.typical(crashwalk.type_name(a.atttypid), a.attname)]
                       FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum);
    INSERT INTO crashwalk.shapes (name, base, cols) VALUES (pg_catalog.format('like %s', rel), rel, correct);
    INSERT INTO crashwalk.shapes (name, base, dropped, cols) VALUES (pg_catalog.format('like %s after a dropped column', rel), rel, true, correct);
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_proc p ON p.oid = tg.tgfoid
                               WHERE tg.tgrelid = rel AND p.pronamespace = 'synapse'::regnamespace
                                 AND p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'c'));
    FOR n IN 1 .. array_length(correct, 1) LOOP
      FOREACH w IN ARRAY crashwalk.wrong_types(true) LOOP
        INSERT INTO crashwalk.shapes (name, base, sweep, cols)
        SELECT pg_catalog.format('like %s with %s %s', rel, correct[n][1], w), rel, true,
               ARRAY(SELECT CASE WHEN k = n THEN ARRAY[correct[k][1], w, crashwalk.typical(w, correct[k][1])]
                                 ELSE ARRAY[correct[k][1], correct[k][2], correct[k][3]] END
                       FROM generate_series(1, array_length(correct, 1)) AS k ORDER BY k);
      END LOOP;
      INSERT INTO crashwalk.shapes (name, base, sweep, cols)
      SELECT pg_catalog.format('like %s without %s', rel, correct[n][1]), rel, true,
             ARRAY(SELECT ARRAY[correct[k][1], correct[k][2], correct[k][3]]
                     FROM generate_series(1, array_length(correct, 1)) AS k WHERE k <> n ORDER BY k);
    END LOOP;
  END LOOP;
  names := ARRAY(SELECT DISTINCT a.attname::text FROM crashwalk.shapes s, pg_catalog.pg_attribute a
                  WHERE a.attrelid = s.base AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1);
  FOREACH w IN ARRAY crashwalk.wrong_types(false) LOOP
    INSERT INTO crashwalk.shapes (name, cols)
    SELECT pg_catalog.format('every column %s', w), ARRAY(SELECT ARRAY[nm, w, crashwalk.typical(w, nm)] FROM unnest(names) AS nm ORDER BY nm);
  END LOOP;
  INSERT INTO crashwalk.shapes (name, cols) VALUES ('no column of any task table', ARRAY[ARRAY['cw_other', 'integer', '1']]);
  UPDATE crashwalk.shapes s
     SET setup = crashwalk.shape_setup(s, 'cw_s' || s.id, 'cw_v' || s.id, ''),
         names = (SELECT string_agg(pg_catalog.quote_ident(s.cols[k][1]), ', ' ORDER BY k) FROM generate_series(1, array_length(s.cols, 1)) AS k);
  SELECT count(*) INTO n FROM crashwalk.shapes;
  RETURN n;
END
$$;

CREATE FUNCTION crashwalk.add_trigger_cases() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  old_name text := coalesce((SELECT min(tgoldtable) FROM pg_catalog.pg_trigger WHERE tgoldtable IS NOT NULL), 'old_tasks');
  new_name text := coalesce((SELECT min(tgnewtable) FROM pg_catalog.pg_trigger WHERE tgnewtable IS NOT NULL), 'new_tasks');
  c_lang oid := (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'c');
  n integer;
BEGIN
  -- The statements that fire: for row triggers one per row (1, 2, 3; an UPDATE gives row k
  -- the values of the next row), for statement triggers one over all rows. %t the table or
  -- view, %s the table, %c its columns.
  CREATE TEMP TABLE cw_fire (event text, rows text, fire text) ON COMMIT DROP;
  INSERT INTO cw_fire
  SELECT 'INSERT', k::text, pg_catalog.format('INSERT INTO %%t SELECT * FROM %%s WHERE cw_row = %s', k) FROM generate_series(1, 3) AS k
  UNION ALL
  SELECT 'UPDATE', k::text, pg_catalog.format('UPDATE %%t SET (%%c) = (SELECT %%c FROM %%s WHERE cw_row = %s) WHERE cw_row = %s', k % 3 + 1, k)
    FROM generate_series(1, 3) AS k
  UNION ALL
  SELECT 'DELETE', k::text, pg_catalog.format('DELETE FROM %%t WHERE cw_row = %s', k) FROM generate_series(1, 3) AS k
  UNION ALL
  VALUES ('INSERT', 'all', 'INSERT INTO %t SELECT * FROM %s'),
         ('UPDATE', 'all', 'UPDATE %t AS u SET (%c) = (SELECT %c FROM %s AS r WHERE r.cw_row = u.cw_row % 3 + 1)'),
         ('DELETE', 'all', 'DELETE FROM %t'), ('TRUNCATE', 'all', 'TRUNCATE %t');
  CREATE TEMP TABLE cw_func ON COMMIT DROP AS
  SELECT p.oid::regprocedure AS func, pg_catalog.format('%I.%I', ns.nspname, p.proname) AS qualified, p.prolang = c_lang AS c_language
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace ns ON ns.oid = p.pronamespace
   WHERE ns.nspname = 'synapse' AND p.prorettype = 'trigger'::regtype;
  -- How a function is attached: BEFORE/AFTER ROW/STATEMENT for every event CREATE TRIGGER
  -- takes, INSTEAD OF on the view, AFTER with transition tables (one event each). %f the function.
  CREATE TEMP TABLE cw_mode (name text, attach text, events text[], per_row boolean, on_view boolean) ON COMMIT DROP;
  INSERT INTO cw_mode
  SELECT t || ' ' || l, pg_catalog.format('CREATE TRIGGER cw %s INSERT OR UPDATE OR DELETE%s ON %%t FOR EACH %s EXECUTE FUNCTION %%f();',
                                          t, CASE l WHEN 'STATEMENT' THEN ' OR TRUNCATE' ELSE '' END, l),
         CASE l WHEN 'STATEMENT' THEN ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] ELSE ARRAY['INSERT', 'UPDATE', 'DELETE'] END,
         l = 'ROW', false
    FROM unnest(ARRAY['BEFORE', 'AFTER']) AS t, unnest(ARRAY['ROW', 'STATEMENT']) AS l;
  INSERT INTO cw_mode VALUES ('INSTEAD OF ROW on a view',
    'CREATE TRIGGER cw INSTEAD OF INSERT OR UPDATE OR DELETE ON %t FOR EACH ROW EXECUTE FUNCTION %f();',
    ARRAY['INSERT', 'UPDATE', 'DELETE'], true, true);
  INSERT INTO cw_mode
  SELECT pg_catalog.format('AFTER %s %s with transition tables', ev, l),
         pg_catalog.format('CREATE TRIGGER cw AFTER %s ON %%t REFERENCING %s FOR EACH %s EXECUTE FUNCTION %%f();', ev,
                           CASE ev WHEN 'INSERT' THEN pg_catalog.format('NEW TABLE AS %I', new_name)
                                   WHEN 'DELETE' THEN pg_catalog.format('OLD TABLE AS %I', old_name)
                                   ELSE pg_catalog.format('OLD TABLE AS %I NEW TABLE AS %I', old_name, new_name) END, l),
         ARRAY[ev], false, false
    FROM unnest(ARRAY['INSERT', 'UPDATE', 'DELETE']) AS ev, unnest(ARRAY['ROW', 'STATEMENT']) AS l;
  -- The C trigger functions of a table together, as the migrations attach them there (the row
  -- trigger collects, the statement trigger applies); counted under the row trigger's function.
  CREATE TEMP TABLE cw_real ON COMMIT DROP AS
  SELECT tg.tgrelid AS base, (array_agg(tg.tgfoid::regprocedure ORDER BY tg.tgtype & 1 DESC, tg.tgname))[1] AS func,
         string_agg(regexp_replace(pg_catalog.pg_get_triggerdef(tg.oid), ' ON \S+ ', ' ON %t ') || ';', ' ' ORDER BY tg.tgname) AS attach
    FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_proc p ON p.oid = tg.tgfoid
   WHERE NOT tg.tgisinternal AND p.pronamespace = 'synapse'::regnamespace AND p.prolang = c_lang
   GROUP BY tg.tgrelid;

  CREATE TEMP TABLE cw_plan ON COMMIT DROP AS
  -- every function, every mode, every shape but the column-by-column ones (those only with
  -- the C triggers as attached, below); a row trigger fired one row at a time only when it is
  -- in C (the first row that fails ends the statement; PL/pgSQL reads every value through
  -- the executor's type checks, a C function reads raw datums)
  SELECT f.func, s.id AS shape, pg_catalog.format('%s, %s', m.name, s.name) AS what, m.events,
         CASE WHEN m.per_row AND f.c_language THEN 'rows' ELSE 'all' END AS fires, m.on_view,
         replace(m.attach, '%f', f.qualified) AS attach_sql
    FROM cw_func f CROSS JOIN crashwalk.shapes s CROSS JOIN cw_mode m
   WHERE NOT s.sweep
  UNION ALL
  SELECT r.func, s.id, pg_catalog.format('its C triggers as attached to %s, %s', r.base::regclass, s.name),
         ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'], 'both', false, r.attach
    FROM cw_real r JOIN crashwalk.shapes s ON s.base = r.base;

  INSERT INTO crashwalk.cases (func, kind, shape, what, sql)
  SELECT p.func, 'trigger', p.shape,
         pg_catalog.format('%s, %s %s', p.what, e.event, CASE e.rows WHEN '1' THEN 'of the NULL row' WHEN '2' THEN 'of the typical row'
                                                                WHEN '3' THEN 'of the live row' ELSE 'of every row' END),
         replace(p.attach_sql, '%t', pg_catalog.format(CASE WHEN p.on_view THEN 'cw_v%s' ELSE 'cw_s%s' END, p.shape)) || ' '
         || replace(replace(replace(e.fire, '%t', pg_catalog.format(CASE WHEN p.on_view THEN 'cw_v%s' ELSE 'cw_s%s' END, p.shape)),
                            '%s', 'cw_s' || p.shape), '%c', s.names)
    FROM cw_plan p JOIN crashwalk.shapes s ON s.id = p.shape
    JOIN cw_fire e ON e.event = ANY (p.events) AND (p.fires = 'both' OR (p.fires = 'rows') = (e.rows <> 'all'))
   ORDER BY p.func::text, p.shape, p.what, e.event, e.rows;
  GET DIAGNOSTICS n = ROW_COUNT;

  -- The same committed, each in a table of its own (ON COMMIT DROP), for the C functions on
  -- their tables' correct shapes: what a trigger leaves for the end of the transaction runs.
  INSERT INTO crashwalk.cases (func, kind, what, sql)
  SELECT c.func, 'trigger', c.what || ', committed',
         crashwalk.shape_setup(s, 'cw_t', 'cw_v', ' ON COMMIT DROP') || ' '
         || regexp_replace(regexp_replace(c.sql, '\mcw_s' || s.id || '\M', 'cw_t', 'g'), '\mcw_v' || s.id || '\M', 'cw_v', 'g')
    FROM crashwalk.cases c JOIN crashwalk.shapes s ON s.id = c.shape
   WHERE NOT s.sweep AND s.base IS NOT NULL
     AND c.func IN (SELECT func FROM cw_func WHERE c_language)
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = s.base AND tgfoid = c.func)
   ORDER BY c.id;
  RETURN n + (SELECT count(*) FROM crashwalk.cases WHERE kind = 'trigger' AND shape IS NULL);
END
$$;

-- The cases a role has not run yet, in order.
CREATE FUNCTION crashwalk.pending(who name) RETURNS SETOF crashwalk.cases LANGUAGE sql STABLE AS $$
  SELECT c.* FROM crashwalk.cases c JOIN crashwalk.roles r ON r.role = who
   WHERE (c.kind <> 'trigger' OR r.triggers) AND (c.identity IS NULL OR r.identity) AND (NOT c.heavy OR r.heavy)
     AND NOT EXISTS (SELECT 1 FROM crashwalk.runs x WHERE x.role = who AND x.case_id = c.id)
   ORDER BY c.id
$$;

-- One case in the calling session: its statements in a subtransaction (an ERROR is an
-- answer, recorded with its SQLSTATE), then the result, in the case's own transaction. A
-- trigger case on a shape's table first makes the table if this session has not, and is
-- undone after (a sentinel error rolls the subtransaction back), so the next case finds the
-- table as it was: a CREATE TABLE per case would cost ten times as much.
CREATE FUNCTION crashwalk.run_case(case_id integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  c crashwalk.cases;
  state text := '00000';
  message text;
  started timestamptz := clock_timestamp();
BEGIN
  SELECT * INTO STRICT c FROM crashwalk.cases WHERE id = case_id;
  IF c.identity IS NOT NULL THEN
    BEGIN
      PERFORM synapse.set_current_user(c.identity);
    EXCEPTION WHEN OTHERS THEN
      NULL;  -- a role the identity API refuses runs the call without one
    END;
  END IF;
  IF c.shape IS NOT NULL AND to_regclass('pg_temp.cw_s' || c.shape) IS NULL THEN
    BEGIN
      EXECUTE (SELECT setup FROM crashwalk.shapes WHERE id = c.shape);
    EXCEPTION WHEN OTHERS THEN
      state := 'setup ' || SQLSTATE; message := SQLERRM;  -- a bug of this test: reported as a failure
    END;
  END IF;
  IF state = '00000' THEN
    BEGIN
      EXECUTE c.sql;
      IF c.shape IS NOT NULL THEN
        RAISE SQLSTATE 'CWRB0';
      END IF;
    EXCEPTION
      WHEN SQLSTATE 'CWRB0' THEN NULL;
      -- WHEN OTHERS does not catch a cancel (statement_timeout)
      WHEN query_canceled THEN state := SQLSTATE; message := SQLERRM;
      WHEN OTHERS THEN state := SQLSTATE; message := SQLERRM;
    END;
  END IF;
  INSERT INTO crashwalk.runs
  VALUES (session_user, case_id, state, left(message, 300), extract(epoch FROM clock_timestamp() - started) * 1000);
END
$$;

-- A case whose statement failed outside run_case (a procedure's CALL; an error at commit).
CREATE FUNCTION crashwalk.record(case_id integer, state text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO crashwalk.runs VALUES (session_user, case_id, state) ON CONFLICT DO NOTHING
$$;

-- A trigger case on a shape's table undoes itself and cannot fail at commit, and is cheap:
-- those run a hundred to a statement, each case still committed on its own (so after a crash
-- the first case without a result is the one that crashed). The statement's timeout cannot
-- be re-armed per case; the first case it stops ends the batch, and the rest run in the next
-- session.
CREATE PROCEDURE crashwalk.run_cases(ids integer[]) LANGUAGE plpgsql AS $$
DECLARE
  id integer;
BEGIN
  FOREACH id IN ARRAY ids LOOP
    PERFORM crashwalk.run_case(id);
    COMMIT;
    EXIT WHEN (SELECT state FROM crashwalk.runs WHERE role = session_user AND case_id = id) = '57014';
  END LOOP;
END
$$;

-- The psql script that runs a role's pending cases: a procedure's CALL as it is (it
-- commits), a call and a committed trigger case one top-level statement each (their own
-- transaction and statement_timeout), the other trigger cases in batches.
CREATE FUNCTION crashwalk.script(who name, only_case integer DEFAULT NULL) RETURNS text LANGUAGE sql STABLE AS $$
  WITH p AS (
    SELECT c.id, c.kind, c.sql, c.kind = 'trigger' AND c.shape IS NOT NULL AS batched,
           row_number() OVER (ORDER BY c.id)
           - row_number() OVER (PARTITION BY c.kind = 'trigger' AND c.shape IS NOT NULL ORDER BY c.id) AS island,
           row_number() OVER (PARTITION BY c.kind = 'trigger' AND c.shape IS NOT NULL ORDER BY c.id) AS n
      FROM crashwalk.pending(who) c WHERE only_case IS NULL OR c.id = only_case),
  steps AS (
    SELECT min(id) AS first,
           CASE WHEN NOT batched THEN
             CASE min(kind) WHEN 'procedure' THEN pg_catalog.format(E'%s;\nSELECT crashwalk.record(%s, :''SQLSTATE'');', min(sql), min(id))
             ELSE pg_catalog.format(E'SELECT crashwalk.run_case(%1$s);\n\\if :ERROR\nSELECT crashwalk.record(%1$s, :''SQLSTATE'');\n\\endif', min(id)) END
           ELSE pg_catalog.format(E'SET statement_timeout = ''60s'';\nCALL crashwalk.run_cases(''{%s}'');\nSET statement_timeout = ''2s'';',
                                  string_agg(id::text, ',' ORDER BY id)) END AS step
      FROM p
     GROUP BY batched, island, CASE WHEN batched THEN n / 100 ELSE id END)
  SELECT crashwalk.preamble() || E'\n' || coalesce(string_agg(step, E'\n' ORDER BY first), '') || E'\n' FROM steps
$$;
