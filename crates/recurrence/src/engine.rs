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
//! Every search is bounded: without `count`, iteration starts at the period that contains
//! the lower bound (skip-ahead, so a series' age costs nothing), and a run of empty periods
//! as long as one full Gregorian cycle (400 years) ends the series, since nothing can ever
//! match after it.

use crate::calendar::{days_in_month, end_of_local_day, gcd, local_to_utc, CYCLE_DAYS, LAST_YEAR};
use crate::error::{RecurrenceError, Result};
use crate::pattern::{Frequency, MonthDayOverflow, NthWeekday, Pattern, Until};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use std::borrow::Borrow;
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
            Frequency::Weekly => {
                (self.week_start_of(date) - self.week_start_of(s)).num_days().div_euclid(7)
            }
            Frequency::Monthly => {
                i64::from(date.year() - s.year()) * 12 + i64::from(date.month()) - i64::from(s.month())
            }
            Frequency::Yearly => i64::from(date.year() - s.year()),
        }
    }

    fn week_start_of(&self, date: NaiveDate) -> NaiveDate {
        let back = (7 + date.weekday().num_days_from_monday()
            - self.pattern.week_start.num_days_from_monday())
            % 7;
        date - Duration::days(i64::from(back))
    }

    /// The dates of period `index` (sorted, without repeats, `setPos` applied); None once
    /// the period lies beyond the supported years.
    fn expand(&self, index: i64, out: &mut Vec<NaiveDate>) -> Option<()> {
        out.clear();
        let p = &*self.pattern;
        let s = self.start_date;
        match p.frequency {
            Frequency::Daily => {
                let date = s.checked_add_signed(Duration::try_days(index)?)?;
                if date.year() > LAST_YEAR {
                    return None;
                }
                if self.month_allowed(date.month())
                    && self.month_day_allowed(date)
                    && self.weekday_allowed(date)
                {
                    out.push(date);
                }
            }
            Frequency::Weekly => {
                let week = self.week_start_of(s).checked_add_signed(Duration::try_days(index.checked_mul(7)?)?)?;
                if week.year() > LAST_YEAR {
                    return None;
                }
                for offset in 0..7 {
                    let date = week + Duration::days(offset);
                    let wanted = if self.weekday_mask == 0 {
                        date.weekday() == s.weekday()
                    } else {
                        self.weekday_mask & 1 << date.weekday().num_days_from_monday() != 0
                    };
                    if wanted && self.month_allowed(date.month()) {
                        out.push(date);
                    }
                }
            }
            Frequency::Monthly => {
                let months = i64::from(s.year()) * 12 + i64::from(s.month0()) + index;
                let year = i32::try_from(months.div_euclid(12)).ok()?;
                if year > LAST_YEAR {
                    return None;
                }
                let month = months.rem_euclid(12) as u32 + 1;
                if self.month_allowed(month) {
                    self.expand_month(year, month, out);
                }
            }
            Frequency::Yearly => {
                let year = s.year().checked_add(i32::try_from(index).ok()?)?;
                if year > LAST_YEAR {
                    return None;
                }
                if !self.month_days.is_empty() {
                    for &month in &self.year_months {
                        self.expand_month_days(year, month, out);
                    }
                    out.retain(|&d| self.byday_limit(d));
                } else if !p.month_of_year.is_empty() {
                    for &month in &p.month_of_year {
                        self.expand_month(year, u32::from(month), out);
                    }
                } else {
                    self.expand_byday_in_year(year, out);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        if !p.set_pos.is_empty() {
            select_positions(&p.set_pos, out);
        }
        Some(())
    }

    /// A month of a monthly rule, or of a yearly rule with `monthOfYear`.
    fn expand_month(&self, year: i32, month: u32, out: &mut Vec<NaiveDate>) {
        if !self.month_days.is_empty() {
            let first = out.len();
            self.expand_month_days(year, month, out);
            let mut i = first;
            while i < out.len() {
                if self.byday_limit(out[i]) {
                    i += 1;
                } else {
                    out.swap_remove(i);
                }
            }
        } else {
            self.expand_byday_in_month(year, month, out);
        }
    }

    /// `dayOfMonth` (given or implied) in one month, with `monthDayOverflow` applied.
    fn expand_month_days(&self, year: i32, month: u32, out: &mut Vec<NaiveDate>) {
        let Some(len) = days_in_month(year, month) else { return };
        let clamp = self.pattern.month_day_overflow == MonthDayOverflow::Clamp;
        for &d in &self.month_days {
            let d = i32::from(d);
            let day = if d > 0 { d } else { len as i32 + 1 + d };
            if (1..=len as i32).contains(&day) {
                out.extend(NaiveDate::from_ymd_opt(year, month, day as u32));
            } else if clamp && d > 0 {
                out.extend(NaiveDate::from_ymd_opt(year, month, len));
            } else if clamp {
                // Before the month's first day: back to the previous month's last day.
                out.extend(NaiveDate::from_ymd_opt(year, month, 1).and_then(|f| f.pred_opt()));
            }
        }
    }

    /// Every date of a month that `daysOfWeek` / `nthWeekdays` select.
    fn expand_byday_in_month(&self, year: i32, month: u32, out: &mut Vec<NaiveDate>) {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else { return };
        let Some(len) = days_in_month(year, month) else { return };
        self.expand_byday(first, len, out);
    }

    /// Every date of a year that `daysOfWeek` / `nthWeekdays` select (nth within the year).
    fn expand_byday_in_year(&self, year: i32, out: &mut Vec<NaiveDate>) {
        let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else { return };
        let len = if first.leap_year() { 366 } else { 365 };
        self.expand_byday(first, len, out);
    }

    /// The BYDAY expansion over `len` days from `first`.
    fn expand_byday(&self, first: NaiveDate, len: u32, out: &mut Vec<NaiveDate>) {
        let first_wd = first.weekday().num_days_from_monday();
        for wd in 0..7u32 {
            if self.weekday_mask & 1 << wd == 0 {
                continue;
            }
            let mut offset = (7 + wd - first_wd) % 7;
            while offset < len {
                out.push(first + Duration::days(i64::from(offset)));
                offset += 7;
            }
        }
        for n in &self.pattern.nth_weekdays {
            if let Some(offset) = nth_weekday_offset(first_wd, len, *n) {
                out.push(first + Duration::days(i64::from(offset)));
            }
        }
    }

    fn month_allowed(&self, month: u32) -> bool {
        let months = &self.pattern.month_of_year;
        months.is_empty() || months.iter().any(|&m| u32::from(m) == month)
    }

    /// A daily rule's `dayOfMonth` limit.
    fn month_day_allowed(&self, date: NaiveDate) -> bool {
        if self.month_days.is_empty() {
            return true;
        }
        let len = days_in_month(date.year(), date.month()).unwrap_or(31) as i32;
        let day = date.day() as i32;
        self.month_days.iter().any(|&d| i32::from(d) == day || len + 1 + i32::from(d) == day)
    }

    /// A daily rule's `daysOfWeek` limit.
    fn weekday_allowed(&self, date: NaiveDate) -> bool {
        self.weekday_mask == 0 || self.weekday_mask & 1 << date.weekday().num_days_from_monday() != 0
    }

    /// BYDAY as a limit on days that `dayOfMonth` produced: the weekday is listed, or the
    /// date is one of the listed nth weekdays (of its month, or of its year).
    fn byday_limit(&self, date: NaiveDate) -> bool {
        let p = &*self.pattern;
        if self.weekday_mask == 0 && p.nth_weekdays.is_empty() {
            return true;
        }
        if self.weekday_mask & 1 << date.weekday().num_days_from_monday() != 0 {
            return true;
        }
        let (index, len) = if self.nth_in_year {
            let len = if date.leap_year() { 366 } else { 365 };
            (date.ordinal0(), len)
        } else {
            (date.day0(), days_in_month(date.year(), date.month()).unwrap_or(31))
        };
        let from_start = (index / 7 + 1) as i16;
        let from_end = -(((len - 1 - index) / 7 + 1) as i16);
        p.nth_weekdays
            .iter()
            .any(|n| n.day == date.weekday() && (n.nth == from_start || n.nth == from_end))
    }
}

/// Iterator over a schedule's occurrences from a lower bound, ascending, honouring
/// `count` (counted from the series start, excluded dates included), `until`, `exdates`.
#[derive(Debug, Clone)]
pub struct Occurrences<S: Borrow<Schedule>> {
    schedule: S,
    from: DateTime<Utc>,
    period: i64,
    /// Dates before this one are surely before `from`.
    resolve_from: NaiveDate,
    /// Dates before this one are surely before the series start, after the other surely
    /// after it.
    surely_before_start: NaiveDate,
    surely_after_start: NaiveDate,
    /// The last date counted toward `count` without resolving its instant.
    last_counted_date: Option<NaiveDate>,
    buffer: Vec<NaiveDate>,
    next_in_buffer: usize,
    /// Occurrences of the series so far (for `count`), whether returned or not.
    emitted: u32,
    last: Option<DateTime<Utc>>,
    empty_run: u32,
    finished: bool,
    /// With `count`: whole 400-year cycles between the start and `from`, counted once and
    /// multiplied instead of walked.
    cycles: Option<CycleSkip>,
}

/// Counting `count` by whole Gregorian cycles. Period `q` and period `q + C` (C periods in
/// a 400-year cycle) produce the same dates 400 years apart, so the periods an interval
/// `n` visits repeat after `block` = lcm(n, C) periods: every run of `block` periods holds
/// the same number of occurrences. Walking one such run (the "mark" to here) gives that
/// number; then as many whole runs as lie before `from` (and before LAST_YEAR), and as
/// keep the total below `count`, are added at once. Only dates counted without their
/// instant (surely after the start, surely before `from`) are skipped so: they are counted
/// by local date, which neither time zones nor DST change, and `exdates` count too.
#[derive(Debug, Clone)]
struct CycleSkip {
    /// Periods after which the visited periods repeat: lcm(interval, periods per cycle).
    block: i64,
    /// Days the calendar moves on in one block (a whole number of 400-year cycles).
    block_days: i64,
    /// Periods before this one are counted without instants (entirely before `from`'s
    /// local date, and before LAST_YEAR): only they may be skipped.
    limit: i64,
    /// Where the walked block began: its period and the count so far.
    mark: Option<(i64, u32)>,
}

impl CycleSkip {
    fn new(s: &Schedule, resolve_from: NaiveDate) -> CycleSkip {
        let n = i64::from(s.pattern.interval);
        let per_cycle = s.pattern.frequency.periods_per_cycle();
        let g = gcd(n, per_cycle);
        let last = NaiveDate::from_ymd_opt(LAST_YEAR - 1, 1, 1).unwrap_or(NaiveDate::MAX);
        CycleSkip {
            block: per_cycle / g * n,
            block_days: n / g * CYCLE_DAYS,
            limit: s.period_index(resolve_from.min(last)),
            mark: None,
        }
    }

    /// Before expanding period `*period`: marks where a block starts, or, a block later,
    /// adds the whole blocks that can be skipped to `period`, `emitted` and the last
    /// counted date. Done at most once; false when it found that nothing can match any more.
    fn apply(
        slot: &mut Option<CycleSkip>,
        period: &mut i64,
        emitted: &mut u32,
        last_counted_date: &mut Option<NaiveDate>,
        count: u32,
    ) -> bool {
        let Some(skip) = slot else { return true };
        let q = *period;
        match skip.mark {
            // Periods 0 and 1 may hold dates near the start, which are counted by instant.
            None if q >= 2 && q + skip.block <= skip.limit => skip.mark = Some((q, *emitted)),
            Some((marked, emitted_then)) if q == marked + skip.block => {
                let per_block = *emitted - emitted_then;
                let block = skip.block;
                let by_limit = (skip.limit - q) / block;
                let block_days = skip.block_days;
                *slot = None;
                if per_block == 0 {
                    // A whole block of the calendar without an occurrence: every later
                    // one is the same.
                    return false;
                }
                let by_count = i64::from((count - *emitted - 1) / per_block);
                let blocks = by_limit.min(by_count);
                if blocks > 0 {
                    *period += blocks * block;
                    *emitted += u32::try_from(blocks).expect("fewer than count") * per_block;
                    *last_counted_date =
                        last_counted_date.and_then(|d| d.checked_add_signed(Duration::days(blocks * block_days)));
                }
            }
            _ => {}
        }
        true
    }
}

impl<S: Borrow<Schedule>> Occurrences<S> {
    fn new(schedule: S, from: DateTime<Utc>) -> Self {
        let s = schedule.borrow();
        let from = from.max(s.dtstart);
        // Nothing occurs after LAST_YEAR, so a later `from` is read as just past it (up to
        // chrono's end of time, where a local reading would overflow and panic).
        let from_date = from.min(end_of_occurrences()).with_timezone(&s.pattern.timezone).date_naive();
        let period = s.first_period(from_date);
        // Offsets never move a wall clock by more than a day, so a local date two days before
        // an instant's local date is surely before that instant, and two days after surely
        // after it: such dates need no instant resolved (see `next`).
        let day = Duration::days(1);
        let resolve_from = from_date.checked_sub_signed(day).unwrap_or(NaiveDate::MIN);
        let surely_before_start = s.start_date.checked_sub_signed(day).unwrap_or(NaiveDate::MIN);
        let surely_after_start = s.start_date.checked_add_signed(day).unwrap_or(NaiveDate::MAX);
        let cycles = s.pattern.count.filter(|_| s.count_by_cycles).map(|_| CycleSkip::new(s, resolve_from));
        Occurrences {
            schedule,
            from,
            period,
            resolve_from,
            surely_before_start,
            surely_after_start,
            last_counted_date: None,
            buffer: Vec::with_capacity(8),
            next_in_buffer: 0,
            emitted: 0,
            last: None,
            empty_run: 0,
            finished: false,
            cycles,
        }
    }
}

impl<S: Borrow<Schedule>> Iterator for Occurrences<S> {
    type Item = Occurrence;

    fn next(&mut self) -> Option<Occurrence> {
        let s: &Schedule = self.schedule.borrow();
        let p = &*s.pattern;
        while !self.finished {
            if self.next_in_buffer >= self.buffer.len() {
                if let Some(count) = p.count {
                    let (period, emitted, last) = (&mut self.period, &mut self.emitted, &mut self.last_counted_date);
                    if !CycleSkip::apply(&mut self.cycles, period, emitted, last, count) {
                        self.finished = true;
                        break;
                    }
                }
                if self.empty_run >= s.max_empty_periods
                    || s.expand(self.period, &mut self.buffer).is_none()
                {
                    self.finished = true;
                    break;
                }
                self.next_in_buffer = 0;
                self.period += i64::from(p.interval);
                self.empty_run = if self.buffer.is_empty() { self.empty_run + 1 } else { 0 };
                continue;
            }
            let date = self.buffer[self.next_in_buffer];
            self.next_in_buffer += 1;
            if date < self.resolve_from {
                // Surely before `from`: it only matters to `count` (never set together with
                // `until`), and needs its instant only near the start, to compare with it.
                match p.count {
                    None => continue,
                    Some(_) if date < self.surely_before_start => continue,
                    Some(count) if date > self.surely_after_start => {
                        // A clamped day produced twice counts once.
                        if self.last_counted_date.is_none_or(|last| date > last) {
                            self.last_counted_date = Some(date);
                            self.emitted += 1;
                            self.finished = self.emitted >= count;
                        }
                        continue;
                    }
                    Some(_) => {}
                }
            }
            let at = local_to_utc(p.timezone, date.and_time(s.time));
            if at < s.dtstart || self.last.is_some_and(|last| at <= last) {
                continue;
            }
            if s.until.is_some_and(|until| at > until) {
                self.finished = true;
                break;
            }
            self.last = Some(at);
            self.emitted += 1;
            if p.count.is_some_and(|count| self.emitted >= count) {
                self.finished = true;
            }
            if at < self.from || p.exdates.binary_search(&date).is_ok() {
                continue;
            }
            return Some(Occurrence { at, local_date: date });
        }
        None
    }
}

/// Keeps the 1-based positions `positions` (negative: from the end) of a sorted set.
fn select_positions(positions: &[i16], dates: &mut Vec<NaiveDate>) {
    let n = dates.len() as i32;
    let mut picked: Vec<NaiveDate> = positions
        .iter()
        .filter_map(|&pos| {
            let pos = i32::from(pos);
            let index = if pos > 0 { pos - 1 } else { n + pos };
            (0..n).contains(&index).then(|| dates[index as usize])
        })
        .collect();
    picked.sort_unstable();
    picked.dedup();
    *dates = picked;
}

/// Day offset of the nth weekday within `len` days whose first is weekday `first_wd`.
fn nth_weekday_offset(first_wd: u32, len: u32, n: NthWeekday) -> Option<u32> {
    let wd = n.day.num_days_from_monday();
    let first = (7 + wd - first_wd) % 7;
    let count = (len - first).div_ceil(7);
    let k = if n.nth > 0 { n.nth as i32 - 1 } else { count as i32 + n.nth as i32 };
    (0..count as i32).contains(&k).then(|| first + 7 * k as u32)
}

/// An instant after every occurrence: local dates end with LAST_YEAR, and no zone's
/// offset reaches a day.
fn end_of_occurrences() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(LAST_YEAR + 2, 1, 1).map_or(DateTime::<Utc>::MAX_UTC, |d| d.and_time(NaiveTime::MIN).and_utc())
}
