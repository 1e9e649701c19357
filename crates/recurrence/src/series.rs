//! A recurring template's series as the generator sees it (docs/generation.md): the
//! pattern combined with the template's own columns (`skip_dates`, `recurrence_end_date`,
//! `recurrence_count`), and what one generation step materialises.
//!
//! Pure: the pgrx boundary (the extension's src/sql/generation.rs) reads the rows, asks a
//! run's [`RunQuota`] how far a template may go, calls [`plan_step`] or
//! [`Series::next_after_completion`], and writes the result back.

use crate::calendar::local_to_utc;
use crate::engine::Schedule;
use crate::error::Result;
use crate::pattern::{Anchor, CatchUp, Pattern};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::Arc;

/// At most this many instances of one template are made in one generation step (one
/// batch); a template further behind catches up over the next batches.
pub const MAX_INSTANCES_PER_STEP: usize = 100;

/// The default per-run cap of occurrences of one template
/// (`synapse.generation_max_instances_per_template`): ten full steps. A run that makes
/// this many for one template still returns within a few seconds, and a template centuries
/// behind is worked off over many runs instead of holding one run for minutes.
pub const DEFAULT_MAX_INSTANCES_PER_RUN: u32 = 1000;

/// External ids are `varchar(100)`.
const MAX_EXTERNAL_ID_CHARS: usize = 100;

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

/// What one generation step does to a due template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The occurrences to materialise, ascending.
    pub occurrences: Vec<DateTime<Utc>>,
    /// The template's next `next_occurrence`: None once the series has ended, or (anchor
    /// `completion`) until the instance just made is completed.
    pub next: Option<DateTime<Utc>>,
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

    fn within_end(&self, at: DateTime<Utc>) -> bool {
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

impl Step {
    /// Whether the template is due again at `as_of` after this step: it has more catching
    /// up to do, and a later batch of the same run may claim it again.
    pub fn still_due(&self, as_of: DateTime<Utc>) -> bool {
        self.next.is_some_and(|next| next <= as_of)
    }
}

/// One generation step for a template whose `next_occurrence` is `next` (due: at or
/// before `as_of`). Anchor `schedule`: the occurrences from `next` up to `as_of`, each one
/// (`catchUp` all, at most `limit`, see [`RunQuota::step_limit`]) or only the latest
/// (`catchUp` latest). Anchor `completion`: `next` itself, and nothing more until it is
/// completed.
pub fn plan_step(series: &Series, next: DateTime<Utc>, as_of: DateTime<Utc>, limit: NonZeroUsize) -> Step {
    if series.pattern().anchor == Anchor::Completion {
        let occurrences = if series.within_end(next) { vec![next] } else { Vec::new() };
        return Step { occurrences, next: None };
    }
    let mut upcoming = series.occurrences_from(next).peekable();
    let mut due = Vec::new();
    while let Some(at) = upcoming.next_if(|&at| at <= as_of) {
        match series.pattern().catch_up {
            CatchUp::Latest => {
                due.clear();
                due.push(at);
            }
            CatchUp::All => {
                due.push(at);
                if due.len() == limit.get() {
                    break;
                }
            }
        }
    }
    Step { occurrences: due, next: upcoming.next() }
}

/// What one generation run lets each template make: at most `cap` occurrences per
/// template over all the run's batches (and [`MAX_INSTANCES_PER_STEP`] per batch). A
/// template with a longer backlog is left due when it reaches the cap; the run's later
/// batches pass it over ([`RunQuota::capped`]) and serve the others, and the next run
/// continues it from its `next_occurrence`. Keyed by the template's id (`K`).
#[derive(Debug, Clone)]
pub struct RunQuota<K> {
    cap: u32,
    planned: HashMap<K, u32>,
}

impl<K: Eq + Hash + Copy> RunQuota<K> {
    /// A run that has planned nothing yet; a `cap` of 0 counts as 1 (a run always moves
    /// a due template on).
    pub fn new(cap: u32) -> RunQuota<K> {
        RunQuota { cap: cap.max(1), planned: HashMap::new() }
    }

    /// The cap for the rest of the run (the setting may change between its batches);
    /// what was planned so far still counts.
    pub fn set_cap(&mut self, cap: u32) {
        self.cap = cap.max(1);
    }

    pub fn cap(&self) -> u32 {
        self.cap
    }

    /// How many occurrences template `key`'s next step may plan: what its cap leaves, at
    /// most [`MAX_INSTANCES_PER_STEP`]; None once it has used its cap in this run.
    pub fn step_limit(&self, key: &K) -> Option<NonZeroUsize> {
        let planned = self.planned.get(key).copied().unwrap_or(0);
        let left = usize::try_from(self.cap.saturating_sub(planned)).unwrap_or(usize::MAX);
        NonZeroUsize::new(left.min(MAX_INSTANCES_PER_STEP))
    }

    /// Counts a step of template `key` that planned `occurrences` (planned, not only made:
    /// an occurrence whose instance already existed cost the run as much).
    pub fn record(&mut self, key: K, occurrences: usize) {
        let occurrences = u32::try_from(occurrences).unwrap_or(u32::MAX);
        let planned = self.planned.entry(key).or_insert(0);
        *planned = planned.saturating_add(occurrences);
    }

    /// The templates that have used their cap: the run's claims leave them for the next
    /// run, even while they are still due.
    pub fn capped(&self) -> impl Iterator<Item = &K> + '_ {
        self.planned.iter().filter(|(_, &planned)| planned >= self.cap).map(|(key, _)| key)
    }
}

/// The external id of the instance of template `template_task_id` for `occurrence`:
/// `TASK-12-20261127T080000Z` (the occurrence in UTC, RFC 5545 basic format). When that
/// would exceed the column's 100 characters, the template's uuid stands for its id.
pub fn instance_external_id(
    template_task_id: &str,
    template_uuid: &str,
    occurrence: DateTime<Utc>,
) -> String {
    let stamp = occurrence.format("%Y%m%dT%H%M%SZ");
    let id = format!("{template_task_id}-{stamp}");
    if id.chars().count() <= MAX_EXTERNAL_ID_CHARS {
        id
    } else {
        format!("{template_uuid}-{stamp}")
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

    /// A step with the whole per-batch allowance (a run that has made nothing yet).
    fn plan_step(series: &Series, next: DateTime<Utc>, as_of: DateTime<Utc>) -> Step {
        super::plan_step(series, next, as_of, NonZeroUsize::new(MAX_INSTANCES_PER_STEP).unwrap())
    }

    /// One run as the generator does it: batch after batch, the template claimed again
    /// while it is due and not capped. Returns the occurrences planned and the template's
    /// `next_occurrence` afterwards.
    fn run(
        quota: &mut RunQuota<u8>,
        s: &Series,
        mut next: DateTime<Utc>,
        as_of: DateTime<Utc>,
    ) -> (Vec<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let mut made = Vec::new();
        while let Some(limit) = quota.step_limit(&1) {
            let step = super::plan_step(s, next, as_of, limit);
            quota.record(1, step.occurrences.len());
            made.extend(&step.occurrences);
            let still_due = step.still_due(as_of);
            match step.next {
                Some(n) => next = n,
                None => return (made, None),
            }
            if !still_due {
                break;
            }
        }
        (made, Some(next))
    }

    #[test]
    fn the_step_limit_is_what_the_cap_leaves_at_most_one_batch_worth() {
        let mut quota = RunQuota::new(250);
        let limits: Vec<Option<usize>> = (0..4)
            .map(|_| {
                let limit = quota.step_limit(&7u8).map(NonZeroUsize::get);
                quota.record(7, limit.unwrap_or(0));
                limit
            })
            .collect();
        assert_eq!(limits, vec![Some(100), Some(100), Some(50), None]);
        assert_eq!(quota.capped().copied().collect::<Vec<_>>(), vec![7]);
        assert_eq!(quota.step_limit(&8), NonZeroUsize::new(100), "another template has its own allowance");
    }

    #[test]
    fn a_lowered_cap_ends_a_template_turn_and_a_zero_cap_still_moves_one_on() {
        let mut quota = RunQuota::new(1000);
        quota.record(1u8, 300);
        quota.set_cap(200);
        assert_eq!(quota.step_limit(&1), None, "what was planned still counts");
        assert_eq!(quota.capped().count(), 1);
        let quota = RunQuota::<u8>::new(0);
        assert_eq!(quota.cap(), 1);
        assert_eq!(quota.step_limit(&1), NonZeroUsize::new(1));
    }

    #[test]
    fn a_template_centuries_behind_makes_the_cap_per_run_and_the_next_run_continues_it() {
        // Daily since year 1, catch-up all: 739,000 occurrences due.
        let s = series(json!({"frequency": "daily"}), utc(1, 1, 1, 9), TemplateLimits::default());
        let as_of = utc(2026, 12, 1, 0);
        let mut first = RunQuota::new(1000);
        let (made1, next1) = run(&mut first, &s, utc(1, 1, 1, 9), as_of);
        assert_eq!(made1.len(), 1000);
        assert_eq!(first.capped().count(), 1, "the run leaves it for the next one");
        let next1 = next1.unwrap();
        assert!(next1 <= as_of, "still due");
        let (made2, next2) = run(&mut RunQuota::new(1000), &s, next1, as_of);
        assert_eq!(made2.len(), 1000);
        let both: Vec<_> = made1.into_iter().chain(made2).collect();
        let expected: Vec<_> = s.occurrences_from(utc(1, 1, 1, 9)).take(2000).collect();
        assert_eq!(both, expected, "two runs: the series' first 2,000 occurrences, once each, none skipped");
        assert_eq!(next2, s.occurrences_from(utc(1, 1, 1, 9)).nth(2000));
    }

    #[test]
    fn a_backlog_within_the_cap_is_finished_in_one_run() {
        let s = series(json!({"frequency": "daily"}), utc(2025, 1, 1, 8), TemplateLimits::default());
        let as_of = utc(2025, 9, 7, 12);
        let mut quota = RunQuota::new(1000);
        let (made, next) = run(&mut quota, &s, utc(2025, 1, 1, 8), as_of);
        assert_eq!(made.len(), 250);
        assert_eq!(next, Some(utc(2025, 9, 8, 8)));
        assert_eq!(quota.capped().count(), 0, "not capped: nothing is left for it");
        // A cap below one batch's worth bounds the single step of generate_recurring_tasks.
        let (made, _) = run(&mut RunQuota::new(30), &s, utc(2025, 1, 1, 8), as_of);
        assert_eq!(made.len(), 30);
    }

    #[test]
    fn latest_and_completion_make_one_occurrence_whatever_the_cap() {
        let latest = series(
            json!({"frequency": "daily", "catchUp": "latest"}),
            utc(1, 1, 1, 9),
            TemplateLimits::default(),
        );
        let (made, next) = run(&mut RunQuota::new(1), &latest, utc(1, 1, 1, 9), utc(2026, 1, 10, 12));
        assert_eq!((made, next), (vec![utc(2026, 1, 10, 9)], Some(utc(2026, 1, 11, 9))));
        let completion = series(
            json!({"frequency": "daily", "anchor": "completion"}),
            utc(1, 1, 1, 9),
            TemplateLimits::default(),
        );
        let (made, next) = run(&mut RunQuota::new(1), &completion, utc(1, 1, 1, 9), utc(2026, 1, 10, 12));
        assert_eq!((made, next), (vec![utc(1, 1, 1, 9)], None));
    }

    #[test]
    fn catch_up_all_makes_every_missed_occurrence_and_moves_next_past_as_of() {
        let s = series(json!({"frequency": "daily"}), utc(2026, 1, 1, 9), TemplateLimits::default());
        let step = plan_step(&s, utc(2026, 1, 1, 9), utc(2026, 1, 3, 12));
        assert_eq!(step.occurrences, vec![utc(2026, 1, 1, 9), utc(2026, 1, 2, 9), utc(2026, 1, 3, 9)]);
        assert_eq!(step.next, Some(utc(2026, 1, 4, 9)));
    }

    #[test]
    fn catch_up_all_is_bounded_per_step_and_resumes_where_it_stopped() {
        let s = series(json!({"frequency": "daily"}), utc(2020, 1, 1, 9), TemplateLimits::default());
        let as_of = utc(2026, 1, 1, 0);
        let first = plan_step(&s, utc(2020, 1, 1, 9), as_of);
        assert_eq!(first.occurrences.len(), MAX_INSTANCES_PER_STEP);
        let resume = first.next.unwrap();
        assert!(resume <= as_of, "still due: the rest comes in the next step");
        assert_eq!(resume, *first.occurrences.last().unwrap() + chrono::Duration::days(1));
        let second = plan_step(&s, resume, as_of);
        assert_eq!(second.occurrences[0], resume);
    }

    #[test]
    fn catch_up_latest_makes_only_the_most_recent() {
        let s = series(
            json!({"frequency": "daily", "catchUp": "latest"}),
            utc(2026, 1, 1, 9),
            TemplateLimits::default(),
        );
        let step = plan_step(&s, utc(2026, 1, 1, 9), utc(2026, 1, 10, 12));
        assert_eq!(step.occurrences, vec![utc(2026, 1, 10, 9)]);
        assert_eq!(step.next, Some(utc(2026, 1, 11, 9)));
    }

    #[test]
    fn column_count_and_pattern_until_both_end_the_series() {
        let limits = TemplateLimits { count: Some(2), ..Default::default() };
        let s = series(json!({"frequency": "daily", "until": "2026-01-10"}), utc(2026, 1, 1, 9), limits);
        let step = plan_step(&s, utc(2026, 1, 1, 9), utc(2026, 2, 1, 0));
        assert_eq!(step.occurrences, vec![utc(2026, 1, 1, 9), utc(2026, 1, 2, 9)]);
        assert_eq!(step.next, None);

        let s = series(
            json!({"frequency": "daily", "count": 30}),
            utc(2026, 1, 1, 9),
            TemplateLimits { end_date: Some(utc(2026, 1, 3, 9)), ..Default::default() },
        );
        let step = plan_step(&s, utc(2026, 1, 1, 9), utc(2026, 2, 1, 0));
        assert_eq!(step.occurrences.len(), 3, "the end date is inclusive");
        assert_eq!(step.next, None);
    }

    #[test]
    fn skip_dates_join_the_patterns_exdates() {
        let limits = TemplateLimits {
            skip_dates: vec![NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()],
            ..Default::default()
        };
        let s = series(json!({"frequency": "daily", "exdates": ["2026-01-03"]}), utc(2026, 1, 1, 9), limits);
        let step = plan_step(&s, utc(2026, 1, 1, 9), utc(2026, 1, 4, 12));
        assert_eq!(step.occurrences, vec![utc(2026, 1, 1, 9), utc(2026, 1, 4, 9)]);
    }

    #[test]
    fn completion_anchor_makes_one_instance_and_waits() {
        let s = series(
            json!({"frequency": "daily", "interval": 3, "anchor": "completion"}),
            utc(2026, 1, 5, 9),
            TemplateLimits::default(),
        );
        let step = plan_step(&s, utc(2026, 1, 5, 9), utc(2026, 1, 20, 0));
        assert_eq!(step, Step { occurrences: vec![utc(2026, 1, 5, 9)], next: None });
        // Completed on Wednesday 7 January at 15:00: three days later, at 09:00.
        assert_eq!(s.next_after_completion(utc(2026, 1, 7, 15), 1), Some(utc(2026, 1, 10, 9)));
        // Completed before the day's time: still a later day.
        assert_eq!(s.next_after_completion(utc(2026, 1, 7, 6), 1), Some(utc(2026, 1, 10, 9)));
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

    #[test]
    fn dst_keeps_the_wall_clock() {
        let s = series(
            json!({"frequency": "daily", "timezone": "Europe/Berlin"}),
            utc(2026, 3, 28, 8),
            TemplateLimits::default(),
        );
        let step = plan_step(&s, utc(2026, 3, 28, 8), utc(2026, 3, 30, 23));
        // 09:00 CET, then 09:00 CEST twice.
        assert_eq!(step.occurrences, vec![utc(2026, 3, 28, 8), utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)]);
    }

    #[test]
    fn external_ids_are_deterministic_and_fit_the_column() {
        let at = utc(2026, 11, 27, 8);
        assert_eq!(instance_external_id("TASK-12", "u", at), "TASK-12-20261127T080000Z");
        let long = "X".repeat(90);
        let uuid = "6f1c2a9e-0000-4000-8000-000000000001";
        assert_eq!(instance_external_id(&long, uuid, at), format!("{uuid}-20261127T080000Z"));
    }
}
