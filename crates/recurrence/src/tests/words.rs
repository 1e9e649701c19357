//! English both ways: the texts describe writes, what users type, errors that quote the
//! word, the round trip over every valid pattern, and the series start a text asks for.

use super::rrule_text::{arb_instant, arb_pattern};
use crate::engine::Schedule;
use crate::error::RecurrenceError;
use crate::words::{describe, from_text};
use crate::Pattern;
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::Arc;

fn pattern(value: Value) -> Pattern {
    Pattern::from_json(&value).unwrap_or_else(|e| panic!("{value} should be valid: {e}"))
}

fn read(text: &str) -> Pattern {
    from_text(text, Tz::UTC).unwrap_or_else(|e| panic!("{text:?} should be read: {e}")).pattern
}

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_pattern_reads_back_from_its_description(p in arb_pattern()) {
        let text = describe(&p, None);
        let back = from_text(&text, Tz::UTC).map_err(|e| TestCaseError::fail(format!("{text}\n{e}")))?;
        prop_assert_eq!(&back.pattern, &p, "{}", text);
        prop_assert_eq!(back.time, None);
    }
}

// --- what describe writes --------------------------------------------------------------------

#[test]
fn descriptions_of_common_patterns() {
    let cases = [
        (json!({"frequency": "daily"}), "Every day"),
        (json!({"frequency": "daily", "interval": 3}), "Every 3 days"),
        (json!({"frequency": "daily", "count": 10}), "Every day, 10 times"),
        (json!({"frequency": "daily", "count": 1}), "Every day, once"),
        (json!({"frequency": "daily", "daysOfWeek": [1, 2, 3, 4, 5]}), "Every day on weekdays"),
        (json!({"frequency": "weekly", "daysOfWeek": [1, 2, 3, 4, 5]}), "Every weekday"),
        (
            json!({"frequency": "weekly", "daysOfWeek": [1, 3], "interval": 2}),
            "Every 2 weeks on Monday and Wednesday",
        ),
        (json!({"frequency": "weekly", "daysOfWeek": [2, 4]}), "Every Tuesday and Thursday"),
        (json!({"frequency": "weekly"}), "Every week"),
        (
            json!({"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -1}]}),
            "On the last Friday of every month",
        ),
        (
            json!({"frequency": "monthly", "interval": 3, "nthWeekdays": [{"day": 2, "nth": 2}, {"day": 2, "nth": 4}, {"day": 5, "nth": -1}]}),
            "On the 2nd and 4th Tuesday and the last Friday of every 3 months",
        ),
        (
            json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1}),
            "On the last weekday of every month",
        ),
        (
            json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": [1, -1]}),
            "On the 1st and last weekday of every month",
        ),
        (
            json!({"frequency": "monthly", "dayOfMonth": 31, "monthDayOverflow": "clamp"}),
            "Monthly on the 31st, or the month's last day when shorter",
        ),
        (json!({"frequency": "monthly", "dayOfMonth": [1, 15, -1]}), "Monthly on the 1st, 15th and last day"),
        (
            json!({"frequency": "monthly", "dayOfMonth": 13, "daysOfWeek": [5]}),
            "Every month on the 13th if a Friday",
        ),
        (json!({"frequency": "monthly", "interval": 2, "dayOfMonth": 15}), "Every 2 months on the 15th"),
        (json!({"frequency": "yearly", "monthOfYear": 12, "dayOfMonth": 24}), "Every year on 24 December"),
        (
            json!({"frequency": "yearly", "monthOfYear": 3, "nthWeekdays": [{"day": 7, "nth": -1}]}),
            "Every year in March on the last Sunday",
        ),
        (json!({"frequency": "daily", "until": "2027-06-30"}), "Every day, until 30 June 2027"),
        (
            json!({"frequency": "daily", "until": "2027-06-30T14:30:00Z"}),
            "Every day, until 30 June 2027 14:30 UTC",
        ),
        (
            json!({"frequency": "weekly", "daysOfWeek": [4], "exdates": ["2026-12-24"]}),
            "Every Thursday, except 24 December 2026",
        ),
        (
            json!({"frequency": "daily", "exdates": ["2026-12-24", "2026-12-31", "2027-01-01"]}),
            "Every day, except 24 December 2026, 31 December 2026 and 1 January 2027",
        ),
        (
            json!({"frequency": "weekly", "daysOfWeek": [1], "weekStart": 7, "interval": 2}),
            "Every 2 weeks on Monday, weeks starting on Sunday",
        ),
        (
            json!({"frequency": "daily", "interval": 3, "anchor": "completion"}),
            "Every 3 days, counted from each completion",
        ),
        (json!({"frequency": "daily", "catchUp": "latest"}), "Every day, catching up only the latest"),
        (
            json!({"frequency": "monthly", "dayOfMonth": -31, "monthDayOverflow": "clamp"}),
            "Monthly on the 31st-to-last day, or the nearest earlier day when missing",
        ),
        (
            json!({"frequency": "weekly", "daysOfWeek": [1, 5], "setPos": -1}),
            "Every week on Monday and Friday, only the last of each week",
        ),
    ];
    for (value, text) in cases {
        let p = pattern(value);
        assert_eq!(describe(&p, None), text);
        assert_eq!(read(text), p, "{text}");
    }
}

#[test]
fn with_a_start_the_time_zone_and_the_implied_days_are_said() {
    let berlin = Tz::Europe__Berlin;
    let at = |y, m, d, h| berlin.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc);
    let weekday =
        pattern(json!({"frequency": "weekly", "daysOfWeek": [1, 2, 3, 4, 5], "timezone": "Europe/Berlin"}));
    assert_eq!(describe(&weekday, Some(at(2026, 1, 5, 9))), "Every weekday at 09:00 (Europe/Berlin)");
    let last_friday = pattern(json!({"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -1}]}));
    assert_eq!(
        describe(&last_friday, Some(utc(2026, 1, 30, 17, 0))),
        "On the last Friday of every month at 17:00"
    );
    // The parts RFC 5545 takes from the start are written out.
    let weekly = pattern(json!({"frequency": "weekly", "timezone": "Europe/Berlin"}));
    assert_eq!(describe(&weekly, Some(at(2026, 1, 7, 8))), "Every Wednesday at 08:00 (Europe/Berlin)");
    let monthly = pattern(json!({"frequency": "monthly", "monthDayOverflow": "clamp"}));
    assert_eq!(
        describe(&monthly, Some(utc(2026, 1, 31, 9, 30))),
        "Monthly on the 31st at 09:30, or the month's last day when shorter"
    );
    let yearly = pattern(json!({"frequency": "yearly"}));
    assert_eq!(describe(&yearly, Some(utc(2024, 2, 29, 0, 0))), "Every year on 29 February at 00:00");
    let seconds = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 30).unwrap();
    assert_eq!(describe(&pattern(json!({"frequency": "daily"})), Some(seconds)), "Every day at 09:00:30");
}

// --- what users type --------------------------------------------------------------------------

/// Phrasings as people type them (Todoist's "every …", rrule.js toText output, calendar
/// apps), each with the pattern it must give. Defaults are left out: both sides are
/// normalised by the validator.
const PHRASINGS: &[(&str, &str)] = &[
    ("every day", r#"{"frequency":"daily"}"#),
    ("daily", r#"{"frequency":"daily"}"#),
    ("Every Day", r#"{"frequency":"daily"}"#),
    ("  every    day  ", r#"{"frequency":"daily"}"#),
    ("every other day", r#"{"frequency":"daily","interval":2}"#),
    ("every 3 days", r#"{"frequency":"daily","interval":3}"#),
    ("every three days", r#"{"frequency":"daily","interval":3}"#),
    ("every 3rd day", r#"{"frequency":"daily","interval":3}"#),
    ("every week", r#"{"frequency":"weekly"}"#),
    ("weekly", r#"{"frequency":"weekly"}"#),
    ("every other week", r#"{"frequency":"weekly","interval":2}"#),
    ("every second week", r#"{"frequency":"weekly","interval":2}"#),
    ("every fortnight", r#"{"frequency":"weekly","interval":2}"#),
    ("fortnightly", r#"{"frequency":"weekly","interval":2}"#),
    ("every 2 weeks", r#"{"frequency":"weekly","interval":2}"#),
    ("every third week", r#"{"frequency":"weekly","interval":3}"#),
    ("every sat and sun", r#"{"frequency":"weekly","daysOfWeek":[6,7]}"#),
    ("every 2 months on the last day", r#"{"frequency":"monthly","interval":2,"dayOfMonth":[-1]}"#),
    (
        "every month on the first and third wednesday",
        r#"{"frequency":"monthly","nthWeekdays":[{"day":3,"nth":1},{"day":3,"nth":3}]}"#,
    ),
    (
        "every year on the last friday of november",
        r#"{"frequency":"yearly","monthOfYear":[11],"nthWeekdays":[{"day":5,"nth":-1}]}"#,
    ),
    (
        "every weekday except 2026-12-25",
        r#"{"frequency":"weekly","daysOfWeek":[1,2,3,4,5],"exdates":["2026-12-25"]}"#,
    ),
    ("every month", r#"{"frequency":"monthly"}"#),
    ("every 6 months", r#"{"frequency":"monthly","interval":6}"#),
    ("every quarter", r#"{"frequency":"monthly","interval":3}"#),
    ("quarterly", r#"{"frequency":"monthly","interval":3}"#),
    ("every year", r#"{"frequency":"yearly"}"#),
    ("annually", r#"{"frequency":"yearly"}"#),
    ("every 2 years", r#"{"frequency":"yearly","interval":2}"#),
    ("every weekday", r#"{"frequency":"weekly","daysOfWeek":[1,2,3,4,5]}"#),
    ("every workday", r#"{"frequency":"weekly","daysOfWeek":[1,2,3,4,5]}"#),
    ("every weekend", r#"{"frequency":"weekly","daysOfWeek":[6,7]}"#),
    ("every monday", r#"{"frequency":"weekly","daysOfWeek":[1]}"#),
    ("every Mon", r#"{"frequency":"weekly","daysOfWeek":[1]}"#),
    ("every mondays", r#"{"frequency":"weekly","daysOfWeek":[1]}"#),
    ("every mon, wed, fri", r#"{"frequency":"weekly","daysOfWeek":[1,3,5]}"#),
    ("every monday and friday", r#"{"frequency":"weekly","daysOfWeek":[1,5]}"#),
    ("every tue & thu", r#"{"frequency":"weekly","daysOfWeek":[2,4]}"#),
    ("every other tuesday", r#"{"frequency":"weekly","interval":2,"daysOfWeek":[2]}"#),
    ("every 2 weeks on monday and wednesday", r#"{"frequency":"weekly","interval":2,"daysOfWeek":[1,3]}"#),
    ("weekly on thursdays", r#"{"frequency":"weekly","daysOfWeek":[4]}"#),
    (
        "every week on sunday, week starts on sunday",
        r#"{"frequency":"weekly","daysOfWeek":[7],"weekStart":7}"#,
    ),
    ("every day on weekdays", r#"{"frequency":"daily","daysOfWeek":[1,2,3,4,5]}"#),
    ("every day only on saturday", r#"{"frequency":"daily","daysOfWeek":[6]}"#),
    ("every last friday", r#"{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}"#),
    ("every last Friday of the month", r#"{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}"#),
    ("last friday of every month", r#"{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}"#),
    ("on the last Friday of each month", r#"{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}"#),
    ("every first monday", r#"{"frequency":"monthly","nthWeekdays":[{"day":1,"nth":1}]}"#),
    ("every 2nd tuesday", r#"{"frequency":"monthly","nthWeekdays":[{"day":2,"nth":2}]}"#),
    (
        "the second and fourth Tuesday of every month",
        r#"{"frequency":"monthly","nthWeekdays":[{"day":2,"nth":2},{"day":2,"nth":4}]}"#,
    ),
    (
        "every 3rd friday of every other month",
        r#"{"frequency":"monthly","interval":2,"nthWeekdays":[{"day":5,"nth":3}]}"#,
    ),
    ("second to last thursday of the month", r#"{"frequency":"monthly","nthWeekdays":[{"day":4,"nth":-2}]}"#),
    ("every last weekday", r#"{"frequency":"monthly","daysOfWeek":[1,2,3,4,5],"setPos":[-1]}"#),
    ("last working day of every month", r#"{"frequency":"monthly","daysOfWeek":[1,2,3,4,5],"setPos":[-1]}"#),
    ("first business day of the month", r#"{"frequency":"monthly","daysOfWeek":[1,2,3,4,5],"setPos":[1]}"#),
    ("every 15th", r#"{"frequency":"monthly","dayOfMonth":[15]}"#),
    ("every month on the 15th", r#"{"frequency":"monthly","dayOfMonth":[15]}"#),
    ("monthly on the 1st and 15th", r#"{"frequency":"monthly","dayOfMonth":[1,15]}"#),
    ("the 15th of every month", r#"{"frequency":"monthly","dayOfMonth":[15]}"#),
    ("every last day", r#"{"frequency":"monthly","dayOfMonth":[-1]}"#),
    ("last day of the month", r#"{"frequency":"monthly","dayOfMonth":[-1]}"#),
    ("every 3rd day of the month", r#"{"frequency":"monthly","dayOfMonth":[3]}"#),
    (
        "every month on the 31st clamped",
        r#"{"frequency":"monthly","dayOfMonth":[31],"monthDayOverflow":"clamp"}"#,
    ),
    (
        "monthly on the 31st or the last day of the month if shorter",
        r#"{"frequency":"monthly","dayOfMonth":[31],"monthDayOverflow":"clamp"}"#,
    ),
    ("every friday the 13th", r#"{"frequency":"monthly","daysOfWeek":[5],"dayOfMonth":[13]}"#),
    (
        "every month on the 13th if it is a friday",
        r#"{"frequency":"monthly","daysOfWeek":[5],"dayOfMonth":[13]}"#,
    ),
    ("every 24 december", r#"{"frequency":"yearly","monthOfYear":[12],"dayOfMonth":[24]}"#),
    ("every Dec 24th", r#"{"frequency":"yearly","monthOfYear":[12],"dayOfMonth":[24]}"#),
    ("every year on the 1st of april", r#"{"frequency":"yearly","monthOfYear":[4],"dayOfMonth":[1]}"#),
    ("yearly on July 4", r#"{"frequency":"yearly","monthOfYear":[7],"dayOfMonth":[4]}"#),
    ("every january", r#"{"frequency":"yearly","monthOfYear":[1]}"#),
    (
        "every last sunday of march",
        r#"{"frequency":"yearly","monthOfYear":[3],"nthWeekdays":[{"day":7,"nth":-1}]}"#,
    ),
    (
        "every monday in january and february",
        r#"{"frequency":"yearly","monthOfYear":[1,2],"daysOfWeek":[1]}"#,
    ),
    ("every day for 10 times", r#"{"frequency":"daily","count":10}"#),
    ("every day 5 times", r#"{"frequency":"daily","count":5}"#),
    ("every monday, twice", r#"{"frequency":"weekly","daysOfWeek":[1],"count":2}"#),
    ("every day until 30 June 2027", r#"{"frequency":"daily","until":"2027-06-30"}"#),
    ("every day until June 30, 2027", r#"{"frequency":"daily","until":"2027-06-30"}"#),
    ("every day till 2027-06-30", r#"{"frequency":"daily","until":"2027-06-30"}"#),
    ("every day until 2027-06-30T17:00:00+02:00", r#"{"frequency":"daily","until":"2027-06-30T15:00:00Z"}"#),
    (
        "every day until 30 june 2027 17:00 (Europe/Berlin)",
        r#"{"frequency":"daily","until":"2027-06-30T15:00:00Z","timezone":"Europe/Berlin"}"#,
    ),
    ("every day except 24 December 2026", r#"{"frequency":"daily","exdates":["2026-12-24"]}"#),
    (
        "every weekday except dec 24 2026 and dec 31 2026",
        r#"{"frequency":"weekly","daysOfWeek":[1,2,3,4,5],"exdates":["2026-12-24","2026-12-31"]}"#,
    ),
    ("every day at 9am", r#"{"frequency":"daily"}"#),
    (
        "every weekday at 09:00 in Europe/Berlin",
        r#"{"frequency":"weekly","daysOfWeek":[1,2,3,4,5],"timezone":"Europe/Berlin"}"#,
    ),
    (
        "every weekday at 9 (europe/berlin)",
        r#"{"frequency":"weekly","daysOfWeek":[1,2,3,4,5],"timezone":"Europe/Berlin"}"#,
    ),
    ("every day at noon UTC", r#"{"frequency":"daily"}"#),
    ("every day starting 5 January 2026", r#"{"frequency":"daily"}"#),
    ("every! 3 days", r#"{"frequency":"daily","interval":3,"anchor":"completion"}"#),
    ("every 3 days after completion", r#"{"frequency":"daily","interval":3,"anchor":"completion"}"#),
    ("every day, only the latest if missed", r#"{"frequency":"daily","catchUp":"latest"}"#),
    ("Every last Friday at 5pm.", r#"{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}"#),
    (
        "every 2 weeks on mon, wed until 2026-12-31 except 2026-12-23 at 8:30 am",
        r#"{"frequency":"weekly","interval":2,"daysOfWeek":[1,3],"until":"2026-12-31","exdates":["2026-12-23"]}"#,
    ),
];

#[test]
fn phrasings_users_type() {
    assert!(PHRASINGS.len() >= 60, "{} phrasings", PHRASINGS.len());
    for (text, expected) in PHRASINGS {
        let expected = pattern(serde_json::from_str(expected).unwrap());
        assert_eq!(read(text), expected, "{text}");
    }
}

#[test]
fn the_default_time_zone_is_the_argument_unless_the_text_names_one() {
    let berlin = from_text("every day", Tz::Europe__Berlin).unwrap().pattern;
    assert_eq!(berlin.timezone, Tz::Europe__Berlin);
    let tokyo = from_text("every day (Asia/Tokyo)", Tz::Europe__Berlin).unwrap().pattern;
    assert_eq!(tokyo.timezone, Tz::Asia__Tokyo);
}

fn text_error(text: &str) -> String {
    match from_text(text, Tz::UTC) {
        Err(e) => e.to_string(),
        Ok(rule) => panic!("{text:?} should fail, gave {:?}", rule.pattern),
    }
}

#[test]
fn errors_quote_the_word_where_reading_stopped() {
    assert_eq!(
        text_error("every blursday"),
        "cannot read \"blursday\" after \"every\": expected day, week, month, year, \"other\", a number, a weekday (Monday), a position (last Friday, 15th) or a month"
    );
    assert_eq!(
        text_error("every monday at 25:00"),
        "cannot read \"25:00\" after \"at\": expected a time of day (17:00, 5pm, noon)"
    );
    assert_eq!(text_error("every"), "the text ends after \"every\": expected day, week, month, year, \"other\", a number, a weekday (Monday), a position (last Friday, 15th) or a month");
    assert_eq!(text_error(""), "the text is empty: expected a rule such as \"every day\"");
    assert_eq!(text_error("on the 15th please"), "cannot read \"please\" after \"15th\": expected every, on, of every, at, until, for N times, except, starting, or a time zone such as (Europe/Berlin)");
    assert_eq!(
        text_error("every day (Europe/Berln)"),
        "cannot read \"Europe/Berln\": not a known IANA time zone (e.g. Europe/Berlin)"
    );
    assert_eq!(text_error("every day until June 30"), "\"until June 30\" needs the year (e.g. 30 June 2027)");
    assert_eq!(text_error("every day until 31 June 2027"), "31 June 2027 is not a date");
    assert_eq!(
        text_error("every day for 3 weeks"),
        "cannot read \"weeks\": a length of time needs a start; write \"until <date>\" or \"for N times\""
    );
    assert_eq!(
        text_error("every hour"),
        "cannot read \"hour\": a rule repeats at most daily (every day at several times needs several rules)"
    );
    assert_eq!(
        text_error("every day every week"),
        "cannot read \"week\": how often (day, week, month or year) is given twice"
    );
    assert_eq!(text_error("at 9am"), "the text does not say how often: write \"every day\", \"every week\", \"every month\" or \"every year\"");
    assert_eq!(
        text_error("every week on monday, only the last of each month"),
        "cannot read \"month\": positions count within each week of this rule, not each month"
    );
    // A rule the contract refuses is the pattern's own error, naming the key.
    assert_eq!(
        text_error("every year on 30 February"),
        "dayOfMonth: 30 never occurs in February (use \"monthDayOverflow\": \"clamp\" to move it to the month's last day)"
    );
    assert!(matches!(from_text("every blursday", Tz::UTC), Err(RecurrenceError::InvalidText(_))));
}

// --- the series start ------------------------------------------------------------------------

#[test]
fn the_start_a_text_asks_for() {
    let start = |text: &str, after| from_text(text, Tz::UTC).unwrap().start(after).unwrap();
    // Wednesday 7 January 2026, 14:00 UTC.
    let now = utc(2026, 1, 7, 14, 0);
    assert_eq!(start("every day at 9am", now), Some(utc(2026, 1, 8, 9, 0)), "09:00 has passed today");
    assert_eq!(start("every day at 5pm", now), Some(utc(2026, 1, 7, 17, 0)));
    assert_eq!(start("every day", now), Some(utc(2026, 1, 7, 0, 0)), "without a time: today");
    assert_eq!(start("every monday at 9:30", now), Some(utc(2026, 1, 12, 9, 30)));
    assert_eq!(start("every last friday at 17:00", now), Some(utc(2026, 1, 30, 17, 0)));
    assert_eq!(start("every day at 9am starting 1 March 2026", now), Some(utc(2026, 3, 1, 9, 0)));
    assert_eq!(start("every day at 9am starting today", now), Some(utc(2026, 1, 7, 9, 0)), "asked for");
    assert_eq!(start("every day at 9am starting tomorrow", now), Some(utc(2026, 1, 8, 9, 0)));
    assert_eq!(start("every day starting friday", now), Some(utc(2026, 1, 9, 0, 0)));
    assert_eq!(start("every year on 24 december starting dec 1", now), Some(utc(2026, 12, 24, 0, 0)));
    assert_eq!(start("every day at 9am until 1 January 2026", now), None, "ended before it starts");
    // The zone's wall clock: 09:00 in Berlin is 08:00 UTC in winter.
    let far = DateTime::<Utc>::MAX_UTC;
    assert_eq!(
        from_text("every day", Tz::Pacific__Kiritimati).unwrap().start(far).unwrap_err().to_string(),
        format!("after: {far} is outside the supported years")
    );
    let berlin = from_text("every weekday at 9:00 (Europe/Berlin)", Tz::UTC).unwrap();
    assert_eq!(berlin.start(utc(2026, 1, 7, 6, 0)).unwrap(), Some(utc(2026, 1, 7, 8, 0)));
}

// --- properties --------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    /// With a start, the text says more (the time, the implied days) and still means the
    /// same series: its pattern from that start gives the same occurrences, and the time
    /// read back is the start's.
    #[test]
    fn a_description_with_its_start_means_the_same_series(p in arb_pattern(), start in arb_instant()) {
        let text = describe(&p, Some(start));
        let back = from_text(&text, Tz::UTC).map_err(|e| TestCaseError::fail(format!("{text}\n{e}")))?;
        prop_assert_eq!(back.time, Some(start.with_timezone(&p.timezone).time()), "{}", text);
        let first = |p: Pattern| -> Vec<DateTime<Utc>> {
            Schedule::new(Arc::new(p), start).map(|s| s.occurrences_from(start).take(20).map(|o| o.at).collect()).unwrap_or_default()
        };
        prop_assert_eq!(first(back.pattern), first(p), "{}", text);
    }

    /// Any text is answered: a pattern or an error, never a panic.
    #[test]
    fn any_text_is_answered(text in ".{0,200}") {
        let _ = from_text(&text, Tz::UTC);
    }

    /// Word salads of the grammar's own words reach deep into the parser.
    #[test]
    fn any_word_salad_is_answered(words in prop::collection::vec(prop::sample::select(vec![
        "every", "other", "2", "3rd", "last", "to", "day", "week", "month", "year", "on", "the", "of", "and", ",",
        "monday", "weekday", "weekdays", "at", "9am", "17:00", "until", "30", "june", "2027", "for", "times",
        "except", "starting", "only", "each", "(Europe/Berlin)", "or", "month's", "when", "shorter", "!", "in",
        "december", "24", "if", "a", "weeks", "starting", "sunday", "counted", "from", "completion", "2026-12-24",
    ]), 0..25)) {
        let _ = from_text(&words.join(" "), Tz::UTC);
    }
}
