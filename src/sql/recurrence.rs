//! The SQL face of the recurrence core: type conversion and error mapping only.

use super::materialize;
use super::pattern_arg::PatternArg;
use super::raise;
use crate::recurrence::query::{self, Moment};
use crate::recurrence::{rrule_text, RecurrenceError};
use chrono::{DateTime, Utc};
use pgrx::prelude::*;
use pgrx::JsonB;

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01).
const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;

/// A timestamptz as the core's moment. PostgreSQL's last years (past 262,143) lie beyond
/// chrono's range, and far past every occurrence: read as chrono's last instant.
pub(super) fn moment(ts: TimestampWithTimeZone) -> Moment {
    if ts.is_infinity() {
        return Moment::Infinity;
    }
    if ts.is_neg_infinity() {
        return Moment::NegInfinity;
    }
    let micros: i64 = ts.into_inner();
    let at = micros.checked_add(PG_EPOCH_OFFSET_MICROS).and_then(DateTime::from_timestamp_micros);
    Moment::At(at.unwrap_or(DateTime::<Utc>::MAX_UTC))
}

pub(super) fn to_timestamptz(at: DateTime<Utc>) -> TimestampWithTimeZone {
    let micros = at.timestamp_micros() - PG_EPOCH_OFFSET_MICROS;
    TimestampWithTimeZone::try_from(micros).expect("occurrences stay within PostgreSQL's range")
}

/// Every problem of a recurrence pattern, each naming its key as a JSON path; empty when
/// the pattern is valid.
#[pg_extern(immutable, strict, parallel_safe)]
fn recurrence_pattern_errors(pattern: PatternArg) -> Vec<String> {
    match &*pattern.0 {
        Ok(_) => Vec::new(),
        Err(RecurrenceError::InvalidPattern(problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(other) => vec![other.to_string()],
    }
}

/// True when the pattern is valid; immutable, so it can back a CHECK constraint.
#[pg_extern(immutable, strict, parallel_safe)]
fn is_valid_recurrence_pattern(pattern: PatternArg) -> bool {
    pattern.0.is_ok()
}

/// The normalised pattern (defaults filled in); a bad pattern raises 22023 with the first
/// problem as message and all of them in DETAIL.
#[pg_extern(immutable, strict, parallel_safe)]
fn validate_recurrence_pattern(pattern: PatternArg) -> JsonB {
    JsonB(raise(pattern.pattern()).to_json())
}

/// The first occurrence strictly after `after`, or NULL once the series has ended. The
/// series starts at `dtstart`, or at `after` when `dtstart` is NULL.
#[pg_extern(immutable, parallel_safe)]
fn calculate_next_occurrence(
    pattern: Option<PatternArg>,
    after: Option<TimestampWithTimeZone>,
    dtstart: default!(Option<TimestampWithTimeZone>, "NULL"),
) -> Option<TimestampWithTimeZone> {
    let (pattern, after) = (pattern?, after?);
    let result =
        pattern.pattern().and_then(|p| query::next_occurrence(p, moment(after), dtstart.map(moment)));
    raise(result).map(to_timestamptz)
}

/// The occurrences in [window_start, window_end], ascending, at most `max_count` of them;
/// a NULL bound is open. In a FROM clause the rows go to PostgreSQL as one tuplestore
/// ([`materialize`]).
#[pg_extern(immutable, parallel_safe)]
fn recurrence_occurrences(
    pattern: Option<PatternArg>,
    dtstart: Option<TimestampWithTimeZone>,
    window_start: default!(Option<TimestampWithTimeZone>, "NULL"),
    window_end: default!(Option<TimestampWithTimeZone>, "NULL"),
    max_count: default!(Option<i32>, 1000),
) -> materialize::SetOfIterator<'static, TimestampWithTimeZone> {
    let (Some(pattern), Some(dtstart), Some(max_count)) = (pattern, dtstart, max_count) else {
        return materialize::SetOfIterator::new(std::iter::empty());
    };
    let result = pattern.pattern().and_then(|p| {
        query::occurrences_in_window(
            p,
            moment(dtstart),
            window_start.map(moment),
            window_end.map(moment),
            max_count,
        )
    });
    materialize::SetOfIterator::new(raise(result).map(to_timestamptz))
}

/// The pattern as RFC 5545 text: DTSTART;TZID (when dtstart is given), RRULE and EXDATE
/// lines; `clamp` is written RSCALE=GREGORIAN;SKIP=BACKWARD (RFC 7529).
#[pg_extern(immutable, parallel_safe)]
fn recurrence_to_rrule(
    pattern: Option<PatternArg>,
    dtstart: default!(Option<TimestampWithTimeZone>, "NULL"),
) -> Option<String> {
    let result = pattern?.pattern().and_then(|p| query::to_rrule(&p, dtstart.map(moment)));
    Some(raise(result))
}

/// The pattern for an RFC 5545 RRULE (with optional DTSTART, EXDATE lines and RFC 7529
/// RSCALE=GREGORIAN / SKIP); 22023 naming the part this shape cannot express.
#[pg_extern(immutable, strict, parallel_safe)]
fn recurrence_from_rrule(rrule: &str) -> JsonB {
    JsonB(raise(rrule_text::from_rrule(rrule)).to_json())
}

/// The pattern in plain English ("Every weekday at 09:00 (Europe/Berlin)"); with
/// `dtstart`, the time of day and the days the series takes from its start too.
#[pg_extern(immutable, parallel_safe)]
fn recurrence_describe(
    pattern: Option<PatternArg>,
    dtstart: default!(Option<TimestampWithTimeZone>, "NULL"),
) -> Option<String> {
    let result = pattern?.pattern().and_then(|p| query::describe(p, dtstart.map(moment)));
    Some(raise(result))
}

/// The pattern an English text says ("every last Friday at 5pm"); `timezone` is its zone
/// unless the text names one. 22023 quoting the word it could not read.
#[pg_extern(immutable, strict, parallel_safe)]
fn recurrence_from_text(text: &str, timezone: default!(&str, "'UTC'")) -> JsonB {
    JsonB(raise(query::from_text(text, timezone)).to_json())
}

/// The series start an English text asks for ("… at 9am starting 1 March 2026"), as seen
/// at `after` (usually now()); NULL when the series has no occurrence from there.
#[pg_extern(immutable, strict, parallel_safe)]
fn recurrence_start_from_text(
    text: &str,
    after: TimestampWithTimeZone,
    timezone: default!(&str, "'UTC'"),
) -> Option<TimestampWithTimeZone> {
    raise(query::start_from_text(text, moment(after), timezone)).map(to_timestamptz)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::sql::test_support::{create_sqlstate_of, sqlstate_of, text};
    use pgrx::prelude::*;

    #[pg_test]
    fn next_occurrence_is_strictly_after() {
        let next = text(
            "SELECT synapse.calculate_next_occurrence('{\"frequency\":\"weekly\",\"daysOfWeek\":[1,3,5]}',
                    '2026-11-25 09:00+00', '2026-11-02 09:00+00')::text",
        );
        assert_eq!(next.as_deref(), Some("2026-11-27 09:00:00+00"));
    }

    #[pg_test]
    fn next_occurrence_without_dtstart_starts_at_after() {
        Spi::run("SET LOCAL TimeZone = 'UTC'").unwrap();
        let next = text(
            "SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\"}', '2026-11-25 09:00+00')::text",
        );
        assert_eq!(next.as_deref(), Some("2026-11-26 09:00:00+00"));
    }

    #[pg_test]
    fn next_occurrence_after_minus_infinity_is_the_first() {
        let first = text(
            "SELECT (synapse.calculate_next_occurrence('{\"frequency\":\"daily\"}', '-infinity',
                     '2026-11-25 09:00+00') = '2026-11-25 09:00+00')::text",
        );
        assert_eq!(first.as_deref(), Some("true"));
    }

    #[pg_test]
    fn next_occurrence_is_null_after_the_series_ends() {
        let next = text(
            "SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\",\"count\":3}',
                    '2026-11-27 09:00+00', '2026-11-25 09:00+00')::text",
        );
        assert_eq!(next, None);
        let ended =
            text("SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\"}', 'infinity')::text");
        assert_eq!(ended, None);
    }

    #[pg_test]
    fn null_in_gives_null_out() {
        assert_eq!(text("SELECT synapse.calculate_next_occurrence(NULL, now())::text"), None);
        assert_eq!(
            text("SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\"}', NULL)::text"),
            None
        );
        assert_eq!(text("SELECT synapse.validate_recurrence_pattern(NULL)::text"), None);
        assert_eq!(text("SELECT synapse.recurrence_to_rrule(NULL)"), None);
        assert_eq!(text("SELECT synapse.recurrence_from_rrule(NULL)::text"), None);
        let rows = Spi::get_one::<i64>("SELECT count(*) FROM synapse.recurrence_occurrences(NULL, now())");
        assert_eq!(rows, Ok(Some(0)));
    }

    #[pg_test]
    fn dst_keeps_the_local_time_of_day() {
        let rows = text(
            "SELECT string_agg(to_char(o AT TIME ZONE 'Europe/Berlin', 'MM-DD HH24:MI'), ' ')
               FROM synapse.recurrence_occurrences(
                      '{\"frequency\":\"daily\",\"timezone\":\"Europe/Berlin\"}',
                      '2026-03-28 08:00+00', NULL, NULL, 3) AS o",
        );
        assert_eq!(rows.as_deref(), Some("03-28 09:00 03-29 09:00 03-30 09:00"));
    }

    #[pg_test]
    fn occurrences_are_whole_seconds() {
        let rows = text(
            "SELECT string_agg(to_char(o AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), ' ')
               FROM synapse.recurrence_occurrences('{\"frequency\":\"daily\"}',
                      '2026-01-01 09:00:00.75+00', NULL, NULL, 2) AS o",
        );
        assert_eq!(rows.as_deref(), Some("2026-01-01 09:00:00.000000 2026-01-02 09:00:00.000000"));
        // The start's own occurrence is its whole second, so it is not after 09:00:00.25.
        let next = text(
            "SELECT to_char(synapse.calculate_next_occurrence('{\"frequency\":\"daily\"}',
                    '2026-01-01 09:00:00.25+00', '2026-01-01 09:00:00.75+00') AT TIME ZONE 'UTC',
                    'YYYY-MM-DD HH24:MI:SS.US')",
        );
        assert_eq!(next.as_deref(), Some("2026-01-02 09:00:00.000000"));
    }

    #[pg_test]
    fn occurrences_respect_window_and_max_count() {
        let rows = text(
            "SELECT string_agg(to_char(o AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ' ')
               FROM synapse.recurrence_occurrences(
                      '{\"frequency\":\"monthly\",\"dayOfMonth\":31,\"monthDayOverflow\":\"clamp\"}',
                      '2026-01-31 12:00+00', '2026-02-01', '2026-12-31', 3) AS o",
        );
        assert_eq!(rows.as_deref(), Some("2026-02-28 2026-03-31 2026-04-30"));
    }

    /// In a FROM clause the rows go to PostgreSQL as one tuplestore, in a select list one per
    /// call: the same rows either way, across DST changes, a window and more rows than the
    /// tuplestore path takes between checks for a cancel.
    #[pg_test]
    fn from_clause_and_select_list_give_the_same_rows() {
        let same = text(
            "WITH p(pattern, dtstart) AS (VALUES
                 ('{\"frequency\":\"daily\",\"timezone\":\"Europe/Berlin\"}'::jsonb, timestamptz '2026-03-28 02:30 Europe/Berlin'),
                 ('{\"frequency\":\"weekly\",\"daysOfWeek\":[1,3,5],\"timezone\":\"America/New_York\"}', '2025-11-02 01:30 America/New_York'))
             SELECT string_agg(((SELECT array_agg(o) FROM synapse.recurrence_occurrences(pattern, dtstart, '2026-01-01', NULL, 3000) AS o)
                                = (SELECT array_agg(o) FROM (SELECT synapse.recurrence_occurrences(pattern, dtstart, '2026-01-01', NULL, 3000) AS o) s))::text
                               || ' ' || (SELECT count(*) FROM synapse.recurrence_occurrences(pattern, dtstart, '2026-01-01', NULL, 3000)), ', ')
               FROM p",
        );
        assert_eq!(same.as_deref(), Some("true 3000, true 3000"));
        let empty = text(
            "SELECT count(*)::text FROM synapse.recurrence_occurrences('{\"frequency\":\"daily\",\"count\":2}', '2026-01-01', '2027-01-01')",
        );
        assert_eq!(empty.as_deref(), Some("0"));
    }

    /// A scrollable cursor reads the function's tuplestore backwards too.
    #[pg_test]
    fn a_scroll_cursor_reads_the_rows_backwards() {
        Spi::run(
            "DECLARE occurrences SCROLL CURSOR FOR
               SELECT to_char(o AT TIME ZONE 'UTC', 'MM-DD') AS day
                 FROM synapse.recurrence_occurrences('{\"frequency\":\"daily\"}', '2026-01-01 09:00+00', NULL, NULL, 5) AS o",
        )
        .unwrap();
        assert_eq!(text("FETCH LAST FROM occurrences").as_deref(), Some("01-05"));
        assert_eq!(text("FETCH PRIOR FROM occurrences").as_deref(), Some("01-04"));
        assert_eq!(text("FETCH FIRST FROM occurrences").as_deref(), Some("01-01"));
    }

    /// An ERROR raised while the rows go into the tuplestore (here: the temporary file it
    /// spills to outgrows temp_file_limit) ends the statement as any ERROR does, with its
    /// own SQLSTATE, and the session goes on.
    #[pg_test]
    fn an_error_while_storing_the_rows_is_an_ordinary_error() {
        Spi::run("SET LOCAL work_mem = '64kB'; SET LOCAL temp_file_limit = '1kB'").unwrap();
        let too_big = "SELECT count(*) FROM synapse.recurrence_occurrences('{\"frequency\":\"daily\"}', '2026-01-01', NULL, NULL, 100000)";
        assert_eq!(sqlstate_of(too_big).as_deref(), Some("53400"));
        Spi::run("RESET temp_file_limit").unwrap();
        let rows = text(&too_big.replacen("count(*)", "count(*)::text", 1));
        assert_eq!(rows.as_deref(), Some("100000"));
    }

    #[pg_test]
    fn errors_list_every_problem_with_its_path() {
        let errors = text(
            "SELECT array_to_string(synapse.recurrence_pattern_errors(
                      '{\"frequency\":\"weekly\",\"daysOfWeek\":[1,3,8],\"interval\":0}'), ' | ')",
        );
        assert_eq!(
            errors.as_deref(),
            Some("interval: 0 is not an integer in 1..999 | daysOfWeek[2]: 8 is not an ISO weekday (1..7)")
        );
        assert_eq!(
            Spi::get_one::<bool>("SELECT synapse.is_valid_recurrence_pattern('{\"frequency\":\"daily\"}')"),
            Ok(Some(true))
        );
        assert_eq!(Spi::get_one::<bool>("SELECT synapse.is_valid_recurrence_pattern('[]')"), Ok(Some(false)));
    }

    #[pg_test]
    fn validate_fills_in_defaults() {
        let normalised = text("SELECT synapse.validate_recurrence_pattern('{\"frequency\":\"monthly\",\"dayOfMonth\":-1}')::text");
        assert_eq!(
            normalised.as_deref(),
            Some(
                "{\"anchor\": \"schedule\", \"catchUp\": \"all\", \"exdates\": [], \"interval\": 1, \
                 \"timezone\": \"UTC\", \"frequency\": \"monthly\", \"weekStart\": 1, \"dayOfMonth\": [-1], \
                 \"monthDayOverflow\": \"skip\"}"
            )
        );
    }

    #[pg_test(error = "daysOfWeek[0]: 8 is not an ISO weekday (1..7)")]
    fn validate_raises_the_first_problem() {
        Spi::run(
            "SELECT synapse.validate_recurrence_pattern('{\"frequency\":\"weekly\",\"daysOfWeek\":[8]}')",
        )
        .unwrap();
    }

    #[pg_test(error = "dtstart: must be a finite timestamp")]
    fn infinite_dtstart_is_rejected() {
        Spi::run("SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\"}', now(), '-infinity')")
            .unwrap();
    }

    #[pg_test]
    fn bad_input_raises_22023_never_an_internal_error() {
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let cases = [
            "SELECT synapse.validate_recurrence_pattern('{\"frequency\":\"hourly\"}')".to_string(),
            "SELECT synapse.validate_recurrence_pattern('{\"frequency\":\"yearly\",\"monthOfYear\":2,\"dayOfMonth\":30}')".to_string(),
            "SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\",\"timezone\":\"Mars/Base\"}', now())".to_string(),
            "SELECT synapse.calculate_next_occurrence('{\"frequency\":\"daily\",\"count\":1e400}', now())".to_string(),
            format!("SELECT synapse.validate_recurrence_pattern('{{\"frequency\":\"daily\",\"x\":{deep}}}')"),
            "SELECT synapse.validate_recurrence_pattern(to_jsonb(array_fill(8, ARRAY[100000])))".to_string(),
            "SELECT * FROM synapse.recurrence_occurrences('{\"frequency\":\"daily\"}', now(), NULL, NULL, -1)".to_string(),
            "SELECT synapse.recurrence_from_rrule('FREQ=HOURLY')".to_string(),
            "SELECT synapse.recurrence_from_rrule('RRULE:RSCALE=HEBREW;FREQ=YEARLY')".to_string(),
        ];
        for case in cases {
            assert_eq!(sqlstate_of(&case).as_deref(), Some("22023"), "{case}");
        }
    }

    /// Random jsonb documents (random shapes over the real keys and odd values) through
    /// every function: each call succeeds or raises 22023, never anything else.
    #[pg_test]
    fn random_jsonb_gives_a_result_or_22023() {
        create_sqlstate_of();
        Spi::run(
            r#"CREATE FUNCTION pg_temp.random_json(depth int) RETURNS jsonb LANGUAGE plpgsql AS $$
               DECLARE
                 r float := random();
                 keys text[] := ARRAY['frequency','interval','daysOfWeek','nthWeekdays','dayOfMonth',
                   'monthOfYear','setPos','weekStart','monthDayOverflow','count','until','timezone',
                   'exdates','anchor','catchUp','day','nth','bogus'];
                 leaves text[] := ARRAY['null','true','1','-1','5','7','31','-31','0','400','3.0','3.5',
                   '1e300','-1e400','"daily"','"weekly"','"monthly"','"yearly"','"clamp"','"skip"',
                   '"2026-02-30"','"2026-03-29"','"2026-12-31T23:59:59+01:00"','"Europe/Berlin"',
                   '"Mars/Base"','[]','{}','[1,3,5]','{"day":5,"nth":-1}'];
               BEGIN
                 IF depth <= 0 OR r < 0.35 THEN
                   RETURN leaves[1 + floor(random() * array_length(leaves, 1))::int]::jsonb;
                 ELSIF r < 0.55 THEN
                   RETURN jsonb_build_array(pg_temp.random_json(depth - 1), pg_temp.random_json(depth - 1));
                 END IF;
                 RETURN jsonb_build_object(
                   keys[1 + floor(random() * array_length(keys, 1))::int], pg_temp.random_json(depth - 1),
                   keys[1 + floor(random() * array_length(keys, 1))::int], pg_temp.random_json(depth - 1),
                   'frequency', (ARRAY['daily','weekly','monthly','yearly'])[1 + floor(random() * 4)::int]);
               END $$"#,
        )
        .unwrap();
        let unexpected = text(
            r#"WITH docs AS (SELECT pg_temp.random_json(4) AS doc FROM generate_series(1, 3000)),
                    calls AS (
                      SELECT doc, pg_temp.sqlstate_of(format(q, doc::text)) AS state
                        FROM docs, unnest(ARRAY[
                          'SELECT synapse.validate_recurrence_pattern(%L)',
                          'SELECT synapse.recurrence_pattern_errors(%L)',
                          'SELECT synapse.calculate_next_occurrence(%L, ''2026-11-25 12:00+00'', ''2001-01-01'')',
                          'SELECT count(*) FROM synapse.recurrence_occurrences(%L, ''2026-01-01'', NULL, NULL, 50)',
                          'SELECT synapse.recurrence_from_rrule(synapse.recurrence_to_rrule(%L, ''2026-01-01''))'
                        ]) AS q)
               SELECT string_agg(DISTINCT state || ' ' || doc::text, E'
') FROM calls
                WHERE state IS DISTINCT FROM '22023' AND state IS NOT NULL"#,
        );
        assert_eq!(unexpected, None);
    }

    #[pg_test]
    fn rrule_text_round_trips() {
        let back = text(
            "SELECT (synapse.recurrence_from_rrule(synapse.recurrence_to_rrule(
                      '{\"frequency\":\"monthly\",\"dayOfMonth\":31,\"monthDayOverflow\":\"clamp\",\"timezone\":\"Europe/Berlin\"}',
                      '2026-01-31 09:00+01')) = synapse.validate_recurrence_pattern(
                      '{\"frequency\":\"monthly\",\"dayOfMonth\":31,\"monthDayOverflow\":\"clamp\",\"timezone\":\"Europe/Berlin\"}'))::text",
        );
        assert_eq!(back.as_deref(), Some("true"));
    }

    #[pg_test]
    fn describe_and_read_back() {
        let described = text(
            "SELECT synapse.recurrence_describe('{\"frequency\":\"weekly\",\"daysOfWeek\":[1,2,3,4,5],\"timezone\":\"Europe/Berlin\"}',
                    '2026-01-05 09:00 Europe/Berlin')",
        );
        assert_eq!(described.as_deref(), Some("Every weekday at 09:00 (Europe/Berlin)"));
        let same = text(
            "SELECT (synapse.recurrence_from_text(synapse.recurrence_describe(p)) = synapse.validate_recurrence_pattern(p))::text
               FROM (VALUES ('{\"frequency\":\"monthly\",\"dayOfMonth\":31,\"monthDayOverflow\":\"clamp\",\"count\":10,\"exdates\":[\"2026-03-31\"]}'::jsonb)) AS v(p)",
        );
        assert_eq!(same.as_deref(), Some("true"));
        let pattern =
            text("SELECT synapse.recurrence_from_text('Every last Friday at 5pm', 'europe/berlin')::text");
        assert_eq!(
            pattern.as_deref(),
            Some(
                "{\"anchor\": \"schedule\", \"catchUp\": \"all\", \"exdates\": [], \"interval\": 1, \"timezone\": \"Europe/Berlin\", \
                 \"frequency\": \"monthly\", \"weekStart\": 1, \"nthWeekdays\": [{\"day\": 5, \"nth\": -1}], \"monthDayOverflow\": \"skip\"}"
            )
        );
        let start = text(
            "SELECT to_char(synapse.recurrence_start_from_text('every last friday at 5pm', '2026-01-07 12:00+00', 'Europe/Berlin')
                    AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD HH24:MI')",
        );
        assert_eq!(start.as_deref(), Some("2026-01-30 17:00"));
        assert_eq!(text("SELECT synapse.recurrence_describe(NULL)"), None);
        assert_eq!(text("SELECT synapse.recurrence_from_text(NULL)::text"), None);
        assert_eq!(
            text("SELECT (synapse.recurrence_start_from_text('every day', '2026-01-01 10:00+00', 'UTC') AT TIME ZONE 'UTC')::text")
                .as_deref(),
            Some("2026-01-01 00:00:00"),
            "without a time: the day's start"
        );
        assert_eq!(text("SELECT synapse.recurrence_start_from_text('every day until 1 January 2020', '2026-01-01')::text"), None);
    }

    #[pg_test(
        error = "cannot read \"blursday\" after \"every\": expected day, week, month, year, \"other\", a number, a weekday (Monday), a position (last Friday, 15th) or a month"
    )]
    fn from_text_quotes_the_word_it_stopped_at() {
        Spi::run("SELECT synapse.recurrence_from_text('every blursday')").unwrap();
    }

    #[pg_test]
    fn words_raise_22023_for_every_bad_argument() {
        for case in [
            "SELECT synapse.recurrence_from_text('every blursday')",
            "SELECT synapse.recurrence_from_text('every day', 'Mars/Base')",
            "SELECT synapse.recurrence_from_text('every year on 30 February')",
            "SELECT synapse.recurrence_from_text(repeat('every day ', 1000))",
            "SELECT synapse.recurrence_start_from_text('every day', 'infinity')",
            "SELECT synapse.recurrence_start_from_text('every day', now(), '')",
            "SELECT synapse.recurrence_describe('{\"frequency\":\"daily\"}', '-infinity')",
            "SELECT synapse.recurrence_describe('{\"frequency\":\"hourly\"}')",
        ] {
            assert_eq!(sqlstate_of(case).as_deref(), Some("22023"), "{case}");
        }
    }

    #[pg_test]
    fn search_vector_weighs_title_above_description() {
        let vector = text("SELECT synapse.task_search_vector('Quarterly report', NULL)::text");
        assert_eq!(vector.as_deref(), Some("'quarter':1A 'report':2A"));
    }

    /// Every function in schema synapse, with the volatility and parallel safety it must
    /// declare: immutable for pure answers, stable for what reads settings, volatile for what
    /// writes or reads the clock.
    const DECLARED: &[(&str, &str, &str)] = &[
        ("recurrence_pattern_errors", "i", "s"),
        ("is_valid_recurrence_pattern", "i", "s"),
        ("validate_recurrence_pattern", "i", "s"),
        ("calculate_next_occurrence", "i", "s"),
        ("recurrence_occurrences", "i", "s"),
        ("recurrence_to_rrule", "i", "s"),
        ("recurrence_from_rrule", "i", "s"),
        ("recurrence_describe", "i", "s"),
        ("recurrence_from_text", "i", "s"),
        ("recurrence_start_from_text", "i", "s"),
        // iCalendar: import is pure, the calendar reads the tables as its caller.
        ("ical_import", "i", "s"),
        ("ical_calendar", "s", "u"),
        ("task_search_vector", "i", "s"),
        // Search index keys (migration 10): pure functions of their arguments.
        ("_search_key_array", "i", "s"),
        ("_search_keys", "i", "s"),
        ("_search_keys_query", "i", "s"),
        ("_template_occurrence_from", "i", "s"),
        ("_template_next_after_completion", "i", "s"),
        ("generate_recurring_tasks", "v", "u"),
        ("_generation_run_begin", "v", "u"),
        ("_generate_recurring_batch", "v", "u"),
        ("_generation_run_end", "v", "u"),
        // Backend state that changes within a statement; no worker sees it.
        ("_generator_copies_search_vector", "v", "r"),
        ("run_recurring_generation", "v", "u"),
        ("schedule_recurring_generation", "v", "u"),
        ("unschedule_recurring_generation", "v", "u"),
        ("_require_pg_cron", "s", "u"),
        // The project counter triggers (migration 8): they write the counters.
        ("_tasks_count_in_projects", "v", "u"),
        ("_tasks_apply_project_counts", "v", "u"),
        // Row-level security: they read the transaction's identity settings.
        ("_rls_departments_from", "s", "s"),
        ("_rls_departments_to", "s", "s"),
        ("_rls_can_read", "s", "s"),
        ("_rls_can_write", "s", "s"),
        ("_rls_current_user", "s", "s"),
        ("_rls_is_admin", "s", "s"),
        ("_set_current_user", "v", "u"),
        ("set_current_user_token", "v", "u"),
    ];

    #[pg_test]
    fn volatility_is_declared_honestly() {
        let expected: Vec<String> = DECLARED
            .iter()
            .map(|(name, volatility, parallel)| format!("{name} {volatility} {parallel}"))
            .collect();
        let declared = text(
            "SELECT string_agg(p.proname || ' ' || p.provolatile::text || ' ' || p.proparallel::text, ',' ORDER BY p.proname)
               FROM pg_proc p WHERE p.pronamespace = 'synapse'::regnamespace",
        )
        .unwrap_or_default();
        let mut expected_sorted = expected;
        expected_sorted.sort();
        let mut declared_sorted: Vec<String> = declared.split(',').map(str::to_string).collect();
        declared_sorted.sort();
        assert_eq!(declared_sorted, expected_sorted);
        let undocumented = text(
            "SELECT string_agg(p.proname, ', ') FROM pg_proc p
              WHERE p.pronamespace = 'synapse'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL",
        );
        assert_eq!(undocumented, None, "every function has a COMMENT");
    }
}
