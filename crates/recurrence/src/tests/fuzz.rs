//! Bad input: any JSON value whatsoever gives a pattern or problems that name the key,
//! never a panic; valid patterns give ascending occurrences from bounded searches; rules
//! that can never match are reported, or end the search, instead of looping.

use super::{local, pattern};
use crate::{Pattern, RecurrenceError, Schedule};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::time::Instant;

/// The contract's keys, written out here rather than taken from pattern.rs, so a key
/// dropped from the validator is caught.
const KEYS: [&str; 15] = [
    "frequency",
    "interval",
    "daysOfWeek",
    "nthWeekdays",
    "dayOfMonth",
    "monthOfYear",
    "setPos",
    "weekStart",
    "monthDayOverflow",
    "count",
    "until",
    "timezone",
    "exdates",
    "anchor",
    "catchUp",
];

/// A JSON number from its text (arbitrary precision keeps `1e400` as written).
fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-40i64..=40).prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        (-40i64..=40, 0u32..4)
            .prop_map(|(n, frac)| number(&format!("{n}.{}", [0, 5, 25, 999][frac as usize]))),
        prop::sample::select(vec![
            "1e400",
            "-1e400",
            "1e-400",
            "3e0",
            "7.0",
            "-0",
            "0.0",
            "123456789012345678901234567890",
            "-99999999999999999999",
            "9007199254740993",
            "1E2",
            "2.5e1",
            "18446744073709551616",
        ])
        .prop_map(number),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "daily",
            "weekly",
            "monthly",
            "yearly",
            "Daily",
            "hourly",
            "skip",
            "clamp",
            "schedule",
            "completion",
            "all",
            "latest",
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Mars/Olympus",
            "",
            "2024-02-29",
            "2023-02-29",
            "2024-02-30",
            "2024-13-01",
            "+2024-01-01",
            "2024-1-1",
            "2024-01-01T00:00:00Z",
            "2024-01-01T25:00:00Z",
            "2024-06-10T13:00:00+02:00",
            "9999-12-31",
            "0000-01-01",
            "tomorrow",
            "1",
            "[1]",
            "\u{0}",
            "🦀🦀🦀",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ]
}

/// Any JSON value: leaves, arrays and objects nested a few levels, keys real or not.
fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(KEYS.to_vec()).prop_map(String::from),
                    "[a-zA-Z\"\\. ]{0,10}",
                    Just("day".to_string()),
                    Just("nth".to_string())
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A plausible value for a key: often right, sometimes slightly wrong, sometimes anything.
fn value_for(key: &'static str) -> BoxedStrategy<Value> {
    let small_ints = prop::collection::vec(-40i64..=40, 0..6).prop_map(|v| json!(v));
    let good: BoxedStrategy<Value> = match key {
        "frequency" => {
            prop::sample::select(vec!["daily", "weekly", "monthly", "yearly"]).prop_map(|s| json!(s)).boxed()
        }
        "interval" => (0i64..=1001).prop_map(|n| json!(n)).boxed(),
        "daysOfWeek" => prop::collection::vec(0i64..=8, 0..9).prop_map(|v| json!(v)).boxed(),
        "nthWeekdays" => prop::collection::vec(
            (0i64..=8, -60i64..=60, any::<bool>()).prop_map(|(d, n, extra)| {
                if extra {
                    json!({"day": d, "nth": n, "x": 1})
                } else {
                    json!({"day": d, "nth": n})
                }
            }),
            0..4,
        )
        .prop_map(Value::Array)
        .boxed(),
        "dayOfMonth" => prop_oneof![(-33i64..=33).prop_map(|n| json!(n)), small_ints.clone()].boxed(),
        "monthOfYear" => prop_oneof![
            (0i64..=13).prop_map(|n| json!(n)),
            prop::collection::vec(0i64..=13, 0..5).prop_map(|v| json!(v))
        ]
        .boxed(),
        "setPos" => prop_oneof![(-400i64..=400).prop_map(|n| json!(n)), small_ints].boxed(),
        "weekStart" => (0i64..=8).prop_map(|n| json!(n)).boxed(),
        "monthDayOverflow" => {
            prop::sample::select(vec!["skip", "clamp", "forward"]).prop_map(|s| json!(s)).boxed()
        }
        "count" => {
            prop_oneof![(0i64..=200).prop_map(|n| json!(n)), Just(json!(100_000)), Just(json!(100_001))]
                .boxed()
        }
        "until" => prop::sample::select(vec![
            "2024-03-31",
            "2030-01-01T00:00:00Z",
            "1999-12-31",
            "2024-02-30",
            "soon",
            "2100-06-15T12:00:00-07:00",
        ])
        .prop_map(|s| json!(s))
        .boxed(),
        "timezone" => prop::sample::select(vec![
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Australia/Sydney",
            "Pacific/Apia",
            "Asia/Kolkata",
            "Nowhere/City",
            "utc",
        ])
        .prop_map(|s| json!(s))
        .boxed(),
        "exdates" => prop::collection::vec(
            prop::sample::select(vec!["2024-01-01", "2024-02-29", "2025-02-29", "x"]),
            0..4,
        )
        .prop_map(|v| json!(v))
        .boxed(),
        "anchor" => {
            prop::sample::select(vec!["schedule", "completion", "none"]).prop_map(|s| json!(s)).boxed()
        }
        _ => prop::sample::select(vec!["all", "latest", "some"]).prop_map(|s| json!(s)).boxed(),
    };
    prop_oneof![6 => good, 1 => any_json()].boxed()
}

/// Objects made of the real keys with random values (plus, rarely, a stray key).
fn pattern_like() -> impl Strategy<Value = Value> {
    let entries: Vec<BoxedStrategy<Option<(String, Value)>>> = KEYS
        .iter()
        .map(|&k| {
            let weight = if k == "frequency" { 0.95 } else { 0.3 };
            prop::option::weighted(weight, value_for(k).prop_map(move |v| (k.to_string(), v))).boxed()
        })
        .collect();
    (entries, prop::option::weighted(0.05, ("[a-zA-Z]{1,12}", leaf()))).prop_map(|(entries, stray)| {
        let mut map: Map<String, Value> = entries.into_iter().flatten().collect();
        if let Some((k, v)) = stray {
            map.insert(k, v);
        }
        Value::Object(map)
    })
}

/// Checks what must hold for any input; returns the pattern when it is valid.
fn check_any(value: &Value) -> Option<Pattern> {
    let problems = Pattern::problems(value);
    let parsed = Pattern::from_json(value);
    match &parsed {
        Ok(_) => assert!(problems.is_empty(), "valid but problems {problems:?}"),
        Err(RecurrenceError::InvalidPattern(listed)) => {
            assert!(!problems.is_empty());
            assert_eq!(listed, &problems);
            let error = parsed.as_ref().unwrap_err();
            assert_eq!(error.to_string(), problems[0].to_string());
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
    assert!(problems.len() <= 101, "{} problems", problems.len());
    for p in &problems {
        assert!(!p.message.is_empty());
        assert!(p.message.chars().count() < 300, "long message {}", p.message);
        assert!(!p.message.contains('\n') && !p.path.contains('\n'));
        let known = KEYS.iter().any(|k| {
            p.path == *k || p.path.starts_with(&format!("{k}[")) || p.path.starts_with(&format!("{k}."))
        });
        let unknown_key = match value {
            // An unknown key is reported under its own name (JSON-quoted unless plain).
            Value::Object(map) => map.keys().any(|k| {
                !KEYS.contains(&k.as_str())
                    && (p.path == *k || (p.path.starts_with('"') && p.message.starts_with("unknown key")))
            }),
            _ => false,
        };
        assert!(known || p.path == "pattern" || unknown_key, "path {:?} in {p}", p.path);
    }
    parsed.ok()
}

/// Ascending occurrences, strictly after `after` for next_after, from a bounded search.
fn check_schedule(p: Pattern, start_days: i64, after_days: i64) {
    let dtstart =
        local(Tz::UTC, 2000, 1, 1, 9, 30) + Duration::days(start_days) + Duration::minutes(start_days % 1440);
    let after = dtstart + Duration::days(after_days);
    let s = Schedule::new(std::sync::Arc::new(p), dtstart).unwrap();
    if let Some(next) = s.next_after(after) {
        assert!(next > after && next >= dtstart);
    }
    let from = after - Duration::days(30);
    let got: Vec<DateTime<Utc>> = s.occurrences_from(from).take(100).map(|o| o.at).collect();
    assert!(got.windows(2).all(|w| w[0] < w[1]), "not ascending");
    assert!(got.iter().all(|&t| t >= from && t >= dtstart));
    // next_after agrees with the iterator.
    let next = got.iter().copied().find(|&t| t > after);
    if got.len() < 100 || next.is_some() {
        assert_eq!(s.next_after(after), next);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_json_value_gives_a_pattern_or_problems_naming_the_key(v in any_json()) {
        if let Some(p) = check_any(&v) {
            check_schedule(p, 0, 10);
        }
    }

    #[test]
    fn objects_of_real_keys_never_panic_and_valid_ones_are_bounded(
        v in pattern_like(),
        start_days in -30_000i64..40_000,
        after_days in -1000i64..20_000,
    ) {
        if let Some(p) = check_any(&v) {
            check_schedule(p, start_days, after_days);
        }
    }
}

/// Drops a deeply nested value without recursion (serde_json's drop recurses).
fn drop_deep(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// `leaf` inside `depth` arrays or objects, built without recursion (`json!` would
/// serialise an interpolated value recursively).
fn nested(depth: usize, leaf: Value, in_object: bool) -> Value {
    let mut v = leaf;
    for _ in 0..depth {
        v = if in_object { object([("nth", v)]) } else { Value::Array(vec![v]) };
    }
    v
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

#[test]
fn deep_nesting_is_handled() {
    for depth in [2_000, 10_000, 100_000] {
        let keys = if depth > 10_000 { &KEYS[..3] } else { &KEYS[..] };
        for &key in keys {
            for in_object in [false, true] {
                let deep = nested(depth, json!(1), in_object);
                let mut map = Map::new();
                map.insert("frequency".into(), json!("monthly"));
                map.insert(key.to_string(), deep);
                let v = Value::Object(map);
                assert!(check_any(&v).is_none(), "{key} at depth {depth}");
                let problems = Pattern::problems(&v);
                assert!(problems.iter().any(|p| p.path.starts_with(key)), "{key}: {problems:?}");
                drop_deep(v);
            }
        }
        // The whole pattern, and an nthWeekdays entry, deeply nested.
        let v = nested(depth, json!({"frequency": "daily"}), false);
        assert_eq!(Pattern::problems(&v)[0].path, "pattern");
        drop_deep(v);
        let entry = object([("day", nested(depth, json!(1), true)), ("nth", json!(1))]);
        let v = object([("frequency", json!("monthly")), ("nthWeekdays", Value::Array(vec![entry]))]);
        assert_eq!(Pattern::problems(&v)[0].path, "nthWeekdays[0].day");
        drop_deep(v);
    }
}

#[test]
fn huge_arrays_are_handled_quickly() {
    let started = Instant::now();
    let n = 100_000;
    // Every element wrong: at most 100 problems listed, then a summary line.
    for (key, element) in [
        ("daysOfWeek", json!(9)),
        ("daysOfWeek", json!(1)),
        ("nthWeekdays", json!({"day": 0, "nth": 0})),
        ("dayOfMonth", json!(0)),
        ("monthOfYear", json!("x")),
        ("setPos", json!(1000)),
        ("exdates", json!("2024-02-30")),
    ] {
        let v = json!({"frequency": "monthly", key: vec![element; n]});
        let problems = Pattern::problems(&v);
        assert_eq!(problems.len(), 101, "{key}");
        assert!(problems[0].path.starts_with(&format!("{key}[")), "{key}: {}", problems[0]);
        assert_eq!(problems[100].path, "pattern");
        assert!(problems[100].message.contains("more problems not listed"), "{}", problems[100]);
        assert!(check_any(&v).is_none());
    }
    // Valid huge arrays: repeats dropped, and the schedule still answers.
    let exdates: Vec<String> = (0..n as i64)
        .map(|k| (chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Duration::days(2 * k)).to_string())
        .collect();
    let v = json!({"frequency": "daily", "exdates": exdates, "dayOfMonth": vec![-1; n], "monthOfYear": vec![2; n], "setPos": vec![1; n]});
    let p = pattern(v);
    assert_eq!((p.exdates.len(), p.day_of_month.len(), p.month_of_year.len(), p.set_pos.len()), (n, 1, 1, 1));
    let s = Schedule::new(p, local(Tz::UTC, 2000, 1, 1, 9, 0)).unwrap();
    assert!(s.next_after(local(Tz::UTC, 2100, 1, 1, 0, 0)).is_some());
    // Many unknown keys.
    let mut map: Map<String, Value> = (0..n).map(|k| (format!("k{k}"), json!(k))).collect();
    map.insert("frequency".into(), json!("daily"));
    let problems = Pattern::problems(&Value::Object(map));
    assert_eq!(problems.len(), 101);
    // A huge string and a huge number are quoted shortened.
    let v = json!({"frequency": "x".repeat(1_000_000), "count": number(&"9".repeat(100_000))});
    let problems = Pattern::problems(&v);
    assert_eq!(problems.len(), 2);
    assert!(problems.iter().all(|p| p.to_string().chars().count() < 200), "{problems:?}");
    assert!(started.elapsed().as_secs() < 60, "sanity bound");
}

/// The problems of a pattern, as `path: message` lines.
fn problems(v: Value) -> Vec<String> {
    Pattern::problems(&v).iter().map(ToString::to_string).collect()
}

/// Asserts that the pattern is rejected and its first problem is under `path`.
#[track_caller]
fn rejected_at(v: Value, path: &str) {
    let found = problems(v.clone());
    assert!(found.first().is_some_and(|p| p.starts_with(&format!("{path}:"))), "{v} -> {found:?}");
    assert!(Pattern::from_json(&v).unwrap_err().to_string().starts_with(path));
}

#[test]
fn impossible_and_malformed_rules_name_the_key() {
    rejected_at(json!({"frequency": "yearly", "monthOfYear": 2, "dayOfMonth": 30}), "dayOfMonth");
    rejected_at(json!({"frequency": "yearly", "monthOfYear": 2, "dayOfMonth": -30}), "dayOfMonth");
    rejected_at(
        json!({"frequency": "monthly", "monthOfYear": [4, 6, 9, 11], "dayOfMonth": 31}),
        "dayOfMonth",
    );
    rejected_at(json!({"frequency": "daily", "monthOfYear": 2, "dayOfMonth": [30, 31]}), "dayOfMonth");
    rejected_at(
        json!({"frequency": "yearly", "monthOfYear": 2, "nthWeekdays": [{"day": 1, "nth": 6}]}),
        "nthWeekdays",
    );
    rejected_at(json!({"frequency": "monthly", "nthWeekdays": [{"day": 1, "nth": 6}]}), "nthWeekdays[0].nth");
    rejected_at(json!({"frequency": "monthly", "nthWeekdays": [{"day": 1, "nth": 0}]}), "nthWeekdays[0].nth");
    rejected_at(json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": 54}]}), "nthWeekdays[0].nth");
    rejected_at(json!({"frequency": "daily", "daysOfWeek": [1], "setPos": 10}), "setPos");
    rejected_at(json!({"frequency": "weekly", "daysOfWeek": [1], "setPos": [8, -8]}), "setPos");
    rejected_at(json!({"frequency": "monthly", "daysOfWeek": [1], "setPos": 32}), "setPos");
    rejected_at(json!({"frequency": "monthly", "setPos": 1}), "setPos");
    rejected_at(json!({"frequency": "monthly", "daysOfWeek": [1], "setPos": 0}), "setPos");
    rejected_at(json!({"frequency": "daily", "nthWeekdays": [{"day": 5, "nth": -1}]}), "nthWeekdays");
    rejected_at(json!({"frequency": "weekly", "dayOfMonth": 1}), "dayOfMonth");
    rejected_at(json!({"frequency": "weekly", "monthDayOverflow": "clamp"}), "monthDayOverflow");
    rejected_at(json!({"frequency": "daily", "count": 3, "until": "2030-01-01"}), "until");
    rejected_at(json!({"frequency": "daily", "dayOfMonth": 0}), "dayOfMonth");
    rejected_at(json!({"frequency": "daily", "dayOfMonth": []}), "dayOfMonth");
    rejected_at(json!({"frequency": "daily", "daysOfWeek": [1, 8]}), "daysOfWeek[1]");
    rejected_at(json!({"frequency": "daily", "daysOfWeek": [1, 1]}), "daysOfWeek[1]");
    rejected_at(json!({"frequency": "daily", "daysOfWeek": 1}), "daysOfWeek");
    rejected_at(json!({"frequency": "daily", "interval": 0}), "interval");
    rejected_at(json!({"frequency": "daily", "interval": 1000}), "interval");
    rejected_at(json!({"frequency": "daily", "interval": 1.5}), "interval");
    rejected_at(json!({"frequency": "daily", "interval": "2"}), "interval");
    rejected_at(json!({"frequency": "daily", "count": number("1e400")}), "count");
    rejected_at(json!({"frequency": "daily", "count": 100_001}), "count");
    rejected_at(json!({"frequency": "daily", "count": -1}), "count");
    rejected_at(json!({"frequency": "daily", "timezone": "Mars/Olympus"}), "timezone");
    rejected_at(json!({"frequency": "daily", "timezone": 1}), "timezone");
    rejected_at(json!({"frequency": "daily", "until": "2024-02-30"}), "until");
    rejected_at(json!({"frequency": "daily", "exdates": ["2023-02-29"]}), "exdates[0]");
    rejected_at(json!({"frequency": "daily", "exdates": "2024-01-01"}), "exdates");
    rejected_at(json!({"frequency": "daily", "weekStart": 0}), "weekStart");
    rejected_at(json!({"frequency": "daily", "anchor": "now"}), "anchor");
    rejected_at(json!({"frequency": "daily", "catchUp": true}), "catchUp");
    rejected_at(json!({"frequency": "hourly"}), "frequency");
    rejected_at(json!({"interval": 2}), "frequency");
    rejected_at(json!({"frequency": "daily", "frequncy": "daily"}), "frequncy");
    rejected_at(json!([1, 2]), "pattern");
    rejected_at(json!(null), "pattern");
    rejected_at(
        json!({"frequency": "monthly", "nthWeekdays": [{"day": 1, "nth": 1, "week": 2}]}),
        "nthWeekdays[0].week",
    );
    rejected_at(json!({"frequency": "monthly", "nthWeekdays": [5]}), "nthWeekdays[0]");
    assert!(problems(json!({"frequency": "daily", "frequncy": 1}))[0].contains("did you mean \"frequency\""));
    // Accepted edge values.
    for v in [
        json!({"frequency": "daily", "interval": 3.0, "count": number("1e2")}),
        json!({"frequency": "monthly", "dayOfMonth": 31, "monthOfYear": [2, 4], "monthDayOverflow": "clamp"}),
        json!({"frequency": "yearly", "monthOfYear": 2, "dayOfMonth": 29}),
        json!({"frequency": "monthly", "monthOfYear": 2, "nthWeekdays": [{"day": 1, "nth": 5}]}),
        json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": -53}], "setPos": 366}),
    ] {
        assert!(problems(v.clone()).is_empty(), "{v}: {:?}", problems(v.clone()));
    }
}

/// Runs `f` and checks it ended within a generous sanity bound (no test should hang).
fn bounded<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = f();
    assert!(started.elapsed().as_secs() < 2, "{what} took {:?}", started.elapsed());
    result
}

#[test]
fn rules_that_never_match_from_their_start_end_instead_of_looping() {
    let start = |y, m, d| local(Tz::UTC, y, m, d, 9, 0);
    let never = [
        // Every 12 months from March: always March, never February.
        (json!({"frequency": "monthly", "interval": 12, "monthOfYear": [2]}), start(2024, 3, 1)),
        // February 31st implied by a yearly dayOfMonth and a February start.
        (json!({"frequency": "yearly", "dayOfMonth": 31}), start(2024, 2, 1)),
        // Every 7 days from a Monday, on Tuesdays only.
        (json!({"frequency": "daily", "interval": 7, "daysOfWeek": [2]}), start(2024, 1, 1)),
        // Every 14 days from a Monday, on Sundays only.
        (json!({"frequency": "daily", "interval": 14, "daysOfWeek": [7]}), start(2024, 1, 1)),
        // A sixth Monday.
        (json!({"frequency": "monthly", "daysOfWeek": [1], "setPos": 6}), start(2024, 1, 1)),
        // Feb 29 every 4 years from a common year.
        (
            json!({"frequency": "yearly", "interval": 4, "monthOfYear": 2, "dayOfMonth": 29}),
            start(2023, 1, 1),
        ),
    ];
    for (v, dtstart) in never {
        let p = pattern(v.clone());
        let s = Schedule::new(p, dtstart).unwrap();
        assert_eq!(bounded(&v.to_string(), || s.next_after(dtstart)), None, "{v}");
        assert_eq!(bounded(&v.to_string(), || s.occurrences_from(dtstart).count()), 0, "{v}");
        let late = local(Tz::UTC, 9000, 1, 1, 0, 0);
        assert_eq!(bounded(&v.to_string(), || s.next_after(late)), None, "{v}");
    }
}

#[test]
fn far_apart_occurrences_are_found() {
    let start = |y, m, d| local(Tz::UTC, y, m, d, 9, 0);
    // Feb 29 every 100 years from 2000: 2100, 2200, 2300 are common years.
    let s =
        Schedule::new(pattern(json!({"frequency": "yearly", "interval": 100})), start(2000, 2, 29)).unwrap();
    assert_eq!(bounded("leap centuries", || s.next_after(start(2000, 2, 29))), Some(start(2400, 2, 29)));
    // The 53rd Thursday of the year, every 11 years from 2020.
    let p = pattern(json!({"frequency": "yearly", "interval": 11, "nthWeekdays": [{"day": 4, "nth": 53}]}));
    let s = Schedule::new(p, start(2020, 1, 1)).unwrap();
    // 2031, 2042, ... 2196 have 52 Thursdays; the next with 53 is 2207.
    let got: Vec<_> = bounded("53rd Thursday", || {
        s.occurrences_from(start(2020, 1, 1)).take(3).map(|o| o.local_date.to_string()).collect()
    });
    assert_eq!(got, ["2020-12-31", "2207-12-31", "2218-12-31"]);
    // A count of 100000 from far back, asked about the far future: counted, bounded.
    let p = pattern(json!({"frequency": "daily", "count": 100_000}));
    let s = Schedule::new(p, start(1900, 1, 1)).unwrap();
    let last = start(1900, 1, 1) + Duration::days(99_999);
    assert_eq!(bounded("count far", || s.next_after(last - Duration::days(1))), Some(last));
    assert_eq!(bounded("count ended", || s.next_after(start(2300, 1, 1))), None);
}

#[test]
fn json_text_that_is_not_a_pattern_is_one_problem_at_pattern() {
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    for (text, reason) in [
        (deep.as_str(), "pattern: nested too deeply to be a recurrence pattern"),
        ("{\"frequency\":", "pattern: not readable as JSON"),
    ] {
        match Pattern::from_json_text(text) {
            Err(RecurrenceError::InvalidPattern(problems)) => {
                assert_eq!(problems.len(), 1);
                assert!(problems[0].to_string().starts_with(reason), "{}", problems[0]);
            }
            other => panic!("expected a problem, got {other:?}"),
        }
    }
    assert!(Pattern::from_json_text("{\"frequency\":\"daily\"}").is_ok());
}

#[test]
fn dates_are_read_in_exactly_one_form() {
    use crate::calendar::parse_date;
    assert_eq!(parse_date("2024-02-29"), chrono::NaiveDate::from_ymd_opt(2024, 2, 29));
    assert_eq!(parse_date("0001-01-01"), chrono::NaiveDate::from_ymd_opt(1, 1, 1));
    for bad in [
        "2023-02-29",
        "2024-2-29",
        "2024-02-29T00:00",
        "+024-02-29",
        "2024/02/29",
        "２０２４-02-29",
        "",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-01-32",
        "20x4-01-01",
        "2024-01-0 ",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}
