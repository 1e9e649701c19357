//! The engine's share of `benches/expansion.sql`: the same 10,000 series of daily `count`
//! 365 (3,650,000 occurrences) expanded through `query::occurrences_in_window`, the path
//! `recurrence_occurrences` takes, each occurrence turned into PostgreSQL's microseconds as
//! the SQL boundary does. Floor: the same number of microsecond values counted up by a
//! plain loop, the least any producer pays. Run with `cargo bench -p synapse_recurrence
//! --bench expansion`; it prints the median and the fastest of 9 runs (after a warm-up) for all four zones
//! mixed, as the SQL benchmark has them, and for each zone alone. A benchmark, not a test.

use chrono::{DateTime, Duration as Days, TimeZone, Utc};
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse_recurrence::query::{occurrences_in_window, Moment};
use synapse_recurrence::Pattern;

const SERIES: i64 = 10_000;
const COUNT: i64 = 365;
const RUNS: usize = 9;
const ZONES: [&str; 4] = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"];
/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01), as src/sql/recurrence.rs.
const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;

/// Series `i`'s start, as benches/expansion.sql makes it.
fn dtstart(i: i64) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single().expect("valid");
    base + Days::days(i % 97) + Days::seconds(i)
}

/// Every series whose zone is among `zones` expanded; the occurrences and their sum.
fn expand(patterns: &[Arc<Pattern>; 4], zones: &[usize]) -> (u64, i64) {
    let (mut rows, mut sum) = (0u64, 0i64);
    for i in 1..=SERIES {
        let zone = (i % 4) as usize;
        if !zones.contains(&zone) {
            continue;
        }
        let occurrences =
            occurrences_in_window(Arc::clone(&patterns[zone]), Moment::At(dtstart(i)), None, None, 1000)
                .expect("valid series");
        for at in occurrences {
            rows += 1;
            sum = sum.wrapping_add(at.timestamp_micros() - PG_EPOCH_OFFSET_MICROS);
        }
    }
    (rows, black_box(sum))
}

/// The floor: as many microsecond values, one day apart per series, from a plain loop.
fn count_up(rows_per_series: &[i64]) -> (u64, i64) {
    let (mut rows, mut sum) = (0u64, 0i64);
    for (i, &n) in (1..=SERIES).zip(rows_per_series) {
        let start = dtstart(i).timestamp_micros() - PG_EPOCH_OFFSET_MICROS;
        for k in 0..n {
            rows += 1;
            sum = sum.wrapping_add(black_box(start + k * 86_400_000_000));
        }
    }
    (rows, black_box(sum))
}

/// The wall-clock time `run` takes.
fn time_of(run: &mut impl FnMut() -> (u64, i64)) -> Duration {
    let started = Instant::now();
    black_box(run());
    started.elapsed()
}

/// The median and the fastest of `RUNS` runs after a warm-up, and the rows of one run.
fn timed(mut run: impl FnMut() -> (u64, i64)) -> (Duration, Duration, u64) {
    let (rows, _) = run();
    let mut samples: Vec<Duration> = (0..RUNS).map(|_| time_of(&mut run)).collect();
    samples.sort_unstable();
    (samples[RUNS / 2], samples[0], rows)
}

fn ns_per_row(took: Duration, rows: u64) -> f64 {
    took.as_secs_f64() * 1e9 / rows as f64
}

fn main() {
    let patterns = ZONES.map(|zone| {
        Arc::new(
            Pattern::from_json(&json!({"frequency": "daily", "count": COUNT, "timezone": zone}))
                .expect("valid pattern"),
        )
    });
    let all_rows = vec![COUNT; SERIES as usize];
    let (floor, floor_best, floor_rows) = timed(|| count_up(&all_rows));
    let floor_ns = ns_per_row(floor, floor_rows);
    println!("wall-clock time, median and fastest of {RUNS} runs");
    println!(
        "{:<40} {:>9} {:>9} {:>11} {:>8}",
        "daily count 365, 10,000 series", "ms", "ns/row", "best ns/row", "x floor"
    );
    let report = |label: &str, zones: &[usize]| {
        let (took, best, rows) = timed(|| expand(&patterns, zones));
        let ns = ns_per_row(took, rows);
        println!(
            "{label:<40} {:>9.1} {ns:>9.1} {:>11.1} {:>8.1}",
            took.as_secs_f64() * 1e3,
            ns_per_row(best, rows),
            ns / floor_ns
        );
    };
    report("all four zones", &[0, 1, 2, 3]);
    for (zone, name) in ZONES.iter().enumerate() {
        report(name, &[zone]);
    }
    println!(
        "{:<40} {:>9.1} {floor_ns:>9.1} {:>11.1}",
        "floor: a plain loop, 3,650,000 values",
        floor.as_secs_f64() * 1e3,
        ns_per_row(floor_best, floor_rows)
    );
}
