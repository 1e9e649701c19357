//! The worst cases of one `next_after` call: valid patterns whose series needs the most
//! calendar to be looked at, asked for the next occurrence far past the series' end (or
//! far in the future without an end). Run with `cargo bench -p synapse_recurrence` (part
//! of `make bench`); it prints the slowest call of each pattern and of all of them, against
//! the budget of 10 ms per call and a baseline (a weekly Mon/Wed/Fri pattern started a
//! year before), both measured here in the same run. A benchmark, not a test: nothing
//! fails on a slow machine.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse_recurrence::{Pattern, Schedule};

/// Timed calls per pattern; the slowest one is reported.
const RUNS: usize = 15;

fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).single().expect("valid date")
}

/// The slowest and the median of `RUNS` calls (after one warm-up), each reading nothing:
/// the pattern is read once, as the extension's cache does for a column of patterns.
fn measure(
    pattern: &Value,
    dtstart: DateTime<Utc>,
    after: DateTime<Utc>,
) -> (Duration, Duration, Option<DateTime<Utc>>) {
    let pattern = Arc::new(Pattern::from_json(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")));
    let call = || Schedule::new(Arc::clone(&pattern), dtstart).expect("dtstart in range").next_after(after);
    let answer = black_box(call());
    let mut samples: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            black_box(call());
            started.elapsed()
        })
        .collect();
    samples.sort_unstable();
    (samples[RUNS - 1], samples[RUNS / 2], answer)
}

fn main() {
    let start = utc(2026, 1, 5);
    // PostgreSQL's last timestamptz year is 294276: "far past every series' end".
    let far = utc(200_000, 1, 1);
    let soon = utc(2027, 1, 5);
    let cases: Vec<(&str, Value, DateTime<Utc>)> = vec![
        (
            "daily Feb 29 on Mondays, count 100000",
            json!({"frequency": "daily", "monthOfYear": 2, "dayOfMonth": 29, "daysOfWeek": [1], "count": 100000}),
            far,
        ),
        (
            "daily Jan 31 on Mondays, count 100000, Berlin",
            json!({"frequency": "daily", "monthOfYear": 1, "dayOfMonth": 31, "daysOfWeek": [1], "count": 100000, "timezone": "Europe/Berlin"}),
            far,
        ),
        (
            "daily interval 2, Feb 29 on Mondays, count 100000",
            json!({"frequency": "daily", "interval": 2, "monthOfYear": 2, "dayOfMonth": 29, "daysOfWeek": [1], "count": 100000}),
            far,
        ),
        (
            "daily interval 37, Feb 29, count 100000",
            json!({"frequency": "daily", "interval": 37, "monthOfYear": 2, "dayOfMonth": 29, "count": 100000}),
            far,
        ),
        (
            "daily interval 211, Feb 29, count 100000",
            json!({"frequency": "daily", "interval": 211, "monthOfYear": 2, "dayOfMonth": 29, "count": 100000}),
            far,
        ),
        (
            "weekly Mondays in February, count 100000",
            json!({"frequency": "weekly", "monthOfYear": 2, "daysOfWeek": [1], "count": 100000}),
            far,
        ),
        (
            "weekly interval 3, setPos 7 in February, count 100000",
            json!({"frequency": "weekly", "interval": 3, "monthOfYear": 2, "daysOfWeek": [1, 2, 3, 4, 5, 6, 7], "setPos": 7, "count": 100000}),
            far,
        ),
        (
            "monthly Friday 13th in February, count 100000",
            json!({"frequency": "monthly", "monthOfYear": 2, "dayOfMonth": 13, "daysOfWeek": [5], "count": 100000}),
            far,
        ),
        (
            "monthly clamp -31 and 31 on Sundays, count 100000",
            json!({"frequency": "monthly", "dayOfMonth": [-31, 31], "daysOfWeek": [7], "monthDayOverflow": "clamp", "count": 100000}),
            far,
        ),
        (
            "yearly Feb 29 on Mondays, count 100000",
            json!({"frequency": "yearly", "monthOfYear": 2, "dayOfMonth": 29, "daysOfWeek": [1], "count": 100000}),
            far,
        ),
        (
            "yearly 53rd Monday, setPos -1, count 100000",
            json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": 53}], "daysOfWeek": [1], "setPos": -1, "count": 100000}),
            far,
        ),
        (
            "yearly every day of the year, setPos 366, count 100000",
            json!({"frequency": "yearly", "daysOfWeek": [1, 2, 3, 4, 5, 6, 7], "setPos": 366, "count": 100000}),
            far,
        ),
        (
            "yearly interval 7, every day of 12 months, setPos -1, count 100000",
            json!({"frequency": "yearly", "interval": 7, "monthOfYear": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "daysOfWeek": [1, 2, 3, 4, 5, 6, 7], "setPos": -1, "count": 100000}),
            far,
        ),
        (
            "weekly interval 2, every day in February, setPos 1, count 100000",
            json!({"frequency": "weekly", "interval": 2, "monthOfYear": 2, "daysOfWeek": [1, 2, 3, 4, 5, 6, 7], "setPos": 1, "count": 100000}),
            far,
        ),
        (
            "monthly interval 7, five nth weekdays, setPos 2, count 100000",
            json!({"frequency": "monthly", "interval": 7, "nthWeekdays": [{"day": 1, "nth": 1}, {"day": 2, "nth": -1}, {"day": 3, "nth": 2}, {"day": 5, "nth": -2}, {"day": 7, "nth": 5}], "setPos": 2, "count": 100000}),
            far,
        ),
        (
            "daily interval 7, never on the start's weekday",
            json!({"frequency": "daily", "interval": 7, "daysOfWeek": [2]}),
            soon,
        ),
        (
            "daily Feb 29 on Mondays, no end, far after",
            json!({"frequency": "daily", "monthOfYear": 2, "dayOfMonth": 29, "daysOfWeek": [1]}),
            far,
        ),
        ("daily every day, count 100000", json!({"frequency": "daily", "count": 100000}), far),
    ];
    let (baseline, _, _) = measure(&json!({"frequency": "weekly", "daysOfWeek": [1, 3, 5]}), start, soon);
    println!("{:<68} {:>10} {:>10}  next", "pattern (dtstart 2026-01-05 09:00 UTC)", "max ms", "median ms");
    let mut worst = Duration::ZERO;
    for (label, pattern, after) in &cases {
        let (max, median, answer) = measure(pattern, start, *after);
        worst = worst.max(max);
        let answer = answer.map_or("NULL".to_string(), |a| a.format("%Y-%m-%d").to_string());
        println!("{label:<68} {:>10.3} {:>10.3}  {answer}", ms(max), ms(median));
    }
    println!(
        "slowest call: {:.3} ms (budget 10 ms); baseline weekly Mon/Wed/Fri: {:.4} ms, ratio {:.0}x",
        ms(worst),
        ms(baseline),
        worst.as_secs_f64() / baseline.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
