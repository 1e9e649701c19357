//! Counting `count` by whole 400-year cycles against walking every period: the same
//! answers on sparse and dense patterns, every frequency, intervals that share factors
//! with the cycle's length and intervals that do not, clamp, setPos, exdates, DST zones.

use super::{pattern, signed};
use crate::Schedule;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("valid")
}

/// The next three occurrences after `after`, counted by cycles and by walking; equal.
#[track_caller]
fn assert_same(value: &Value, dtstart: DateTime<Utc>, after: DateTime<Utc>) {
    let fast = Schedule::new(pattern(value.clone()), dtstart).expect("schedule");
    let slow = fast.clone().walking();
    let next = |s: &Schedule| -> Vec<DateTime<Utc>> {
        s.occurrences_from(after).filter(|o| o.at > after).take(3).map(|o| o.at).collect()
    };
    assert_eq!(next(&fast), next(&slow), "{value} from {dtstart} after {after}");
}

#[test]
fn sparse_patterns_far_from_the_start() {
    let start = utc(2026, 1, 5, 9);
    let patterns = [
        json!({"frequency": "daily", "monthOfYear": 2, "dayOfMonth": 29, "daysOfWeek": [1], "count": 100000}),
        json!({"frequency": "daily", "monthOfYear": 2, "dayOfMonth": 29, "daysOfWeek": [1], "count": 30}),
        json!({"frequency": "daily", "interval": 3, "monthOfYear": 2, "dayOfMonth": 29, "count": 40}),
        json!({"frequency": "daily", "interval": 7, "dayOfMonth": [13], "daysOfWeek": [1], "count": 100, "exdates": ["2300-03-13"]}),
        json!({"frequency": "weekly", "monthOfYear": 2, "daysOfWeek": [1], "count": 2000, "timezone": "Europe/Berlin"}),
        json!({"frequency": "weekly", "interval": 3, "daysOfWeek": [2, 6], "setPos": -1, "monthOfYear": [3, 10], "count": 700, "timezone": "America/Santiago"}),
        json!({"frequency": "monthly", "monthOfYear": 2, "dayOfMonth": 13, "daysOfWeek": [5], "count": 100}),
        json!({"frequency": "monthly", "interval": 5, "dayOfMonth": [-31, 31], "daysOfWeek": [7], "monthDayOverflow": "clamp", "count": 300}),
        json!({"frequency": "monthly", "interval": 7, "nthWeekdays": [{"day": 5, "nth": -1}], "count": 5000}),
        json!({"frequency": "yearly", "monthOfYear": 2, "dayOfMonth": 29, "daysOfWeek": [1], "count": 20}),
        json!({"frequency": "yearly", "interval": 3, "nthWeekdays": [{"day": 1, "nth": 53}], "count": 60}),
        json!({"frequency": "yearly", "dayOfMonth": 29, "monthDayOverflow": "clamp", "count": 3000, "timezone": "Pacific/Apia"}),
        json!({"frequency": "daily", "count": 100000}),
        json!({"frequency": "daily", "interval": 2, "daysOfWeek": [1], "count": 100}),
    ];
    for value in &patterns {
        for years in [1, 399, 400, 401, 1200, 2500, 6000] {
            assert_same(value, start, start + Duration::days(365 * years));
        }
    }
}

/// Where the series ends decides what `count` does: with `count` set to the number of
/// occurrences up to `after` (found without `count`) plus 0, 1 or 2, exactly that many
/// remain after `after`, counted by cycles as by walking.
#[test]
fn count_ends_the_series_exactly_where_walking_does() {
    let start = utc(2026, 1, 5, 9);
    let patterns = [
        json!({"frequency": "daily", "monthOfYear": 2, "dayOfMonth": 29, "daysOfWeek": [1]}),
        json!({"frequency": "daily", "interval": 3, "monthOfYear": 2, "dayOfMonth": [28, 29]}),
        json!({"frequency": "daily", "interval": 37, "dayOfMonth": [-1, 31], "daysOfWeek": [5, 6]}),
        json!({"frequency": "daily", "interval": 189, "monthOfYear": [1, 7], "timezone": "Asia/Kolkata"}),
        json!({"frequency": "weekly", "interval": 9, "monthOfYear": 2, "daysOfWeek": [1, 5], "timezone": "Europe/Berlin"}),
        json!({"frequency": "monthly", "interval": 5, "dayOfMonth": [-31, 31], "daysOfWeek": [7], "monthDayOverflow": "clamp"}),
        json!({"frequency": "monthly", "monthOfYear": [2, 8], "dayOfMonth": 13, "daysOfWeek": [5], "exdates": ["2700-02-13"]}),
        json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": 53}]}),
        json!({"frequency": "yearly", "interval": 2, "dayOfMonth": 29, "monthDayOverflow": "clamp", "timezone": "America/Santiago"}),
    ];
    for value in &patterns {
        for years in [900, 2100, 5000] {
            let after = start + Duration::days(365 * years);
            let uncounted = Schedule::new(pattern(value.clone()), start).expect("schedule");
            let before = uncounted.occurrences_from(start).take_while(|o| o.at <= after).count() as u32;
            for extra in 0..3u32 {
                let mut counted = value.clone();
                counted["count"] = json!(before + extra);
                assert_same(&counted, start, after);
                let s = Schedule::new(pattern(counted.clone()), start).expect("schedule");
                let left = s.occurrences_from(after).filter(|o| o.at > after).take(3).count() as u32;
                assert_eq!(left, extra, "{counted} after {after}");
            }
        }
    }
}

/// Long intervals make blocks of tens of thousands of years (daily interval 37: 37 cycles):
/// the same check over most of the supported years.
#[test]
fn long_intervals_over_many_blocks() {
    let start = utc(2026, 1, 5, 9);
    let patterns = [
        json!({"frequency": "daily", "interval": 37, "dayOfMonth": [-1, 13], "daysOfWeek": [5]}),
        json!({"frequency": "daily", "interval": 29, "monthOfYear": 2, "daysOfWeek": [1, 2]}),
        json!({"frequency": "daily", "interval": 211, "daysOfWeek": [3], "timezone": "Europe/Berlin"}),
        json!({"frequency": "weekly", "interval": 31, "monthOfYear": [2, 3], "daysOfWeek": [1, 4]}),
    ];
    for value in &patterns {
        for years in [30_000, 97_000] {
            let after = start + Duration::days(365 * years);
            let uncounted = Schedule::new(pattern(value.clone()), start).expect("schedule");
            let before = uncounted.occurrences_from(start).take_while(|o| o.at <= after).count() as u32;
            for count in [before, before + 1, (before / 3).max(1)] {
                let mut counted = value.clone();
                counted["count"] = json!(count);
                assert_same(&counted, start, after);
            }
        }
    }
}

#[test]
fn a_block_without_occurrences_ends_the_series() {
    // Daily every 7 days from a Monday, only on Tuesdays: never.
    let value = json!({"frequency": "daily", "interval": 7, "daysOfWeek": [2], "count": 5});
    let s = Schedule::new(pattern(value), utc(2026, 1, 5, 9)).expect("schedule");
    assert_eq!(s.next_after(utc(4000, 1, 1, 0)), None);
}

fn arb_case() -> impl Strategy<Value = (Value, DateTime<Utc>, DateTime<Utc>)> {
    let freq = 0usize..4;
    // Intervals sharing factors with 146,097 (3³·7·773), 20,871 (3³·773), 4,800 and 400,
    // and some that do not.
    let interval = prop::sample::select(vec![
        1i64, 1, 1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 21, 25, 27, 50, 11, 13, 29, 37, 189, 211,
    ]);
    let lists = (
        prop::option::of(prop::collection::vec(1i64..=7, 1..4)),
        prop::option::of(prop::collection::vec((1i64..=31, any::<bool>()), 1..3)),
        prop::option::of(prop::collection::vec(1i64..=12, 1..3)),
        prop::option::of(prop::collection::vec((1i64..=4, any::<bool>()), 1..2)),
        prop::option::of((1i64..=7, 1i64..=5, any::<bool>())),
    );
    let scalars = (
        1i64..=100_000,
        any::<bool>(),
        prop::sample::select(vec!["UTC", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe"]),
        prop::collection::vec(0i64..400_000, 0..3),
        -200_000i64..200_000,
        0i64..(3_000 * 366),
    );
    (freq, interval, lists, scalars).prop_filter_map("valid pattern", |(freq, interval, lists, scalars)| {
        let (days, month_days, months, set_pos, nth) = lists;
        let (count, clamp, zone, exdates, start_days, after_days) = scalars;
        let freq = ["daily", "weekly", "monthly", "yearly"][freq];
        let mut map = Map::new();
        map.insert("frequency".into(), json!(freq));
        map.insert("interval".into(), json!(interval));
        map.insert("count".into(), json!(count));
        map.insert("timezone".into(), json!(zone));
        if let Some(mut days) = days {
            days.sort_unstable();
            days.dedup();
            map.insert("daysOfWeek".into(), json!(days));
        }
        if let Some(d) = month_days {
            map.insert("dayOfMonth".into(), json!(signed(d)));
        }
        if let Some(m) = months {
            map.insert("monthOfYear".into(), json!(m));
        }
        if let Some(p) = set_pos {
            map.insert("setPos".into(), json!(signed(p)));
        }
        if let Some((day, nth, neg)) = nth {
            map.insert("nthWeekdays".into(), json!([{"day": day, "nth": if neg { -nth } else { nth }}]));
        }
        if clamp {
            map.insert("monthDayOverflow".into(), json!("clamp"));
        }
        let epoch = utc(1970, 1, 1, 0);
        let start = epoch + Duration::days(start_days) + Duration::minutes(start_days.rem_euclid(1440));
        let exdates: Vec<String> =
            exdates.iter().map(|&d| (start + Duration::days(d)).format("%Y-%m-%d").to_string()).collect();
        map.insert("exdates".into(), json!(exdates));
        let value = Value::Object(map);
        crate::Pattern::from_json(&value).ok()?;
        Some((value, start, start + Duration::days(after_days)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn counting_by_cycles_equals_walking((value, start, after) in arb_case()) {
        let fast = Schedule::new(pattern(value.clone()), start).expect("schedule");
        let slow = fast.clone().walking();
        let next = |s: &Schedule| -> Vec<DateTime<Utc>> {
            s.occurrences_from(after).filter(|o| o.at > after).take(3).map(|o| o.at).collect()
        };
        prop_assert_eq!(next(&fast), next(&slow), "{} from {} after {}", value, start, after);
    }
}
