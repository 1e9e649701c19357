//! Walking the periods of a schedule: occurrences ascending from a lower bound, with
//! `count`, `until` and `exdates`.

use super::cycles::CycleSkip;
use super::walk::Walk;
use super::{Occurrence, Schedule};
use crate::calendar::{LocalToUtc, LAST_YEAR};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use std::borrow::Borrow;

/// Iterator over a schedule's occurrences from a lower bound, ascending, honouring
/// `count` (counted from the series start, excluded dates included), `until`, `exdates`.
#[derive(Debug, Clone)]
pub struct Occurrences<S: Borrow<Schedule>> {
    schedule: S,
    from: DateTime<Utc>,
    walk: Walk,
    /// Dates before this one are surely before `from`.
    resolve_from: NaiveDate,
    /// Dates before this one are surely before the series start, after the other surely
    /// after it.
    surely_before_start: NaiveDate,
    surely_after_start: NaiveDate,
    buffer: Vec<NaiveDate>,
    next_in_buffer: usize,
    last: Option<DateTime<Utc>>,
    finished: bool,
    /// With `count`: whole 400-year cycles between the start and `from`, counted once and
    /// multiplied instead of walked.
    cycles: Option<CycleSkip>,
    /// The local times of the dates as instants, the zone's offset reused while in force.
    clock: LocalToUtc,
}

impl<S: Borrow<Schedule>> Occurrences<S> {
    pub(super) fn new(schedule: S, from: DateTime<Utc>) -> Self {
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
        let clock = LocalToUtc::new(s.pattern.timezone);
        Occurrences {
            schedule,
            from,
            walk: Walk { period, emitted: 0, last_counted_date: None, empty_run: 0 },
            resolve_from,
            surely_before_start,
            surely_after_start,
            buffer: Vec::with_capacity(8),
            next_in_buffer: 0,
            last: None,
            finished: false,
            cycles,
            clock,
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
                if let (Some(count), Some(_)) = (p.count, &self.cycles) {
                    if !CycleSkip::apply(&mut self.cycles, s, &mut self.walk, count) {
                        self.finished = true;
                        break;
                    }
                }
                if self.walk.empty_run >= s.max_empty_periods
                    || s.expand(self.walk.period, &mut self.buffer).is_none()
                {
                    self.finished = true;
                    break;
                }
                self.next_in_buffer = 0;
                self.walk.period += i64::from(p.interval);
                self.walk.empty_run = if self.buffer.is_empty() { self.walk.empty_run + 1 } else { 0 };
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
                        if self.walk.last_counted_date.is_none_or(|last| date > last) {
                            self.walk.last_counted_date = Some(date);
                            self.walk.emitted += 1;
                            self.finished = self.walk.emitted >= count;
                        }
                        continue;
                    }
                    Some(_) => {}
                }
            }
            let at = self.clock.convert(date.and_time(s.time));
            if at < s.dtstart || self.last.is_some_and(|last| at <= last) {
                continue;
            }
            if s.until.is_some_and(|until| at > until) {
                self.finished = true;
                break;
            }
            self.last = Some(at);
            self.walk.emitted += 1;
            if p.count.is_some_and(|count| self.walk.emitted >= count) {
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

/// An instant after every occurrence: local dates end with LAST_YEAR, and no zone's
/// offset reaches a day.
fn end_of_occurrences() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(LAST_YEAR + 2, 1, 1)
        .map_or(DateTime::<Utc>::MAX_UTC, |d| d.and_time(NaiveTime::MIN).and_utc())
}
