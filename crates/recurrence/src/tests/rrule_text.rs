//! RFC 5545 text both ways: writing, reading, errors, semantics, round trips, and random
//! texts that must always be answered.

use super::signed;
use crate::calendar::{end_of_local_day, weekday_from_iso};
use crate::error::RecurrenceError;
use crate::pattern::{Frequency, MonthDayOverflow, Until};
use crate::rrule_text::*;
use crate::rrule_text::{parse_weekday, weekday_code};
use crate::Pattern;
use chrono::Duration;
use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

/// Writing never fails for the years these tests use.
fn to_text(p: &Pattern, dtstart: Option<DateTime<Utc>>) -> String {
    to_rrule(p, dtstart).expect("dtstart within 0000..9999")
}

#[test]
fn dtstart_beyond_four_digit_years_is_an_argument_error() {
    let p = Pattern::new(Frequency::Daily);
    let far = chrono::NaiveDate::from_ymd_opt(10_000, 1, 1).expect("within chrono's range");
    let far = far.and_hms_opt(0, 0, 0).expect("valid time").and_utc();
    assert!(matches!(to_rrule(&p, Some(far)), Err(RecurrenceError::InvalidArgument { name: "dtstart", .. })));
}
use crate::engine::Schedule;
use chrono::TimeZone;
use proptest::prelude::*;
use std::sync::Arc;

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, s).single().expect("valid test instant")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn pattern(json: Value) -> Pattern {
    Pattern::from_json(&json).expect("valid test pattern")
}

fn parse(text: &str) -> Pattern {
    from_rrule(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn rrule_error(text: &str) -> String {
    match from_rrule(text) {
        Err(RecurrenceError::InvalidRrule(message)) => message,
        other => panic!("{text:?} should be an InvalidRrule error, got {other:?}"),
    }
}

fn pattern_error(text: &str) -> String {
    match from_rrule(text) {
        Err(e @ RecurrenceError::InvalidPattern(_)) => e.to_string(),
        other => panic!("{text:?} should be an InvalidPattern error, got {other:?}"),
    }
}

// --- writing ---------------------------------------------------------------------

#[test]
fn writes_minimal_rule() {
    let p = pattern(json!({"frequency": "daily"}));
    assert_eq!(to_text(&p, None), "RRULE:FREQ=DAILY");
}

#[test]
fn writes_every_part_in_fixed_order() {
    let p = pattern(json!({
        "frequency": "monthly", "interval": 2, "weekStart": 7,
        "daysOfWeek": [3, 1], "nthWeekdays": [{"day": 5, "nth": -1}, {"day": 1, "nth": 2}],
        "dayOfMonth": [15, -1], "monthOfYear": [6, 1], "setPos": [-1, 1], "count": 10,
        "monthDayOverflow": "clamp", "exdates": ["2026-11-27", "2026-11-20"],
        "anchor": "completion", "catchUp": "latest",
    }));
    assert_eq!(
        to_text(&p, Some(utc(2026, 1, 5, 9, 0, 0))),
        "DTSTART:20260105T090000Z\n\
         RRULE:RSCALE=GREGORIAN;FREQ=MONTHLY;INTERVAL=2;WKST=SU;BYDAY=MO,WE,2MO,-1FR;\
         BYMONTHDAY=-1,15;BYMONTH=1,6;BYSETPOS=-1,1;COUNT=10;SKIP=BACKWARD\n\
         EXDATE;VALUE=DATE:20261120,20261127\n\
         X-SYNAPSE-ANCHOR:completion\n\
         X-SYNAPSE-CATCHUP:latest"
    );
}

#[test]
fn writes_dtstart_as_local_wall_time_without_fraction() {
    let p = pattern(json!({"frequency": "weekly", "timezone": "Europe/Berlin"}));
    let start = utc(2026, 7, 6, 7, 0, 0) + Duration::milliseconds(750);
    assert_eq!(to_text(&p, Some(start)), "DTSTART;TZID=Europe/Berlin:20260706T090000\nRRULE:FREQ=WEEKLY");
    let p = pattern(json!({"frequency": "weekly"}));
    assert_eq!(to_text(&p, Some(start)), "DTSTART:20260706T070000Z\nRRULE:FREQ=WEEKLY");
}

#[test]
fn writes_timezone_line_only_without_dtstart() {
    let p = pattern(json!({"frequency": "daily", "timezone": "Europe/Berlin"}));
    assert_eq!(to_text(&p, None), "RRULE:FREQ=DAILY\nX-SYNAPSE-TIMEZONE:Europe/Berlin");
    assert!(!to_text(&p, Some(utc(2026, 1, 1, 0, 0, 0))).contains("X-SYNAPSE-TIMEZONE"));
}

#[test]
fn writes_until() {
    let p = pattern(json!({"frequency": "daily", "until": "2026-12-31"}));
    assert_eq!(to_text(&p, None), "RRULE:FREQ=DAILY;UNTIL=20261231T235959Z");
    // Berlin is UTC+1 in winter, UTC+2 in summer.
    let p = pattern(json!({"frequency": "daily", "until": "2026-12-31", "timezone": "Europe/Berlin"}));
    assert!(to_text(&p, None).starts_with("RRULE:FREQ=DAILY;UNTIL=20261231T225959Z\n"));
    let p = pattern(json!({"frequency": "daily", "until": "2026-07-01", "timezone": "Europe/Berlin"}));
    assert!(to_text(&p, None).starts_with("RRULE:FREQ=DAILY;UNTIL=20260701T215959Z\n"));
    let p = pattern(json!({"frequency": "daily", "until": "2026-07-01T08:30:15.9+02:00"}));
    assert_eq!(to_text(&p, None), "RRULE:FREQ=DAILY;UNTIL=20260701T063015Z");
}

#[test]
fn writes_until_beyond_four_digit_years() {
    // 9999-12-31 ends in year 10000 UTC in New York: written as the date instead.
    let p = pattern(json!({"frequency": "daily", "until": "9999-12-31", "timezone": "America/New_York"}));
    assert!(to_text(&p, None).starts_with("RRULE:FREQ=DAILY;UNTIL=99991231\n"));
    assert_eq!(parse(&to_text(&p, None)), p);
    let mut p = Pattern::new(Frequency::Daily);
    p.until = Some(Until::Instant(utc(10_500, 1, 1, 0, 0, 0)));
    assert_eq!(to_text(&p, None), "RRULE:FREQ=DAILY;UNTIL=99991231T235959Z");
}

// --- reading ---------------------------------------------------------------------

#[test]
fn reads_frequencies_and_defaults() {
    for (text, freq) in [
        ("DAILY", Frequency::Daily),
        ("WEEKLY", Frequency::Weekly),
        ("MONTHLY", Frequency::Monthly),
        ("yearly", Frequency::Yearly),
    ] {
        assert_eq!(parse(&format!("RRULE:FREQ={text}")), Pattern::new(freq));
    }
}

#[test]
fn reads_every_rule_part() {
    let p = parse(
        "RRULE:RSCALE=GREGORIAN;FREQ=MONTHLY;INTERVAL=2;WKST=SU;BYDAY=MO,WE,+2MO,-1FR;\
         BYMONTHDAY=15,-1;BYMONTH=6,1;BYSETPOS=1,-1;COUNT=10;SKIP=BACKWARD",
    );
    let expected = pattern(json!({
        "frequency": "monthly", "interval": 2, "weekStart": 7,
        "daysOfWeek": [1, 3], "nthWeekdays": [{"day": 1, "nth": 2}, {"day": 5, "nth": -1}],
        "dayOfMonth": [-1, 15], "monthOfYear": [1, 6], "setPos": [-1, 1], "count": 10,
        "monthDayOverflow": "clamp",
    }));
    assert_eq!(p, expected);
}

#[test]
fn reads_case_insensitively_with_folding_crlf_and_blank_lines() {
    let text = "\r\n  dtstart;tzid=Europe/Berlin:20260105t090000\r\n\r\nrrule:freq=weekly;by\r\n day=mo,\r\n\tfr;wkst=su\r\n";
    let p = parse(text);
    let expected = pattern(
        json!({"frequency": "weekly", "daysOfWeek": [1, 5], "weekStart": 7, "timezone": "Europe/Berlin"}),
    );
    assert_eq!(p, expected);
}

#[test]
fn reads_bare_rule_and_tolerates_empty_parts() {
    assert_eq!(parse("FREQ=DAILY;COUNT=3;"), pattern(json!({"frequency": "daily", "count": 3})));
    assert_eq!(parse("freq=daily;;interval=2"), pattern(json!({"frequency": "daily", "interval": 2})));
}

#[test]
fn reads_rscale_with_omit_or_alone_as_skip() {
    let skip = pattern(json!({"frequency": "monthly", "dayOfMonth": 31}));
    assert_eq!(parse("RRULE:RSCALE=gregorian;FREQ=MONTHLY;BYMONTHDAY=31;SKIP=omit"), skip);
    assert_eq!(parse("RRULE:RSCALE=GREGORIAN;FREQ=MONTHLY;BYMONTHDAY=31"), skip);
}

#[test]
fn reads_dtstart_forms() {
    let (p, start) = from_rrule_with_start("DTSTART;TZID=America/New_York:20260310T093000\nRRULE:FREQ=DAILY")
        .expect("parses");
    assert_eq!(p.timezone, chrono_tz::America::New_York);
    assert_eq!(start, Some(utc(2026, 3, 10, 13, 30, 0)));
    let (p, start) = from_rrule_with_start("DTSTART:20260310T093000Z\nRRULE:FREQ=DAILY").expect("parses");
    assert_eq!((p.timezone, start), (Tz::UTC, Some(utc(2026, 3, 10, 9, 30, 0))));
    // Floating: UTC, or the zone of X-SYNAPSE-TIMEZONE.
    let (p, start) = from_rrule_with_start("DTSTART:20260310T093000\nRRULE:FREQ=DAILY").expect("parses");
    assert_eq!((p.timezone, start), (Tz::UTC, Some(utc(2026, 3, 10, 9, 30, 0))));
    let (p, start) =
        from_rrule_with_start("DTSTART:20260310T093000\nRRULE:FREQ=DAILY\nX-SYNAPSE-TIMEZONE:Europe/Berlin")
            .expect("parses");
    assert_eq!((p.timezone, start), (chrono_tz::Europe::Berlin, Some(utc(2026, 3, 10, 8, 30, 0))));
    let (_, start) = from_rrule_with_start("DTSTART;VALUE=DATE:20260310\nRRULE:FREQ=DAILY").expect("parses");
    assert_eq!(start, Some(utc(2026, 3, 10, 0, 0, 0)));
    let (_, start) = from_rrule_with_start(
        "DTSTART;TZID=\"Europe/Berlin\";VALUE=DATE-TIME:20260310T093000\nRRULE:FREQ=DAILY",
    )
    .expect("parses");
    assert_eq!(start, Some(utc(2026, 3, 10, 8, 30, 0)));
    let (_, start) = from_rrule_with_start("RRULE:FREQ=DAILY").expect("parses");
    assert_eq!(start, None);
}

#[test]
fn reads_until_forms() {
    let until = |text: &str| parse(text).until;
    assert_eq!(until("RRULE:FREQ=DAILY;UNTIL=20261231"), Some(Until::Date(date(2026, 12, 31))));
    assert_eq!(
        until("RRULE:FREQ=DAILY;UNTIL=20261231T120000Z"),
        Some(Until::Instant(utc(2026, 12, 31, 12, 0, 0)))
    );
    // Local: in DTSTART's zone, else UTC.
    assert_eq!(
        until("DTSTART;TZID=Europe/Berlin:20260105T090000\nRRULE:FREQ=DAILY;UNTIL=20261231T120000"),
        Some(Until::Instant(utc(2026, 12, 31, 11, 0, 0)))
    );
    assert_eq!(
        until("RRULE:FREQ=DAILY;UNTIL=20261231T120000"),
        Some(Until::Instant(utc(2026, 12, 31, 12, 0, 0)))
    );
    // The last second of a local day reads as that date, in any of its spellings.
    assert_eq!(until("RRULE:FREQ=DAILY;UNTIL=20261231T235959Z"), Some(Until::Date(date(2026, 12, 31))));
    for text in [
        "DTSTART;TZID=Europe/Berlin:20260105T090000\nRRULE:FREQ=DAILY;UNTIL=20261231T225959Z",
        "DTSTART;TZID=Europe/Berlin:20260105T090000\nRRULE:FREQ=DAILY;UNTIL=20261231T235959",
    ] {
        assert_eq!(until(text), Some(Until::Date(date(2026, 12, 31))));
    }
}

#[test]
fn reads_exdate_forms() {
    let text = "DTSTART;TZID=Europe/Berlin:20261106T090000\n\
                RRULE:FREQ=WEEKLY\n\
                EXDATE;VALUE=DATE:20261120,20261127\n\
                EXDATE:20261204T080000Z\n\
                exdate;tzid=America/New_York:20261210T200000\n\
                EXDATE:20261218T090000";
    // 2026-12-10 20:00 New York is 2026-12-11 02:00 in Berlin.
    let expected =
        [date(2026, 11, 20), date(2026, 11, 27), date(2026, 12, 4), date(2026, 12, 11), date(2026, 12, 18)];
    assert_eq!(parse(text).exdates, expected);
}

#[test]
fn reads_synapse_lines() {
    let p = parse(
        "RRULE:FREQ=DAILY\nX-SYNAPSE-ANCHOR:Completion\nX-SYNAPSE-CATCHUP:latest\nX-SYNAPSE-TIMEZONE:Asia/Tokyo",
    );
    assert_eq!(
        p,
        pattern(
            json!({"frequency": "daily", "anchor": "completion", "catchUp": "latest", "timezone": "Asia/Tokyo"})
        )
    );
    // Consistent with DTSTART's zone is fine.
    let p = parse("DTSTART;TZID=Asia/Tokyo:20260101T090000\nRRULE:FREQ=DAILY\nX-SYNAPSE-TIMEZONE:Asia/Tokyo");
    assert_eq!(p.timezone, chrono_tz::Asia::Tokyo);
}

// --- errors ----------------------------------------------------------------------

#[test]
fn reports_unsupported_parts() {
    let cases = [
        ("RRULE:RSCALE=HEBREW;FREQ=YEARLY", "RSCALE=HEBREW is not supported (only GREGORIAN)"),
        ("RRULE:RSCALE=GREGORIAN;FREQ=MONTHLY;SKIP=FORWARD", "SKIP=FORWARD is not supported (only OMIT and BACKWARD)"),
        ("RRULE:RSCALE=GREGORIAN;FREQ=MONTHLY;SKIP=SIDEWAYS", "SKIP=SIDEWAYS is not OMIT, BACKWARD or FORWARD"),
        ("RRULE:FREQ=MONTHLY;SKIP=BACKWARD", "SKIP=BACKWARD needs RSCALE=GREGORIAN (RFC 7529)"),
        ("RRULE:FREQ=YEARLY;BYYEARDAY=100", "BYYEARDAY=100 is not supported"),
        ("RRULE:FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO=20 is not supported"),
        ("RRULE:FREQ=DAILY;BYHOUR=9", "BYHOUR=9 is not supported (the time of day comes from DTSTART)"),
        ("RRULE:FREQ=DAILY;BYMINUTE=30", "BYMINUTE=30 is not supported (the time of day comes from DTSTART)"),
        ("RRULE:FREQ=DAILY;BYSECOND=0", "BYSECOND=0 is not supported (the time of day comes from DTSTART)"),
        ("RRULE:FREQ=YEARLY;BYEASTER=0", "BYEASTER=0 is not supported"),
        ("RRULE:FREQ=HOURLY", "sub-daily FREQ=HOURLY is not supported (only DAILY, WEEKLY, MONTHLY, YEARLY)"),
        ("RRULE:FREQ=MINUTELY", "sub-daily FREQ=MINUTELY is not supported (only DAILY, WEEKLY, MONTHLY, YEARLY)"),
        ("RRULE:FREQ=SECONDLY", "sub-daily FREQ=SECONDLY is not supported (only DAILY, WEEKLY, MONTHLY, YEARLY)"),
        ("RRULE:FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not a frequency (DAILY, WEEKLY, MONTHLY or YEARLY)"),
        ("RRULE:FREQ=DAILY\nRDATE:20260101", "RDATE:20260101 is not supported (a pattern cannot hold extra dates)"),
        ("RRULE:FREQ=DAILY\nEXRULE:FREQ=WEEKLY", "EXRULE:FREQ=WEEKLY is not supported (deprecated by RFC 5545; use EXDATE)"),
        ("RRULE:FREQ=DAILY;FOO=1", "unknown rule part FOO=1"),
        ("RRULE:FREQ=DAILY;X-NAME=1", "unknown rule part X-NAME=1"),
        ("RRULE:FREQ=DAILY;COUNT", "rule part COUNT has no '=' (expected NAME=VALUE)"),
        ("RRULE:FREQ=DAILY;count=2;COUNT=3", "rule part COUNT appears twice"),
        ("RRULE:COUNT=3", "RRULE:COUNT=3 has no FREQ"),
        ("RRULE:", "RRULE: has no FREQ"),
        ("RRULE:FREQ=DAILY;INTERVAL=x", "INTERVAL=x is not a positive integer"),
        ("RRULE:FREQ=DAILY;INTERVAL=-2", "INTERVAL=-2 is not a positive integer"),
        ("RRULE:FREQ=DAILY;COUNT=", "COUNT= has no value"),
        ("RRULE:FREQ=DAILY;COUNT=99999999999999999999", "COUNT=99999999999999999999 is not a positive integer"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=1,,2", "BYMONTHDAY=1,,2 has an empty item"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=1,x", "BYMONTHDAY=1,x: x is not an integer"),
        ("RRULE:FREQ=YEARLY;BYMONTH=-1", "BYMONTH=-1 is not a positive integer"),
        ("RRULE:RSCALE=GREGORIAN;FREQ=YEARLY;BYMONTH=5L", "BYMONTH=5L is a leap month, which is not supported (RFC 7529, other calendars)"),
        ("RRULE:FREQ=WEEKLY;WKST=XX", "WKST=XX is not a weekday (MO, TU, WE, TH, FR, SA, SU)"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,XY", "BYDAY=MO,XY: XY is not a weekday (MO…SU) with an optional ordinal such as -1FR"),
        ("RRULE:FREQ=WEEKLY;BYDAY=", "BYDAY= has no value"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,", "BYDAY=MO, has an empty item"),
        ("RRULE:FREQ=MONTHLY;BYDAY=+MO", "BYDAY=+MO: + is not an integer"),
        ("RRULE:FREQ=MONTHLY;BYDAY=1é", "BYDAY=1é: 1é is not a weekday (MO…SU) with an optional ordinal such as -1FR"),
        ("RRULE:FREQ=DAILY;UNTIL=2026-12-31", "UNTIL=2026-12-31 is not a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS[Z]"),
        ("RRULE:FREQ=DAILY;UNTIL=20261332", "UNTIL=20261332 is not a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS[Z]"),
        ("RRULE:FREQ=DAILY;UNTIL=20261231T250000Z", "UNTIL=20261231T250000Z is not a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS[Z]"),
        ("", "RRULE text is empty"),
        (" \r\n\t\n", "RRULE text is empty"),
        ("DTSTART:20260101T090000Z", "no RRULE line"),
        ("RRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY", "two RRULE lines (only one rule is supported)"),
        ("FREQ=DAILY\nRRULE:FREQ=WEEKLY", "two RRULE lines (only one rule is supported)"),
        ("DTSTART;TZID=Mars/Olympus:20260101T090000\nRRULE:FREQ=DAILY", "TZID=Mars/Olympus is not a known IANA time zone"),
        ("RRULE:FREQ=DAILY\nEXDATE;TZID=Nowhere:20260101T090000", "TZID=Nowhere is not a known IANA time zone"),
        ("DTSTART;TZID=Europe/Berlin:20260101T090000Z\nRRULE:FREQ=DAILY", "DTSTART:20260101T090000Z: a UTC time (ending in Z) takes no TZID"),
        ("DTSTART:2026\nRRULE:FREQ=DAILY", "DTSTART:2026 is not a date-time YYYYMMDDTHHMMSS[Z] or a date YYYYMMDD"),
        ("DTSTART;VALUE=DATE:20260101T090000\nRRULE:FREQ=DAILY", "DTSTART;VALUE=DATE: 20260101T090000 is not a date"),
        ("DTSTART;VALUE=PERIOD:20260101\nRRULE:FREQ=DAILY", "DTSTART;VALUE=PERIOD is not supported"),
        ("DTSTART:20260101T090000Z\nDTSTART:20260102T090000Z\nRRULE:FREQ=DAILY", "DTSTART appears twice"),
        ("DTSTART;FOO=bar:20260101T090000Z\nRRULE:FREQ=DAILY", "DTSTART: parameter FOO=bar is not supported"),
        ("DTSTART;TZID=UTC;TZID=UTC:20260101T090000\nRRULE:FREQ=DAILY", "DTSTART: parameter TZID appears twice"),
        ("RRULE;X-A=1:FREQ=DAILY", "RRULE: parameter X-A=1 is not supported"),
        ("RRULE:FREQ=DAILY\nEXDATE:20260101,nope", "EXDATE:20260101,nope: nope is not a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS[Z]"),
        ("RRULE:FREQ=DAILY\nEXDATE;VALUE=PERIOD:20260101T090000Z/PT1H", "EXDATE;VALUE=PERIOD is not supported (dates or date-times only)"),
        ("RRULE:FREQ=DAILY\nEXDATE;TZID=Europe/Berlin:20260101T090000Z", "EXDATE:20260101T090000Z: a UTC time (ending in Z) takes no TZID"),
        ("RRULE:FREQ=DAILY\nX-SYNAPSE-ANCHOR:sometimes", "X-SYNAPSE-ANCHOR:sometimes is not \"schedule\" or \"completion\""),
        ("RRULE:FREQ=DAILY\nX-SYNAPSE-CATCHUP:none", "X-SYNAPSE-CATCHUP:none is not \"all\" or \"latest\""),
        ("RRULE:FREQ=DAILY\nX-SYNAPSE-TIMEZONE:Europe/Atlantis", "X-SYNAPSE-TIMEZONE:Europe/Atlantis is not a known IANA time zone"),
        ("RRULE:FREQ=DAILY\nX-SYNAPSE-ANCHOR:schedule\nX-SYNAPSE-ANCHOR:completion", "X-SYNAPSE-ANCHOR appears twice"),
        ("DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY\nX-SYNAPSE-TIMEZONE:Europe/Berlin", "X-SYNAPSE-TIMEZONE:Europe/Berlin contradicts DTSTART's time zone UTC"),
        ("RRULE:FREQ=DAILY\nSUMMARY:Stand-up", "unknown property SUMMARY (expected DTSTART, RRULE, EXDATE, X-SYNAPSE-TIMEZONE, X-SYNAPSE-ANCHOR or X-SYNAPSE-CATCHUP)"),
        ("RRULE:FREQ=DAILY\nX-SYNAPSE-ANKER:completion", "unknown property X-SYNAPSE-ANKER (expected DTSTART, RRULE, EXDATE, X-SYNAPSE-TIMEZONE, X-SYNAPSE-ANCHOR or X-SYNAPSE-CATCHUP)"),
        ("RRULE FREQ DAILY", "cannot read line \"RRULE FREQ DAILY\" (expected NAME:VALUE or an RRULE)"),
        ("DTSTART;TZID=\"Europe/Berlin:20260101T090000", "cannot read line \"DTSTART;TZID=\"Europe/Berlin:20260101T090…\" (expected NAME:VALUE or an RRULE)"),
        ("DTSTART;TZID:20260101T090000", "cannot read line \"DTSTART;TZID:20260101T090000\" (expected NAME:VALUE or an RRULE)"),
    ];
    for (text, message) in cases {
        assert_eq!(rrule_error(text), message, "for {text:?}");
    }
}

#[test]
fn quotes_long_and_control_input_briefly() {
    let long = format!("RRULE:FREQ=DAILY;FOO={}", "x".repeat(1000));
    assert_eq!(rrule_error(&long), format!("unknown rule part FOO={}…", "x".repeat(36)));
    assert_eq!(
        rrule_error("RRULE:FREQ=DAI\u{7}LY"),
        "FREQ=DAI\\u{7}LY is not a frequency (DAILY, WEEKLY, MONTHLY or YEARLY)"
    );
}

#[test]
fn refuses_oversized_text() {
    let text = format!("RRULE:FREQ=DAILY\n{}", " ".repeat(MAX_RRULE_TEXT_BYTES));
    assert_eq!(rrule_error(&text), "RRULE text is 65553 bytes long, more than the 65536 allowed");
}

#[test]
fn reports_pattern_rules_from_the_contract() {
    let cases = [
        ("RRULE:FREQ=WEEKLY;BYMONTHDAY=1", "dayOfMonth: not allowed with frequency \"weekly\""),
        ("RRULE:FREQ=WEEKLY;BYDAY=1MO", "nthWeekdays: only allowed with frequency \"monthly\" or \"yearly\", not \"weekly\""),
        ("RRULE:FREQ=MONTHLY;BYDAY=6MO", "nthWeekdays[0].nth: 6 is not in ±1..5 with frequency \"monthly\", never 0"),
        ("RRULE:FREQ=MONTHLY;BYDAY=0MO", "nthWeekdays[0].nth: 0 is not in ±1..5 with frequency \"monthly\", never 0"),
        ("RRULE:FREQ=DAILY;COUNT=2;UNTIL=20260101", "until: not allowed together with count"),
        ("RRULE:RSCALE=GREGORIAN;FREQ=DAILY;SKIP=BACKWARD", "monthDayOverflow: \"clamp\" is only allowed with frequency \"monthly\" or \"yearly\", not \"daily\""),
        ("RRULE:FREQ=DAILY;INTERVAL=0", "interval: 0 is not an integer in 1..999"),
        ("RRULE:FREQ=DAILY;INTERVAL=1000", "interval: 1000 is not an integer in 1..999"),
        ("RRULE:FREQ=DAILY;COUNT=0", "count: 0 is not an integer in 1..100000"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=0", "dayOfMonth[0]: 0 is not a day of the month in ±1..31, never 0"),
        ("RRULE:FREQ=YEARLY;BYMONTH=13", "monthOfYear[0]: 13 is not a month in 1..12"),
        ("RRULE:FREQ=DAILY;BYSETPOS=1", "setPos: needs another BY key: daysOfWeek, nthWeekdays, dayOfMonth or monthOfYear"),
    ];
    for (text, message) in cases {
        assert_eq!(pattern_error(text), message, "for {text:?}");
    }
    assert!(pattern_error("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
        .starts_with("dayOfMonth: 30 never occurs in February"));
}

// --- semantics -------------------------------------------------------------------

fn first_occurrences(text: &str, n: usize) -> Vec<DateTime<Utc>> {
    let (p, start) = from_rrule_with_start(text).expect("parses");
    let start = start.expect("has DTSTART");
    let schedule = Schedule::new(Arc::new(p), start).expect("schedule");
    schedule.occurrences_from(start).take(n).map(|o| o.at).collect()
}

#[test]
fn rfc_7529_yearly_from_feb_29_clamps_to_feb_28() {
    let text = "DTSTART:20240229T090000Z\nRRULE:RSCALE=GREGORIAN;FREQ=YEARLY;SKIP=BACKWARD";
    assert_eq!(parse(text).month_day_overflow, MonthDayOverflow::Clamp);
    assert_eq!(
        first_occurrences(text, 5),
        [
            utc(2024, 2, 29, 9, 0, 0),
            utc(2025, 2, 28, 9, 0, 0),
            utc(2026, 2, 28, 9, 0, 0),
            utc(2027, 2, 28, 9, 0, 0),
            utc(2028, 2, 29, 9, 0, 0),
        ]
    );
    // Written back the way RFC 7529 writes it.
    let (p, start) = from_rrule_with_start(text).expect("parses");
    assert_eq!(to_text(&p, start), text);
    // Without RSCALE (SKIP=OMIT) only leap years match.
    let omit = first_occurrences("DTSTART:20240229T090000Z\nRRULE:FREQ=YEARLY", 2);
    assert_eq!(omit, [utc(2024, 2, 29, 9, 0, 0), utc(2028, 2, 29, 9, 0, 0)]);
}

#[test]
fn date_until_from_other_zone_ends_that_local_day() {
    // Daily 23:30 Berlin until 2026-01-03: the 23:30 of Jan 3 is in, Jan 4 is out.
    let text = "DTSTART;TZID=Europe/Berlin:20260101T233000\nRRULE:FREQ=DAILY;UNTIL=20260103T225959Z";
    assert_eq!(parse(text).until, Some(Until::Date(date(2026, 1, 3))));
    assert_eq!(
        first_occurrences(text, 10),
        [utc(2026, 1, 1, 22, 30, 0), utc(2026, 1, 2, 22, 30, 0), utc(2026, 1, 3, 22, 30, 0)]
    );
}

// --- round trips -----------------------------------------------------------------

#[test]
fn round_trips_examples() {
    let start = Some(utc(2026, 3, 29, 1, 30, 0));
    for json in [
        json!({"frequency": "daily"}),
        json!({"frequency": "weekly", "daysOfWeek": [1, 3, 5], "interval": 2, "weekStart": 7, "timezone": "Europe/Berlin"}),
        json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1, "until": "2026-12-31", "timezone": "America/New_York"}),
        json!({"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -1}], "count": 12}),
        json!({"frequency": "monthly", "dayOfMonth": 31, "monthDayOverflow": "clamp", "exdates": ["2026-04-30"]}),
        json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": 53}, {"day": 4, "nth": -20}], "timezone": "Asia/Kolkata"}),
        json!({"frequency": "yearly", "monthOfYear": [2], "dayOfMonth": 29, "until": "2040-06-01T12:00:00Z", "anchor": "completion", "catchUp": "latest"}),
        json!({"frequency": "daily", "timezone": "Etc/UTC", "until": "2030-01-01"}),
        // Samoa skipped 2011-12-30 entirely.
        json!({"frequency": "daily", "timezone": "Pacific/Apia", "until": "2011-12-29"}),
    ] {
        let p = pattern(json);
        for dtstart in [None, start] {
            let text = to_text(&p, dtstart);
            assert_eq!(from_rrule(&text).as_ref(), Ok(&p), "{text}");
        }
    }
}

#[test]
fn round_trip_turns_end_of_day_instant_into_date() {
    let p = pattern(
        json!({"frequency": "daily", "until": "2026-06-30T23:59:59+02:00", "timezone": "Europe/Berlin"}),
    );
    let back = parse(&to_text(&p, None));
    assert_eq!(back.until, Some(Until::Date(date(2026, 6, 30))));
    // One second earlier stays an instant.
    let p = pattern(
        json!({"frequency": "daily", "until": "2026-06-30T23:59:58+02:00", "timezone": "Europe/Berlin"}),
    );
    assert_eq!(parse(&to_text(&p, None)), p);
    // A day the zone skipped ends when the day before ends, so reads as that day.
    let p = pattern(json!({"frequency": "daily", "until": "2011-12-30", "timezone": "Pacific/Apia"}));
    assert_eq!(parse(&to_text(&p, None)).until, Some(Until::Date(date(2011, 12, 29))));
}

#[test]
fn large_inputs_are_answered() {
    let many_days = format!("RRULE:FREQ=WEEKLY;BYDAY={}MO", "MO,".repeat(16_000));
    assert_eq!(parse(&many_days).days_of_week, [Weekday::Mon]);
    let many_exdates = format!("RRULE:FREQ=DAILY\nEXDATE;VALUE=DATE:{}20260101", "20260102,".repeat(7000));
    assert_eq!(parse(&many_exdates).exdates.len(), 2);
    let many_bad = format!("RRULE:FREQ=MONTHLY;BYMONTHDAY={}1", "99,".repeat(20_000));
    assert!(from_rrule(&many_bad).is_err());
    let many_lines = "\n".repeat(MAX_RRULE_TEXT_BYTES - 20) + "RRULE:FREQ=DAILY";
    assert_eq!(parse(&many_lines), Pattern::new(Frequency::Daily));
    let deep_fold = format!("RRULE:FREQ=DAILY;COUNT=1{}", "\n 0".repeat(20_000));
    assert!(from_rrule(&deep_fold).is_err());
}

// --- properties ------------------------------------------------------------------

const ZONES: [&str; 10] = [
    "UTC",
    "Etc/UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Apia",
    "Pacific/Chatham",
];

fn arb_date() -> impl Strategy<Value = NaiveDate> {
    // 1900-01-01 .. 2199-12-31
    (-25_567i64..83_600)
        .prop_map(|days| NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + Duration::days(days))
}

pub(crate) fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (-2_208_988_800i64..7_258_118_400).prop_map(|s| DateTime::from_timestamp(s, 0).expect("in range"))
}

/// Random field values, made to satisfy the cross-key rules; `from_json` decides.
pub(crate) fn arb_pattern() -> impl Strategy<Value = Pattern> {
    let lists = (
        prop::option::of(prop::collection::vec(1i64..=7, 1..5)),
        prop::option::of(prop::collection::vec((1i64..=7, 1i64..=53, any::<bool>()), 1..4)),
        prop::option::of(prop::collection::vec((1i64..=31, any::<bool>()), 1..4)),
        prop::option::of(prop::collection::vec(1i64..=12, 1..4)),
        // Mostly small positions: most large ones exceed the period and are refused.
        prop::option::of(prop::collection::vec(
            (prop_oneof![3 => 1i64..=7, 1 => 1i64..=366], any::<bool>()),
            1..3,
        )),
    );
    let scalars = (
        0usize..4,
        prop_oneof![Just(1i64), 1i64..=999],
        1i64..=7,
        any::<bool>(),
        prop_oneof![
            Just(None),
            (1i64..=100_000).prop_map(|c| Some(json!(c))),
            arb_date().prop_map(|d| Some(json!(d.format("%Y-%m-%d").to_string()))),
            arb_instant().prop_map(|t| Some(json!(t.to_rfc3339()))),
        ],
        0usize..ZONES.len(),
        prop::collection::vec(arb_date(), 0..4),
        (any::<bool>(), any::<bool>()),
    );
    (lists, scalars).prop_filter_map("valid pattern", |(lists, scalars)| {
        let (days, nths, month_days, months, set_pos) = lists;
        let (freq, interval, wkst, clamp, end, zone, exdates, (completion, latest)) = scalars;
        let freq = ["daily", "weekly", "monthly", "yearly"][freq];
        let sub_monthly = freq == "daily" || freq == "weekly";
        let mut map = Map::new();
        map.insert("frequency".into(), json!(freq));
        map.insert("interval".into(), json!(interval));
        map.insert("weekStart".into(), json!(wkst));
        if let Some(mut days) = days {
            days.sort_unstable();
            days.dedup();
            map.insert("daysOfWeek".into(), json!(days));
        }
        if let Some(nths) = nths.filter(|_| !sub_monthly) {
            let max = if freq == "yearly" { 53 } else { 5 };
            let nths: Vec<Value> = nths
                .into_iter()
                .map(|(day, n, neg)| json!({"day": day, "nth": if neg { -(1 + n % max) } else { 1 + n % max }}))
                .collect();
            map.insert("nthWeekdays".into(), json!(nths));
        }
        if let Some(days) = month_days.filter(|_| freq != "weekly") {
            map.insert("dayOfMonth".into(), json!(signed(days)));
        }
        if let Some(months) = months {
            map.insert("monthOfYear".into(), json!(months));
        }
        if let Some(pos) = set_pos {
            map.insert("setPos".into(), json!(signed(pos)));
        }
        if clamp && !sub_monthly {
            map.insert("monthDayOverflow".into(), json!("clamp"));
        }
        match end {
            Some(Value::Number(n)) => {
                map.insert("count".into(), Value::Number(n));
            }
            Some(until) => {
                map.insert("until".into(), until);
            }
            None => {}
        }
        map.insert("timezone".into(), json!(ZONES[zone]));
        let exdates: Vec<String> = exdates.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
        map.insert("exdates".into(), json!(exdates));
        map.insert("anchor".into(), json!(if completion { "completion" } else { "schedule" }));
        map.insert("catchUp".into(), json!(if latest { "latest" } else { "all" }));
        Pattern::from_json(&Value::Object(map)).ok()
    })
}

/// The instant an `until` stops at, in whole seconds as RFC text has them.
fn until_second(tz: Tz, until: Until) -> Option<DateTime<Utc>> {
    match until {
        Until::Instant(t) => Some(t),
        Until::Date(d) => end_of_local_day(tz, d),
    }
}

/// Tokens of real rules, so random texts reach past the first checks.
fn arb_rule_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("RRULE:"),
        Just("DTSTART"),
        Just(";TZID=Europe/Berlin"),
        Just(";TZID=\""),
        Just(":"),
        Just("20260101T090000"),
        Just("Z"),
        Just("\n"),
        Just("\r\n"),
        Just("\n "),
        Just("FREQ="),
        Just("DAILY"),
        Just("MONTHLY"),
        Just("YEARLY"),
        Just(";"),
        Just(","),
        Just("BYDAY="),
        Just("-1FR"),
        Just("MO"),
        Just("BYMONTHDAY="),
        Just("-31"),
        Just("BYSETPOS="),
        Just("UNTIL="),
        Just("20261231"),
        Just("COUNT="),
        Just("99999999999999999999"),
        Just("RSCALE=GREGORIAN"),
        Just("SKIP=BACKWARD"),
        Just("EXDATE;VALUE=DATE:"),
        Just("X-SYNAPSE-TIMEZONE:"),
        Just("é"),
        Just("="),
        Just("\""),
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn round_trips_every_valid_pattern(p in arb_pattern(), start in prop::option::of(arb_instant()), millis in 0i64..1000) {
        let dtstart = start.map(|s| s + Duration::milliseconds(millis));
        let text = to_text(&p, dtstart);
        let (back, back_start) = from_rrule_with_start(&text)
            .map_err(|e| TestCaseError::fail(format!("{text}\n{e}")))?;
        // The documented exception: an instant on a local day's last second reads as
        // that date; both stop at the same second.
        // (A date a zone skipped, like 2011-12-30 in Samoa, reads as the day before.)
        let mut expected = p.clone();
        if let (Some(sent), Some(got @ Until::Date(_))) = (p.until, back.until) {
            if sent != got {
                prop_assert_eq!(until_second(p.timezone, sent), until_second(back.timezone, got), "{}", text);
                expected.until = back.until;
            }
        }
        prop_assert_eq!(&back, &expected, "{}", text);
        // The start comes back to the second where its wall-clock time is unambiguous.
        if let Some(start) = dtstart {
            let local = start.with_timezone(&p.timezone).naive_local();
            if p.timezone.from_local_datetime(&local).single().is_some() {
                prop_assert_eq!(back_start, Some(start - Duration::milliseconds(millis)));
            }
        }
        // Written again, the text is the same.
        prop_assert_eq!(to_text(&back, back_start), text);
    }

    #[test]
    fn any_text_is_answered(text in ".{0,300}") {
        answered(&text)?;
    }

    #[test]
    fn any_rule_soup_is_answered(text in arb_rule_soup()) {
        answered(&text)?;
    }

    #[test]
    fn any_bytes_are_answered(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        answered(&String::from_utf8_lossy(&bytes))?;
    }
}

/// Any text gets an answer, never a panic: a pattern whose own RRULE text reads back, or an
/// error that says something.
fn answered(text: &str) -> Result<(), TestCaseError> {
    match from_rrule(text) {
        Ok(p) => {
            let again = to_text(&p, None);
            prop_assert!(
                from_rrule(&again).is_ok(),
                "{:?} read as {:?}, written as {:?}, which does not read",
                text,
                p,
                again
            );
        }
        Err(e) => prop_assert!(!e.to_string().trim().is_empty(), "{:?}: an error without a message", text),
    }
    Ok(())
}

#[test]
fn weekday_codes_match_iso_numbers() {
    for n in 1..=7 {
        let day = weekday_from_iso(n).expect("weekday");
        assert_eq!(parse_weekday(weekday_code(day)), Some(day));
    }
}
