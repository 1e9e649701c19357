//! The per-run cap (`synapse.generation_max_instances_per_template`, docs/generation.md,
//! *Catch-up*): how many occurrences of one template a run still lets it make, and which
//! run a backend is counting for.

use crate::step::MAX_INSTANCES_PER_STEP;
use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroUsize;

/// The default per-run cap of occurrences of one template
/// (`synapse.generation_max_instances_per_template`): ten full steps. A run that makes
/// this many for one template still returns within a few seconds, and a template centuries
/// behind is worked off over many runs instead of holding one run for minutes.
pub const DEFAULT_MAX_INSTANCES_PER_RUN: u32 = 1000;

/// The cap a value of the setting gives (the setting's own minimum is 1; anything below
/// counts as 1, as in [`RunQuota::new`]).
pub fn cap_from_setting(setting: i32) -> u32 {
    u32::try_from(setting).unwrap_or(1)
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

    /// Takes back a step [`record`](Self::record) counted whose writes were rolled back
    /// before anything could fail on their own (the generator's whole batch, done again with
    /// each template's failure isolated): the step is planned and counted again.
    pub fn forget(&mut self, key: K, occurrences: usize) {
        let occurrences = u32::try_from(occurrences).unwrap_or(u32::MAX);
        if let Some(planned) = self.planned.get_mut(&key) {
            *planned = planned.saturating_sub(occurrences);
            if *planned == 0 {
                self.planned.remove(&key);
            }
        }
    }

    /// The templates that have used their cap: the run's claims leave them for the next
    /// run, even while they are still due.
    pub fn capped(&self) -> impl Iterator<Item = &K> + '_ {
        self.planned.iter().filter(|(_, &planned)| planned >= self.cap).map(|(key, _)| key)
    }
}

/// The run a backend is working on and its quota. The procedure's batches are separate
/// calls (and transactions) of one backend; a call for another run starts afresh.
#[derive(Debug)]
pub struct CurrentRun<K> {
    current: Option<(i64, RunQuota<K>)>,
}

impl<K> CurrentRun<K> {
    /// No run yet.
    pub const fn none() -> CurrentRun<K> {
        CurrentRun { current: None }
    }
}

impl<K: Eq + Hash + Copy> CurrentRun<K> {
    /// Run `run`'s quota with `cap` for the rest of it: the one kept when this is the run
    /// being worked on, else a fresh one (which replaces it).
    pub fn quota(&mut self, run: i64, cap: u32) -> &mut RunQuota<K> {
        if !matches!(&self.current, Some((current_run, _)) if *current_run == run) {
            self.current = None;
        }
        let (_, quota) = self.current.get_or_insert_with(|| (run, RunQuota::new(cap)));
        quota.set_cap(cap);
        quota
    }

    /// Run `run` has ended: its quota goes (a pooled backend may live on for days); another
    /// run's stays.
    pub fn end(&mut self, run: i64) {
        if self.current.as_ref().is_some_and(|(current_run, _)| *current_run == run) {
            self.current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::plan_step;
    use crate::step::tests::{series, utc};
    use chrono::{DateTime, Utc};
    use serde_json::json;
    use synapse_recurrence::series::{Series, TemplateLimits};

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
            let step = plan_step(s, next, as_of, limit);
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
    fn a_forgotten_step_leaves_the_quota_as_before_it() {
        let mut quota = RunQuota::new(150);
        quota.record(1u8, 100);
        quota.record(1, 50);
        assert_eq!(quota.capped().count(), 1);
        quota.forget(1, 50);
        assert_eq!(quota.step_limit(&1), NonZeroUsize::new(50), "the earlier step still counts");
        assert_eq!(quota.capped().count(), 0);
        quota.forget(1, 100);
        quota.forget(2, 10);
        assert!(quota.planned.is_empty(), "nothing is left of either");
    }

    #[test]
    fn the_setting_gives_the_cap() {
        assert_eq!(cap_from_setting(1000), 1000);
        assert_eq!(cap_from_setting(i32::MAX), i32::MAX as u32);
        assert_eq!(cap_from_setting(-5), 1, "never below one");
    }

    #[test]
    fn a_backend_keeps_one_runs_quota_until_that_run_ends() {
        let mut runs = CurrentRun::<u8>::none();
        runs.quota(1, 250).record(7, 100);
        assert_eq!(runs.quota(1, 250).step_limit(&7), NonZeroUsize::new(100), "the same run counts on");
        runs.quota(1, 150).record(7, 50);
        assert_eq!(runs.quota(1, 150).step_limit(&7), None, "a lowered cap applies to the rest of it");
        runs.end(2);
        assert_eq!(runs.quota(1, 150).capped().count(), 1, "another run's end leaves it");
        runs.end(1);
        assert_eq!(runs.quota(1, 150).step_limit(&7), NonZeroUsize::new(100), "gone with its run");
        runs.quota(1, 1000).record(7, 150);
        assert_eq!(runs.quota(3, 1000).step_limit(&7), NonZeroUsize::new(100), "another run starts afresh");
        assert_eq!(runs.quota(1, 1000).step_limit(&7), NonZeroUsize::new(100), "and replaced the first");
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
}
