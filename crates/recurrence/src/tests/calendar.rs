//! The calendar: leap years, month ends (skip and clamp), negative days of the month, last
//! weekdays, `setPos` over whole periods, `count`/`until`/`exdates`, interval phases, and
//! skip-ahead giving the same answers as iterating from the series start.

use super::{assert_occurrences, at_days, date, first, local, pattern, schedule};
use crate::Schedule;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use std::sync::Arc;

const BERLIN: Tz = Tz::Europe__Berlin;

/// Local dates of the first `n` occurrences of `p` (in Europe/Berlin unless it says
/// otherwise) from 10:00 on `y-m-d`.
fn dates(mut p: Value, (y, m, d): (i32, u32, u32), n: usize) -> Vec<String> {
    if p.get("timezone").is_none() {
        p["timezone"] = json!("Europe/Berlin");
    }
    let s = schedule(p, y, m, d, 10, 0);
    s.occurrences_from(DateTime::<Utc>::MIN_UTC)
        .take(n)
        .map(|o| {
            assert_eq!(o.at.with_timezone(&s.pattern().timezone).date_naive(), o.local_date);
            o.local_date.format("%Y-%m-%d").to_string()
        })
        .collect()
}

#[test]
fn february_29_yearly_skip_gives_leap_years_only() {
    let got = dates(json!({"frequency": "yearly"}), (2024, 2, 29), 4);
    assert_eq!(got, ["2024-02-29", "2028-02-29", "2032-02-29", "2036-02-29"]);
    // 2100 is no leap year; 2000 was.
    let got = dates(json!({"frequency": "yearly"}), (2096, 2, 29), 3);
    assert_eq!(got, ["2096-02-29", "2104-02-29", "2108-02-29"]);
    let got = dates(json!({"frequency": "yearly"}), (1996, 2, 29), 3);
    assert_eq!(got, ["1996-02-29", "2000-02-29", "2004-02-29"]);
}

#[test]
fn february_29_yearly_clamp_gives_february_28_in_common_years() {
    let p = json!({"frequency": "yearly", "monthDayOverflow": "clamp"});
    let got = dates(p, (2024, 2, 29), 6);
    assert_eq!(got, ["2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29", "2029-02-28"]);
}

#[test]
fn yearly_day_of_month_takes_the_month_of_dtstart() {
    // Spec: yearly on the 29th starting 2024-02-29 gives Feb 29 of leap years only.
    let p = json!({"frequency": "yearly", "dayOfMonth": 29});
    assert_eq!(dates(p, (2024, 2, 29), 3), ["2024-02-29", "2028-02-29", "2032-02-29"]);
    let p = json!({"frequency": "yearly", "dayOfMonth": 29, "monthDayOverflow": "clamp"});
    assert_eq!(dates(p, (2024, 2, 29), 3), ["2024-02-29", "2025-02-28", "2026-02-28"]);
    // Several days, still only dtstart's month.
    let p = json!({"frequency": "yearly", "dayOfMonth": [1, -1]});
    assert_eq!(dates(p, (2024, 4, 1), 4), ["2024-04-01", "2024-04-30", "2025-04-01", "2025-04-30"]);
    // With monthOfYear, the months given.
    let p = json!({"frequency": "yearly", "dayOfMonth": 29, "monthOfYear": [1, 2, 3]});
    assert_eq!(
        dates(p, (2024, 1, 29), 6),
        ["2024-01-29", "2024-02-29", "2024-03-29", "2025-01-29", "2025-03-29", "2026-01-29"]
    );
}

#[test]
fn yearly_day_of_month_in_a_month_without_it_never_occurs_and_ends() {
    // Valid as a pattern (the 31st exists in some month), but from a February dtstart the
    // yearly rule means February 31st: nothing, found without looping.
    let p = json!({"frequency": "yearly", "dayOfMonth": 31});
    let started = std::time::Instant::now();
    assert!(dates(p, (2024, 2, 10), 1).is_empty());
    assert!(started.elapsed().as_secs() < 2);
}

#[test]
fn monthly_on_the_31st_skip_and_clamp() {
    let p = json!({"frequency": "monthly", "dayOfMonth": 31});
    let got = dates(p, (2024, 1, 31), 7);
    assert_eq!(
        got,
        ["2024-01-31", "2024-03-31", "2024-05-31", "2024-07-31", "2024-08-31", "2024-10-31", "2024-12-31"]
    );
    let p = json!({"frequency": "monthly", "dayOfMonth": 31, "monthDayOverflow": "clamp"});
    let got = dates(p, (2024, 1, 31), 6);
    assert_eq!(got, ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30"]);
    // Implied by dtstart, in a common year.
    let p = json!({"frequency": "monthly", "monthDayOverflow": "clamp"});
    let got = dates(p, (2023, 1, 31), 4);
    assert_eq!(got, ["2023-01-31", "2023-02-28", "2023-03-31", "2023-04-30"]);
    let p = json!({"frequency": "monthly"});
    assert_eq!(dates(p, (2023, 1, 31), 3), ["2023-01-31", "2023-03-31", "2023-05-31"]);
    // The 30th with clamp: only February moves.
    let p = json!({"frequency": "monthly", "dayOfMonth": 30, "monthDayOverflow": "clamp"});
    assert_eq!(dates(p, (2023, 1, 1), 3), ["2023-01-30", "2023-02-28", "2023-03-30"]);
}

#[test]
fn negative_day_of_month_counts_from_the_end() {
    let p = json!({"frequency": "monthly", "dayOfMonth": -1});
    assert_eq!(dates(p, (2024, 1, 1), 4), ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]);
    // Fifth-to-last day (the original design's "-5 = last Friday" was wrong).
    let p = json!({"frequency": "monthly", "dayOfMonth": -5});
    assert_eq!(dates(p, (2024, 1, 1), 4), ["2024-01-27", "2024-02-25", "2024-03-27", "2024-04-26"]);
    // -31 exists only in 31-day months when skipping.
    let p = json!({"frequency": "monthly", "dayOfMonth": -31});
    assert_eq!(dates(p, (2024, 1, 1), 3), ["2024-01-01", "2024-03-01", "2024-05-01"]);
}

#[test]
fn clamp_of_a_negative_day_moves_to_the_previous_months_last_day() {
    let p = json!({"frequency": "monthly", "dayOfMonth": -31, "monthDayOverflow": "clamp"});
    let got = dates(p, (2024, 1, 1), 6);
    assert_eq!(got, ["2024-01-01", "2024-01-31", "2024-03-01", "2024-03-31", "2024-05-01", "2024-05-31"]);
    // -31 and 31 in January and February: January 31 is produced twice, counted once.
    let p = json!({"frequency": "monthly", "dayOfMonth": [-31, 31], "monthOfYear": [1, 2], "monthDayOverflow": "clamp", "count": 4});
    let got = dates(p, (2024, 1, 1), 10);
    assert_eq!(got, ["2024-01-01", "2024-01-31", "2024-02-29", "2025-01-01"]);
    // Yearly in February only: -31 gives January 31.
    let p = json!({"frequency": "yearly", "monthOfYear": 2, "dayOfMonth": -31, "monthDayOverflow": "clamp"});
    assert_eq!(dates(p, (2024, 1, 1), 2), ["2024-01-31", "2025-01-31"]);
    // A moved-back date before dtstart is not an occurrence.
    let p = json!({"frequency": "monthly", "dayOfMonth": -31, "monthDayOverflow": "clamp"});
    assert_eq!(dates(p, (2024, 2, 1), 2), ["2024-03-01", "2024-03-31"]);
}

fn last_fridays_2024() -> Vec<String> {
    [
        "2024-01-26",
        "2024-02-23",
        "2024-03-29",
        "2024-04-26",
        "2024-05-31",
        "2024-06-28",
        "2024-07-26",
        "2024-08-30",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn last_friday_of_the_month_two_ways() {
    let p = json!({"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -1}]});
    assert_eq!(dates(p, (2024, 1, 1), 8), last_fridays_2024());
    let p = json!({"frequency": "monthly", "daysOfWeek": [5], "setPos": -1});
    assert_eq!(dates(p, (2024, 1, 1), 8), last_fridays_2024());
    // Many years: the two forms agree.
    let a = dates(json!({"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -1}]}), (1999, 5, 5), 600);
    let b = dates(json!({"frequency": "monthly", "daysOfWeek": [5], "setPos": -1}), (1999, 5, 5), 600);
    assert_eq!(a, b);
}

#[test]
fn last_workday_of_the_month() {
    let p = json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1});
    let got = dates(p, (2024, 1, 1), 12);
    assert_eq!(
        got,
        [
            "2024-01-31",
            "2024-02-29",
            "2024-03-29",
            "2024-04-30",
            "2024-05-31",
            "2024-06-28",
            "2024-07-31",
            "2024-08-30",
            "2024-09-30",
            "2024-10-31",
            "2024-11-29",
            "2024-12-31"
        ]
    );
    // First workday.
    let p = json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": 1});
    assert_eq!(dates(p, (2024, 6, 1), 3), ["2024-06-03", "2024-07-01", "2024-08-01"]);
}

#[test]
fn weekly_set_pos_picks_from_the_whole_week() {
    // Spec: weekly Monday to Friday, setPos 1, Wednesday dtstart: first the next Monday.
    let p = json!({"frequency": "weekly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": 1});
    assert_eq!(dates(p, (2024, 1, 3), 3), ["2024-01-08", "2024-01-15", "2024-01-22"]);
    // The last of the week is still ahead of a Wednesday dtstart.
    let p = json!({"frequency": "weekly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1});
    assert_eq!(dates(p, (2024, 1, 3), 2), ["2024-01-05", "2024-01-12"]);
    // The third of Mon..Fri is Wednesday itself.
    let p = json!({"frequency": "weekly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": 3});
    assert_eq!(dates(p, (2024, 1, 3), 2), ["2024-01-03", "2024-01-10"]);
    // Weeks from weekStart: with Sunday-start weeks, the first of Sat/Sun is Sunday.
    let p = json!({"frequency": "weekly", "daysOfWeek": [6, 7], "setPos": 1, "weekStart": 7});
    assert_eq!(dates(p, (2024, 1, 1), 2), ["2024-01-07", "2024-01-14"]);
    let p = json!({"frequency": "weekly", "daysOfWeek": [6, 7], "setPos": 1});
    assert_eq!(dates(p, (2024, 1, 1), 2), ["2024-01-06", "2024-01-13"]);
}

#[test]
fn set_pos_in_a_year_and_several_positions() {
    // Last weekday of the year.
    let p = json!({"frequency": "yearly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1});
    assert_eq!(dates(p, (2024, 1, 1), 3), ["2024-12-31", "2025-12-31", "2026-12-31"]);
    // First and last Monday of the month via setPos [1, -1].
    let p = json!({"frequency": "monthly", "daysOfWeek": [1], "setPos": [-1, 1]});
    assert_eq!(dates(p, (2024, 1, 1), 4), ["2024-01-01", "2024-01-29", "2024-02-05", "2024-02-26"]);
    // A position past the set's size matches nothing in that month.
    let p = json!({"frequency": "monthly", "daysOfWeek": [4], "setPos": 5});
    assert_eq!(dates(p, (2024, 1, 1), 4), ["2024-02-29", "2024-05-30", "2024-08-29", "2024-10-31"]);
}

#[test]
fn nth_weekday_within_the_year_and_within_the_month() {
    // Yearly without monthOfYear: nth within the year (RFC: the 20th Monday).
    let p = json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": -1}]});
    assert_eq!(dates(p, (2024, 1, 1), 2), ["2024-12-30", "2025-12-29"]);
    let p = json!({"frequency": "yearly", "nthWeekdays": [{"day": 4, "nth": 53}]});
    // 53 Thursdays: years starting on Thursday, or leap years starting on Wednesday.
    assert_eq!(dates(p, (2019, 1, 1), 3), ["2020-12-31", "2026-12-31", "2032-12-30"]);
    // Yearly with monthOfYear: nth within the month (Thanksgiving).
    let p = json!({"frequency": "yearly", "monthOfYear": 11, "nthWeekdays": [{"day": 4, "nth": 4}]});
    assert_eq!(dates(p, (2024, 1, 1), 3), ["2024-11-28", "2025-11-27", "2026-11-26"]);
    // Fifth Thursday of February: leap years whose February starts on Thursday.
    let p = json!({"frequency": "monthly", "monthOfYear": 2, "nthWeekdays": [{"day": 4, "nth": 5}]});
    assert_eq!(dates(p, (2000, 1, 1), 2), ["2024-02-29", "2052-02-29"]);
}

#[test]
fn count_with_exdates_still_counts_the_excluded() {
    let p = json!({"frequency": "daily", "count": 5, "exdates": ["2024-01-02", "2024-01-04"]});
    assert_eq!(dates(p, (2024, 1, 1), 10), ["2024-01-01", "2024-01-03", "2024-01-05"]);
    // An exdate on dtstart itself.
    let p = json!({"frequency": "weekly", "count": 3, "exdates": ["2024-01-01"]});
    assert_eq!(dates(p, (2024, 1, 1), 10), ["2024-01-08", "2024-01-15"]);
    // Exdates that match no occurrence change nothing.
    let p = json!({"frequency": "monthly", "count": 3, "exdates": ["2024-01-02", "2023-01-01"]});
    assert_eq!(dates(p, (2024, 1, 1), 10), ["2024-01-01", "2024-02-01", "2024-03-01"]);
}

#[test]
fn count_counts_from_the_first_match_not_from_dtstart() {
    // dtstart (a Wednesday) does not match Mondays; the 3 are the next three Mondays.
    let p = json!({"frequency": "weekly", "daysOfWeek": [1], "count": 3});
    assert_eq!(dates(p, (2024, 1, 3), 10), ["2024-01-08", "2024-01-15", "2024-01-22"]);
    let p = json!({"frequency": "monthly", "dayOfMonth": 15, "count": 2});
    assert_eq!(dates(p, (2024, 1, 20), 10), ["2024-02-15", "2024-03-15"]);
}

#[test]
fn until_is_inclusive() {
    let p = pattern(
        json!({"frequency": "daily", "until": "2024-01-03T10:00:00+01:00", "timezone": "Europe/Berlin"}),
    );
    let s = Schedule::new(p, local(BERLIN, 2024, 1, 1, 10, 0)).unwrap();
    assert_occurrences(BERLIN, &first(&s, 10), &at_days(BERLIN, 10, 0, &[(2024, 1, &[1, 2, 3])]));
    let p = json!({"frequency": "daily", "until": "2024-01-03"});
    assert_eq!(dates(p, (2024, 1, 1), 10), ["2024-01-01", "2024-01-02", "2024-01-03"]);
    // until equal to dtstart: that one occurrence.
    let p = json!({"frequency": "weekly", "until": "2024-01-01"});
    assert_eq!(dates(p, (2024, 1, 1), 10), ["2024-01-01"]);
}

#[test]
fn interval_phases_follow_dtstart() {
    let p = json!({"frequency": "monthly", "interval": 3});
    assert_eq!(dates(p, (2024, 2, 15), 4), ["2024-02-15", "2024-05-15", "2024-08-15", "2024-11-15"]);
    // Weekly every 3rd week, Mon and Thu, from a Thursday: the phase is the week of dtstart.
    let p = json!({"frequency": "weekly", "interval": 3, "daysOfWeek": [1, 4]});
    assert_eq!(
        dates(p, (2024, 1, 4), 5),
        ["2024-01-04", "2024-01-22", "2024-01-25", "2024-02-12", "2024-02-15"]
    );
    // Every 7 days is weekly.
    let a = dates(json!({"frequency": "daily", "interval": 7}), (2024, 1, 3), 100);
    let b = dates(json!({"frequency": "weekly"}), (2024, 1, 3), 100);
    assert_eq!(a, b);
    // Yearly every other year in March and September from September.
    let p = json!({"frequency": "yearly", "interval": 2, "monthOfYear": [3, 9]});
    assert_eq!(dates(p, (2024, 9, 10), 3), ["2024-09-10", "2026-03-10", "2026-09-10"]);
    // Monthly every 2nd month from January with monthOfYear limiting to even months:
    // active periods are odd months only, so nothing, and the search ends.
    let p = json!({"frequency": "monthly", "interval": 2, "monthOfYear": [2, 4, 6, 8, 10, 12]});
    assert!(dates(p, (2024, 1, 10), 1).is_empty());
    // Daily with filters.
    let p = json!({"frequency": "daily", "interval": 2, "daysOfWeek": [6, 7]});
    assert_eq!(dates(p, (2024, 1, 1), 4), ["2024-01-07", "2024-01-13", "2024-01-21", "2024-01-27"]);
}

#[test]
fn dtstart_is_an_occurrence_only_when_it_matches() {
    let p = json!({"frequency": "weekly", "daysOfWeek": [1]});
    assert_eq!(dates(p, (2024, 1, 3), 1), ["2024-01-08"]);
    let p = json!({"frequency": "monthly", "dayOfMonth": 15});
    assert_eq!(dates(p, (2024, 1, 20), 1), ["2024-02-15"]);
    let p = json!({"frequency": "yearly", "monthOfYear": 6});
    assert_eq!(dates(p, (2024, 1, 20), 2), ["2024-06-20", "2025-06-20"]);
    let p = json!({"frequency": "monthly", "dayOfMonth": 15});
    assert_eq!(dates(p, (2024, 1, 15), 1), ["2024-01-15"]);
    // The same day, but an earlier time of day: dtstart's time is the series' time, so
    // dtstart itself is the occurrence.
    let p = pattern(json!({"frequency": "daily", "timezone": "Europe/Berlin"}));
    let start = local(BERLIN, 2024, 1, 1, 10, 0) + Duration::seconds(1);
    let s = Schedule::new(p, start).unwrap();
    assert_eq!(first(&s, 1), [start]);
}

#[test]
fn next_after_is_strictly_after() {
    let s = schedule(json!({"frequency": "daily", "timezone": "Europe/Berlin"}), 2024, 1, 1, 10, 0);
    let t1 = local(BERLIN, 2024, 1, 1, 10, 0);
    let t2 = local(BERLIN, 2024, 1, 2, 10, 0);
    assert_eq!(s.next_after(t1 - Duration::nanoseconds(1)), Some(t1));
    assert_eq!(s.next_after(t1), Some(t2));
    assert_eq!(s.next_after(t2 - Duration::nanoseconds(1)), Some(t2));
    assert_eq!(s.next_after(DateTime::<Utc>::MIN_UTC), Some(t1));
    // occurrences_from is "at or after".
    assert_eq!(s.occurrences_from(t2).next().map(|o| o.at), Some(t2));
    // Ended series.
    let s = schedule(json!({"frequency": "daily", "count": 2}), 2024, 1, 1, 10, 0);
    assert_eq!(s.next_after(local(Tz::UTC, 2024, 1, 2, 10, 0)), None);
    // Far ends of time: no panic, an answer or None.
    assert_eq!(s.next_after(DateTime::<Utc>::MAX_UTC), None);
    let s = schedule(json!({"frequency": "yearly", "timezone": "Pacific/Kiritimati"}), 2024, 1, 1, 10, 0);
    assert_eq!(s.next_after(DateTime::<Utc>::MAX_UTC), None);
    assert!(s.next_after(DateTime::<Utc>::MIN_UTC).is_some());
}

#[test]
fn dtstart_at_the_ends_of_time_is_an_error_not_a_panic() {
    for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC", "Europe/Berlin"] {
        let p = pattern(json!({"frequency": "daily", "timezone": zone}));
        for t in [DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
            assert!(Schedule::new(p.clone(), t).is_err(), "{zone} {t}");
        }
        // The last supported years work and end without panicking.
        let late = local(Tz::UTC, 99_990, 1, 1, 0, 0);
        let s = Schedule::new(p.clone(), late).unwrap();
        assert!(s.next_after(late).is_some());
        assert_eq!(s.next_after(DateTime::<Utc>::MAX_UTC), None);
        let early = local(Tz::UTC, -99_990, 1, 1, 0, 0);
        let s = Schedule::new(p, early).unwrap();
        assert!(s.next_after(early).is_some());
    }
    // A yearly series whose last possible occurrence is in the last supported year.
    let p = pattern(json!({"frequency": "yearly", "timezone": "Pacific/Kiritimati"}));
    let s = Schedule::new(p, local(Tz::UTC, 99_990, 6, 1, 0, 0)).unwrap();
    let all: Vec<_> = s.occurrences_from(DateTime::<Utc>::MIN_UTC).collect();
    assert_eq!(all.len(), 11);
}

/// Patterns for the skip-ahead comparison, one per feature combination.
fn skip_ahead_patterns() -> Vec<Value> {
    vec![
        json!({"frequency": "daily"}),
        json!({"frequency": "daily", "interval": 3, "daysOfWeek": [1, 5]}),
        json!({"frequency": "daily", "dayOfMonth": [1, -1], "monthOfYear": [2, 3]}),
        json!({"frequency": "weekly", "interval": 2, "daysOfWeek": [2, 7], "weekStart": 7}),
        json!({"frequency": "weekly", "interval": 5, "daysOfWeek": [1, 2, 3, 4, 5], "setPos": [1, -1]}),
        json!({"frequency": "weekly", "monthOfYear": [1, 7]}),
        json!({"frequency": "monthly", "interval": 5}),
        json!({"frequency": "monthly", "dayOfMonth": 31, "monthDayOverflow": "clamp"}),
        json!({"frequency": "monthly", "interval": 2, "dayOfMonth": [-31, 30], "monthDayOverflow": "clamp"}),
        json!({"frequency": "monthly", "interval": 7, "dayOfMonth": -31, "monthDayOverflow": "clamp"}),
        json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1}),
        json!({"frequency": "monthly", "interval": 4, "nthWeekdays": [{"day": 5, "nth": -1}, {"day": 1, "nth": 2}]}),
        json!({"frequency": "monthly", "daysOfWeek": [5], "dayOfMonth": 13}),
        json!({"frequency": "yearly"}),
        json!({"frequency": "yearly", "interval": 3, "monthOfYear": [2], "dayOfMonth": [29, 30, 31], "monthDayOverflow": "clamp"}),
        json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": 20}, {"day": 3, "nth": -53}]}),
        json!({"frequency": "yearly", "interval": 2, "monthOfYear": [3, 10], "daysOfWeek": [7], "setPos": -1}),
        json!({"frequency": "yearly", "daysOfWeek": [1], "setPos": [1, 2, -1]}),
        json!({"frequency": "monthly", "dayOfMonth": [5, 20], "exdates": ["2030-03-05", "2041-07-20"]}),
        json!({"frequency": "weekly", "daysOfWeek": [3], "until": "2050-06-01"}),
        json!({"frequency": "monthly", "dayOfMonth": 10, "count": 300}),
        // `count` with dates counted without resolving their instants, clamped repeats
        // among them counted once.
        json!({"frequency": "daily", "count": 9000}),
        json!({"frequency": "weekly", "daysOfWeek": [1, 3, 5], "count": 2500, "exdates": ["2030-01-02"]}),
        json!({"frequency": "monthly", "dayOfMonth": [-31, 31], "monthDayOverflow": "clamp", "count": 500}),
    ]
}

#[test]
fn skip_ahead_gives_the_same_answers_as_iterating_from_the_start() {
    let horizon = local(Tz::UTC, 2062, 1, 1, 0, 0);
    for (i, mut p) in skip_ahead_patterns().into_iter().enumerate() {
        let zone = ["Europe/Berlin", "America/New_York", "Australia/Sydney"][i % 3];
        p["timezone"] = json!(zone);
        // Start on the 31st so implied days of the month are the hard case.
        let s = schedule(p.clone(), 2001, 1, 31, 2, 30);
        let all: Vec<DateTime<Utc>> =
            s.occurrences_from(DateTime::<Utc>::MIN_UTC).map(|o| o.at).take_while(|&t| t < horizon).collect();
        assert!(all.windows(2).all(|w| w[0] < w[1]), "{p}: not ascending");
        assert!(!all.is_empty(), "{p}: no occurrences");
        // Every 13 days plus a varying hour from 2000 to 2060, and each occurrence itself
        // and just before it.
        let mut probes: Vec<DateTime<Utc>> = (0..1700)
            .map(|k| local(Tz::UTC, 2000, 1, 1, 0, 0) + Duration::days(13 * k) + Duration::hours(k % 24))
            .collect();
        for &t in all.iter().step_by(7) {
            probes.extend([t, t - Duration::seconds(1)]);
        }
        for after in probes.into_iter().filter(|&t| t < horizon - Duration::days(800)) {
            let expected = all.get(all.partition_point(|&t| t <= after)).copied();
            assert_eq!(s.next_after(after), expected, "{p}: next_after({after})");
            let from: Vec<_> =
                s.occurrences_from(after).take(3).map(|o| o.at).take_while(|&t| t < horizon).collect();
            let at_or_after = all.partition_point(|&t| t < after);
            let want: Vec<_> = all[at_or_after..].iter().copied().take(3).collect();
            assert_eq!(from, want, "{p}: occurrences_from({after})");
        }
    }
}

#[test]
fn a_long_running_series_answers_quickly_far_in_the_future() {
    // Skip-ahead: a daily series started in 1900 asked about 2400.
    let s = schedule(json!({"frequency": "daily", "timezone": "Europe/Berlin"}), 1900, 1, 1, 9, 0);
    let after = local(Tz::UTC, 2400, 6, 1, 12, 0);
    let started = std::time::Instant::now();
    let next = s.next_after(after).unwrap();
    assert!(started.elapsed().as_secs() < 2);
    assert_eq!(next.with_timezone(&BERLIN).date_naive(), date(2400, 6, 2));
}

#[test]
fn occurrences_are_whole_seconds() {
    // RFC 5545 DATE-TIME has no fraction: dtstart's is dropped from every occurrence, the
    // start's own included, so the RRULE text round trip keeps every occurrence.
    let p = pattern(json!({"frequency": "daily", "timezone": "Europe/Berlin"}));
    let start = local(p.timezone, 2026, 3, 28, 9, 0) + Duration::milliseconds(750);
    let s = Schedule::new(Arc::clone(&p), start).expect("schedule");
    let want = [local(p.timezone, 2026, 3, 28, 9, 0), local(p.timezone, 2026, 3, 29, 9, 0)];
    assert_eq!(first(&s, 2), want);
    assert_eq!(s.next_after(start - Duration::milliseconds(500)), Some(want[1]));
    let text = crate::rrule_text::to_rrule(&p, Some(start)).expect("text");
    let (back, back_start) = crate::rrule_text::from_rrule_with_start(&text).expect("parses");
    let again = Schedule::new(Arc::new(back), back_start.expect("DTSTART")).expect("schedule");
    assert_eq!(first(&again, 2), want);
}
