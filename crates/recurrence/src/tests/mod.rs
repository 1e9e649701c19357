//! Tests of the recurrence core (pure Rust, plain `cargo test -p synapse_recurrence`).
//!
//! - `rfc5545`: the RRULE examples of RFC 5545 section 3.8.5.3 that the shape can express
//! - `dst`: wall-clock time across DST gaps and overlaps, `until` dates, `exdates`
//! - `calendar`: leap years, month ends, clamp, last weekdays, setPos, count, skip-ahead
//! - `cycles`: counting `count` by whole 400-year cycles against walking every period
//! - `oracle`: randomized comparison against the independent `rrule` crate
//! - `rrule_text`: RFC 5545 text both ways, errors, round trips, random texts
//! - `fuzz`: arbitrary JSON never panics, problems name the key, every search is bounded

mod calendar;
mod cycles;
mod dst;
mod fuzz;
mod oracle;
mod rfc5545;
mod rrule_text;

use super::{Pattern, Schedule};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use std::sync::Arc;

/// A valid pattern, or a test failure listing its problems.
pub(crate) fn pattern(value: Value) -> Arc<Pattern> {
    match Pattern::from_json(&value) {
        Ok(p) => Arc::new(p),
        Err(_) => panic!("pattern {value} should be valid: {:?}", Pattern::problems(&value)),
    }
}

/// The instant of an unambiguous local wall-clock time (independent of the engine's own
/// conversion, so it can check it).
pub(crate) fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, m, d, h, mi, 0)
        .single()
        .unwrap_or_else(|| panic!("{y}-{m}-{d} {h}:{mi} is not a unique local time in {tz}"))
        .with_timezone(&Utc)
}

/// A schedule for a pattern starting at a local time in the pattern's zone.
pub(crate) fn schedule(value: Value, y: i32, m: u32, d: u32, h: u32, mi: u32) -> Schedule {
    let p = pattern(value);
    let start = local(p.timezone, y, m, d, h, mi);
    Schedule::new(p, start).expect("dtstart in range")
}

/// The first `n` occurrences (all, when fewer), as instants.
pub(crate) fn first(s: &Schedule, n: usize) -> Vec<DateTime<Utc>> {
    s.occurrences_from(DateTime::<Utc>::MIN_UTC).take(n).map(|o| o.at).collect()
}

/// Instants as local text with offset, e.g. `1997-09-02 09:00 -04:00`, for readable diffs.
pub(crate) fn show(tz: Tz, instants: &[DateTime<Utc>]) -> Vec<String> {
    instants.iter().map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %:z").to_string()).collect()
}

/// Expected occurrences at `h:mi` local in `tz` on the given days, grouped as
/// `(year, month, &[days])` like the RFC prints them.
pub(crate) fn at_days(tz: Tz, h: u32, mi: u32, groups: &[(i32, u32, &[u32])]) -> Vec<DateTime<Utc>> {
    groups.iter().flat_map(|&(y, m, days)| days.iter().map(move |&d| local(tz, y, m, d, h, mi))).collect()
}

/// Days `a..=b` as a vector (for "September 2-30" style ranges).
pub(crate) fn range(a: u32, b: u32) -> Vec<u32> {
    (a..=b).collect()
}

/// Asserts occurrence lists equal, shown as local times for a readable failure.
#[track_caller]
pub(crate) fn assert_occurrences(tz: Tz, got: &[DateTime<Utc>], want: &[DateTime<Utc>]) {
    assert_eq!(show(tz, got), show(tz, want));
}

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The local wall-clock times of instants in `tz`.
pub(crate) fn local_times(tz: Tz, instants: &[DateTime<Utc>]) -> Vec<NaiveDateTime> {
    instants.iter().map(|t| t.with_timezone(&tz).naive_local()).collect()
}
