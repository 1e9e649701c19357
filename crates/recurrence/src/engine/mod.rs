//! The recurrence engine: expands a [`Pattern`] from a series start into occurrences.
//!
//! Occurrences are computed on the local calendar of the pattern's time zone, period by
//! period (a day, a week from `weekStart`, a month, a year), following RFC 5545's BY-rule
//! table, RFC 7529's SKIP for `monthDayOverflow`, and the spec's two points where it
//! differs from python-dateutil and the `rrule` crate (whole-week `setPos`, yearly
//! `dayOfMonth` taking `dtstart`'s month). Local wall-clock times become instants with
//! RFC 5545's DST rules (a time in a gap takes the offset from before the gap; a time that
//! exists twice means the first).
//!
//! `expand` turns one period into its dates, `occurrences` walks the periods (skip-ahead,
//! `count`, `until`, `exdates`), `cycles` counts `count` by whole 400-year cycles; both
//! move the `walk`'s position (occurrences → cycles → walk, one way).
//!
//! Every search is bounded: without `count`, iteration starts at the period that contains
//! the lower bound (skip-ahead, so a series' age costs nothing); with `count`, whole
//! 400-year cycles between the start and the lower bound are counted, not walked; and a
//! run of empty periods as long as the visited periods take to repeat (at most one
//! 400-year cycle) ends the series, since nothing can ever match after it.

mod cycles;
mod expand;
mod occurrences;
mod walk;

pub use occurrences::Occurrences;

use crate::calendar::{end_of_local_day, gcd, LAST_YEAR};
use crate::error::{RecurrenceError, Result};
use crate::pattern::{Frequency, Pattern, Until};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use std::sync::Arc;

/// A pattern anchored at a series start, ready to produce occurrences.
#[derive(Debug, Clone)]
pub struct Schedule {
    pattern: Arc<Pattern>,
    dtstart: DateTime<Utc>,
    start_date: NaiveDate,
    time: NaiveTime,
    /// Bit n set: ISO weekday n+1 (Monday = bit 0) is in `daysOfWeek`.
    weekday_mask: u8,
    /// Days of the month to expand or to limit by: explicit, or implied by `dtstart`.
    month_days: Vec<i8>,
    /// Months of a yearly rule's expansion: explicit, or `dtstart`'s month when implied.
    year_months: Vec<u32>,
    /// Whether `nthWeekdays` count within the year (yearly without `monthOfYear`).
    nth_in_year: bool,
    until: Option<DateTime<Utc>>,
    /// Consecutive empty active periods after which nothing can match any more.
    max_empty_periods: u32,
    /// Whether `count` may be counted by whole 400-year cycles (off only in tests that
    /// compare it with plain walking).
    count_by_cycles: bool,
}

/// One occurrence: the instant and the local calendar date it was generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub at: DateTime<Utc>,
    pub local_date: NaiveDate,
}

impl Schedule {
    /// The pattern anchored at `dtstart`. Occurrences are whole seconds (RFC 5545
    /// DATE-TIME has no fraction): a sub-second part of `dtstart` is dropped.
    pub fn new(pattern: Arc<Pattern>, dtstart: DateTime<Utc>) -> Result<Schedule> {
        let dtstart = dtstart.with_nanosecond(0).unwrap_or(dtstart);
        let tz = pattern.timezone;
        let out_of_range = || RecurrenceError::InvalidArgument {
            name: "dtstart",
            message: format!("{dtstart} is outside the supported years"),
        };
        // Checked in UTC first: near chrono's ends a local reading would overflow (panic).
        if dtstart.year().abs() >= LAST_YEAR {
            return Err(out_of_range());
        }
        let local = dtstart.with_timezone(&tz).naive_local();
        if local.year().abs() >= LAST_YEAR {
            return Err(out_of_range());
        }
        let start_date = local.date();
        let p = &*pattern;
        let weekday_mask = p.days_of_week.iter().fold(0u8, |m, d| m | 1 << d.num_days_from_monday());
        let has_byday = !p.days_of_week.is_empty() || !p.nth_weekdays.is_empty();
        let month_days = if !p.day_of_month.is_empty() {
            p.day_of_month.clone()
        } else if !has_byday && matches!(p.frequency, Frequency::Monthly | Frequency::Yearly) {
            vec![start_date.day() as i8]
        } else {
            Vec::new()
        };
        let year_months = if !p.month_of_year.is_empty() {
            p.month_of_year.iter().map(|&m| u32::from(m)).collect()
        } else if !month_days.is_empty() {
            vec![start_date.month()]
        } else {
            Vec::new()
        };
        let until = p.until.map(|u| match u {
            Until::Instant(t) => t,
            // The end of that local day: its last whole second, as occurrences are whole seconds.
            Until::Date(d) => end_of_local_day(tz, d).unwrap_or(DateTime::<Utc>::MAX_UTC),
        });
        // The periods an interval n visits repeat after C / gcd(n, C) visits (C periods
        // in a 400-year cycle): a run of empty ones that long never ends.
        let per_cycle = p.frequency.periods_per_cycle();
        let max_empty_periods = (per_cycle / gcd(i64::from(p.interval), per_cycle)) as u32;
        let nth_in_year = p.frequency == Frequency::Yearly && p.month_of_year.is_empty();
        Ok(Schedule {
            dtstart,
            start_date,
            time: local.time(),
            weekday_mask,
            month_days,
            year_months,
            nth_in_year,
            until,
            max_empty_periods,
            count_by_cycles: true,
            pattern,
        })
    }

    /// The same schedule counting `count` by walking every period, for tests that check
    /// the counting by whole cycles against it.
    #[cfg(test)]
    pub(crate) fn walking(mut self) -> Schedule {
        self.count_by_cycles = false;
        self
    }

    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// The series start, to the whole second.
    pub fn start(&self) -> DateTime<Utc> {
        self.dtstart
    }

    /// The pattern's `until` as an instant (a date `until` ends with its local day).
    pub fn until(&self) -> Option<DateTime<Utc>> {
        self.until
    }

    /// The first occurrence strictly after `after`, or None when the series has ended.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.occurrences_from(after).find(|o| o.at > after).map(|o| o.at)
    }

    /// Occurrences at or after `from`, ascending (all of them when `from` is before the start).
    pub fn occurrences_from(&self, from: DateTime<Utc>) -> Occurrences<&Schedule> {
        Occurrences::new(self, from)
    }

    /// Like [`Schedule::occurrences_from`], for an iterator that outlives its caller
    /// (a set-returning SQL function).
    pub fn into_occurrences_from(self, from: DateTime<Utc>) -> Occurrences<Schedule> {
        Occurrences::new(self, from)
    }

    /// The first period to expand for occurrences at or after `from`.
    fn first_period(&self, from_date: NaiveDate) -> i64 {
        if self.pattern.count.is_some() {
            // `count` is counted from the series start: every period must be seen.
            return 0;
        }
        // Skip ahead: nothing in periods before the one holding `from` can reach it,
        // except a clamped day moved back into the previous period, hence the -1.
        let interval = i64::from(self.pattern.interval);
        let p = self.period_index(from_date) - 1;
        (p.div_euclid(interval) * interval).max(0)
    }

    /// Index of the period holding `date`, counted from the period holding the start.
    fn period_index(&self, date: NaiveDate) -> i64 {
        let s = self.start_date;
        match self.pattern.frequency {
            Frequency::Daily => (date - s).num_days(),
            Frequency::Weekly => (self.week_start_of(date) - self.week_start_of(s)).num_days().div_euclid(7),
            Frequency::Monthly => {
                i64::from(date.year() - s.year()) * 12 + i64::from(date.month()) - i64::from(s.month())
            }
            Frequency::Yearly => i64::from(date.year() - s.year()),
        }
    }

    fn week_start_of(&self, date: NaiveDate) -> NaiveDate {
        let back =
            (7 + date.weekday().num_days_from_monday() - self.pattern.week_start.num_days_from_monday()) % 7;
        date - Duration::days(i64::from(back))
    }
}
