//! A recurring template's series (docs/generation.md): the pattern combined with the
//! template's own columns (`skip_dates`, `recurrence_end_date`, `recurrence_count`). The
//! generator (crates/generation, `synapse_generation`) plans its steps over it; the
//! iCalendar export writes it.

use crate::calendar::local_to_utc;
use crate::engine::Schedule;
use crate::error::Result;
use crate::pattern::Pattern;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

/// A template's series: its pattern from its start, with the column limits merged in.
#[derive(Debug, Clone)]
pub struct Series {
    schedule: Schedule,
    /// The earlier of the pattern's `until` and the column `recurrence_end_date`.
    end: Option<DateTime<Utc>>,
    /// The smaller of the pattern's `count` and the column `recurrence_count`.
    count: Option<u32>,
    /// The local time of day of the series start, for re-anchoring on completion.
    start: DateTime<Utc>,
}

/// The template columns that shape its series.
#[derive(Debug, Clone, Default)]
pub struct TemplateLimits {
    pub skip_dates: Vec<NaiveDate>,
    pub end_date: Option<DateTime<Utc>>,
    pub count: Option<u32>,
}

impl Series {
    pub fn new(pattern: &Pattern, start: DateTime<Utc>, limits: &TemplateLimits) -> Result<Series> {
        // The pattern's own `until`, as an instant (a date `until` ends with its local day).
        let pattern_until = Schedule::new(Arc::new(pattern.clone()), start)?.until();
        let mut merged = pattern.clone();
        merged.exdates.extend(limits.skip_dates.iter().copied());
        merged.exdates.sort_unstable();
        merged.exdates.dedup();
        let count = match (pattern.count, limits.count) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // The engine takes `count` or `until`, never both: with a count, every end bound is
        // applied here instead.
        if count.is_some() {
            merged.count = count;
            merged.until = None;
        }
        let end = match (pattern_until, limits.end_date) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(Series { schedule: Schedule::new(Arc::new(merged), start)?, end, count, start })
    }

    pub fn pattern(&self) -> &Pattern {
        self.schedule.pattern()
    }

    /// Whether `at` is within the series' end (the earlier of the pattern's `until` and
    /// the column's end date, inclusive).
    pub fn within_end(&self, at: DateTime<Utc>) -> bool {
        self.end.is_none_or(|end| at <= end)
    }

    /// The series' occurrences at or after `from`, ascending.
    pub fn occurrences_from(&self, from: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.schedule.occurrences_from(from).map(|o| o.at).take_while(|&at| self.within_end(at))
    }

    /// The first occurrence at or after `from`.
    pub fn first_from(&self, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.occurrences_from(from).next()
    }

    /// The next occurrence of a completion-anchored series whose instance was completed at
    /// `completed_at`, `generated` instances having been made so far: the series starts
    /// again on the completion's local day at the template's time of day, and the next
    /// instance is its first occurrence on a later local day (daily with interval 3
    /// completed on a Wednesday: Saturday). None once `count` instances were made or the
    /// end has passed.
    pub fn next_after_completion(
        &self,
        completed_at: DateTime<Utc>,
        generated: u32,
    ) -> Option<DateTime<Utc>> {
        if self.count.is_some_and(|count| generated >= count) {
            return None;
        }
        let tz = self.pattern().timezone;
        let completed_on = completed_at.with_timezone(&tz).date_naive();
        let time_of_day = self.start.with_timezone(&tz).time();
        let restart = local_to_utc(tz, completed_on.and_time(time_of_day));
        let mut pattern = self.pattern().clone();
        pattern.count = None; // counted by instances made, above
        let restarted = Schedule::new(Arc::new(pattern), restart).ok()?;
        restarted
            .occurrences_from(restart)
            .find(|o| o.local_date > completed_on)
            .map(|o| o.at)
            .filter(|&at| self.within_end(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pattern;
    use chrono::TimeZone;
    use serde_json::json;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn series(pattern: serde_json::Value, start: DateTime<Utc>, limits: TemplateLimits) -> Series {
        Series::new(&Pattern::from_json(&pattern).unwrap(), start, &limits).unwrap()
    }

    #[test]
    fn the_columns_merge_with_the_pattern_the_earlier_end_and_the_smaller_count() {
        let start = utc(2026, 1, 1, 9);
        let limits = TemplateLimits {
            skip_dates: vec![NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()],
            count: Some(2),
            ..Default::default()
        };
        let s = series(json!({"frequency": "daily", "until": "2026-01-10"}), start, limits);
        assert_eq!(s.occurrences_from(start).collect::<Vec<_>>(), vec![start], "the skipped date counts");
        let limits = TemplateLimits { end_date: Some(utc(2026, 1, 3, 9)), ..Default::default() };
        let s = series(json!({"frequency": "daily", "count": 30}), start, limits);
        assert_eq!(s.occurrences_from(start).count(), 3, "the end date is inclusive");
        assert!(s.within_end(utc(2026, 1, 3, 9)) && !s.within_end(utc(2026, 1, 3, 10)));
        let s =
            series(json!({"frequency": "daily", "until": "2026-01-02"}), start, TemplateLimits::default());
        assert!(s.within_end(utc(2026, 1, 2, 23)), "a date until ends with its local day");
        assert_eq!(s.first_from(utc(2026, 1, 2, 10)), None);
    }

    #[test]
    fn completion_anchor_keeps_the_local_time_and_its_limits() {
        let s = series(
            json!({"frequency": "weekly", "daysOfWeek": [1], "anchor": "completion", "timezone": "Europe/Berlin", "count": 2}),
            utc(2026, 3, 23, 8), // Monday 09:00 CET
            TemplateLimits::default(),
        );
        // Completed on Thursday 26 March; the next Monday is after the switch to CEST.
        assert_eq!(s.next_after_completion(utc(2026, 3, 26, 12), 1), Some(utc(2026, 3, 30, 7)));
        assert_eq!(s.next_after_completion(utc(2026, 3, 26, 12), 2), None, "count reached");
    }
}
