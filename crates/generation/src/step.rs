//! One generation step of a due template: which occurrences it materialises and the
//! template's next `next_occurrence`.

use chrono::{DateTime, Utc};
use std::num::NonZeroUsize;
use synapse_recurrence::pattern::{Anchor, CatchUp};
use synapse_recurrence::series::Series;

/// At most this many instances of one template are made in one generation step (one
/// batch); a template further behind catches up over the next batches.
pub const MAX_INSTANCES_PER_STEP: usize = 100;

/// External ids are `varchar(100)`.
const MAX_EXTERNAL_ID_CHARS: usize = 100;

/// What one generation step does to a due template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The occurrences to materialise, ascending.
    pub occurrences: Vec<DateTime<Utc>>,
    /// The template's next `next_occurrence`: None once the series has ended, or (anchor
    /// `completion`) until the instance just made is completed.
    pub next: Option<DateTime<Utc>>,
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
/// (`catchUp` all, at most `limit`, see [`crate::quota::RunQuota::step_limit`]) or only
/// the latest (`catchUp` latest). Anchor `completion`: `next` itself, and nothing more
/// until it is completed.
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

/// A version 4 (random) UUID from 16 random bytes, as PostgreSQL's `gen_random_uuid()`
/// makes one (RFC 9562, section 5.4): the version and variant bits set, the other 122
/// bits the random ones.
pub fn uuid_v4(mut random: [u8; 16]) -> [u8; 16] {
    random[6] = (random[6] & 0x0f) | 0x40;
    random[8] = (random[8] & 0x3f) | 0x80;
    random
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use serde_json::json;
    use synapse_recurrence::series::TemplateLimits;
    use synapse_recurrence::Pattern;

    pub(crate) fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    pub(crate) fn series(pattern: serde_json::Value, start: DateTime<Utc>, limits: TemplateLimits) -> Series {
        Series::new(&Pattern::from_json(&pattern).unwrap(), start, &limits).unwrap()
    }

    /// A step with the whole per-batch allowance (a run that has made nothing yet).
    fn plan_step(series: &Series, next: DateTime<Utc>, as_of: DateTime<Utc>) -> Step {
        super::plan_step(series, next, as_of, NonZeroUsize::new(MAX_INSTANCES_PER_STEP).unwrap())
    }

    #[test]
    fn catch_up_all_makes_every_missed_occurrence_and_moves_next_past_as_of() {
        let s = series(json!({"frequency": "daily"}), utc(2026, 1, 1, 9), TemplateLimits::default());
        let step = plan_step(&s, utc(2026, 1, 1, 9), utc(2026, 1, 3, 12));
        assert_eq!(step.occurrences, vec![utc(2026, 1, 1, 9), utc(2026, 1, 2, 9), utc(2026, 1, 3, 9)]);
        assert_eq!(step.next, Some(utc(2026, 1, 4, 9)));
        assert!(!step.still_due(utc(2026, 1, 3, 12)));
        assert!(step.still_due(utc(2026, 1, 4, 9)), "due again at its next occurrence");
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
        let limited = super::plan_step(&s, resume, as_of, NonZeroUsize::new(3).unwrap());
        assert_eq!(limited.occurrences, second.occurrences[..3], "a smaller limit stops sooner");
        assert_eq!(limited.next, Some(second.occurrences[3]));
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
        // Past the template's end date nothing more is made.
        let ended = series(
            json!({"frequency": "daily", "anchor": "completion"}),
            utc(2026, 1, 5, 9),
            TemplateLimits { end_date: Some(utc(2026, 1, 6, 0)), ..Default::default() },
        );
        assert!(plan_step(&ended, utc(2026, 1, 7, 9), utc(2026, 1, 20, 0)).occurrences.is_empty());
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
    fn uuid_v4_sets_version_and_variant_and_keeps_the_rest() {
        let zeros = uuid_v4([0; 16]);
        assert_eq!((zeros[6], zeros[8]), (0x40, 0x80));
        let ones = uuid_v4([0xff; 16]);
        assert_eq!((ones[6], ones[8]), (0x4f, 0xbf));
        let mut kept = [0xa5; 16];
        kept[6] = 0x45;
        kept[8] = 0xa5;
        assert_eq!(
            uuid_v4([0xa5; 16]),
            kept,
            "all but the version nibble and the variant bits are the random ones"
        );
    }

    #[test]
    fn external_ids_are_deterministic_and_fit_the_column() {
        let at = utc(2026, 11, 27, 8);
        assert_eq!(instance_external_id("TASK-12", "u", at), "TASK-12-20261127T080000Z");
        let long = "X".repeat(90);
        let uuid = "6f1c2a9e-0000-4000-8000-000000000001";
        assert_eq!(instance_external_id(&long, uuid, at), format!("{uuid}-20261127T080000Z"));
        let just_fits = "X".repeat(100 - "-20261127T080000Z".len());
        assert_eq!(instance_external_id(&just_fits, uuid, at), format!("{just_fits}-20261127T080000Z"));
    }
}
