//! A recurring template as generation reads it: its columns merged into its series, and
//! the plan of its next step.

use crate::step::{instance_external_id, plan_step};
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Display;
use std::num::NonZeroUsize;
use synapse_recurrence::query::Moment;
use synapse_recurrence::series::{Series, TemplateLimits};
use synapse_recurrence::{Pattern, RecurrenceError};

/// The columns of a template that shape its series besides the pattern.
#[derive(Debug, Clone)]
pub struct Columns {
    /// `recurrence_start`; it must be finite.
    pub start: Moment,
    /// `skip_dates` (the finite ones).
    pub skip_dates: Vec<NaiveDate>,
    /// `recurrence_end_date`, inclusive; an infinity reads as the earliest or latest instant.
    pub end_date: Option<Moment>,
    /// `recurrence_count`; it must be positive.
    pub count: Option<i32>,
}

impl Columns {
    /// The template's series: `pattern` from `start`, with the skipped dates, the end date
    /// and the count merged in (the earlier end, the smaller count). An infinite start is
    /// refused before a count that is not positive.
    pub fn series(&self, pattern: &Pattern) -> Result<Series, RecurrenceError> {
        let start = self.start.finite("recurrence_start")?;
        let count = match self.count {
            Some(n) if n < 1 => {
                return Err(RecurrenceError::InvalidArgument {
                    name: "recurrence_count",
                    message: "must be positive".into(),
                })
            }
            n => n.map(|n| n as u32),
        };
        let limits = TemplateLimits {
            skip_dates: self.skip_dates.clone(),
            end_date: self.end_date.map(Moment::clamped),
            count,
        };
        Series::new(pattern, start, &limits)
    }
}

/// How many instances a completion-anchored template has made, as its
/// `recurrence_generated_count` says: NULL (or a negative count) as none.
pub fn generated_count(column: Option<i32>) -> u32 {
    u32::try_from(column.unwrap_or(0)).unwrap_or(0)
}

/// A due template as claimed, identified by `Id` (its uuid).
#[derive(Debug, Clone)]
pub struct Template<Id> {
    pub id: Id,
    /// Its external id (`task_id`), the stem of its instances'.
    pub task_id: String,
    /// `recurrence_pattern` as JSON text.
    pub pattern: String,
    pub columns: Columns,
    /// `next_occurrence`; it must be finite.
    pub next: Moment,
}

/// What to write for one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned<Id> {
    pub id: Id,
    /// The instances to make: each occurrence with its external id, ascending.
    pub occurrences: Vec<(DateTime<Utc>, String)>,
    /// The template's new `next_occurrence`.
    pub next: Option<DateTime<Utc>>,
    /// More is due at `as_of` than this step makes.
    pub still_due: bool,
}

impl<Id: Copy + Display> Template<Id> {
    /// The template's next step at `as_of`, making at most `limit` occurrences; the error
    /// is the message recorded on the template (`recurrence_last_error`) and in the run log.
    pub fn plan(&self, as_of: DateTime<Utc>, limit: NonZeroUsize) -> Result<Planned<Id>, String> {
        let pattern =
            Pattern::from_json_text(&self.pattern).map_err(|e| format!("recurrence_pattern: {e}"))?;
        let series = self.columns.series(&pattern).map_err(|e| e.to_string())?;
        let next = self.next.finite("next_occurrence").map_err(|e| e.to_string())?;
        let step = plan_step(&series, next, as_of, limit);
        let template_uuid = self.id.to_string();
        Ok(Planned {
            id: self.id,
            still_due: step.still_due(as_of),
            occurrences: step
                .occurrences
                .into_iter()
                .map(|at| (at, instance_external_id(&self.task_id, &template_uuid, at)))
                .collect(),
            next: step.next,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::step::tests::utc;

    pub(crate) fn columns(start: DateTime<Utc>) -> Columns {
        Columns { start: Moment::At(start), skip_dates: Vec::new(), end_date: None, count: None }
    }

    pub(crate) fn template(id: u8, pattern: &str, start: DateTime<Utc>) -> Template<u8> {
        Template {
            id,
            task_id: format!("TASK-{id}"),
            pattern: pattern.into(),
            columns: columns(start),
            next: Moment::At(start),
        }
    }

    fn limit(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap()
    }

    fn daily() -> Pattern {
        Pattern::from_json_text(r#"{"frequency": "daily"}"#).unwrap()
    }

    #[test]
    fn the_columns_limits_merge_with_the_pattern() {
        let start = utc(2026, 1, 1, 9);
        let merged = Columns {
            skip_dates: vec![NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()],
            end_date: Some(Moment::At(utc(2026, 1, 5, 9))),
            count: Some(3),
            ..columns(start)
        };
        let series = merged.series(&daily()).unwrap();
        let all: Vec<_> = series.occurrences_from(start).collect();
        assert_eq!(all, vec![utc(2026, 1, 1, 9), utc(2026, 1, 3, 9)], "the count counts the skipped date");
        let ends = Columns { end_date: Some(Moment::At(utc(2026, 1, 2, 9))), ..columns(start) };
        assert_eq!(ends.series(&daily()).unwrap().occurrences_from(start).count(), 2, "the end is inclusive");
        let endless = Columns { end_date: Some(Moment::Infinity), ..columns(start) };
        assert_eq!(
            endless.series(&daily()).unwrap().first_from(utc(3000, 1, 1, 0)),
            Some(utc(3000, 1, 1, 9))
        );
        let ended = Columns { end_date: Some(Moment::NegInfinity), ..columns(start) };
        assert_eq!(
            ended.series(&daily()).unwrap().first_from(start),
            None,
            "-infinity: ended before it began"
        );
    }

    #[test]
    fn an_infinite_start_and_a_count_below_one_are_refused_start_first() {
        let start = utc(2026, 1, 1, 9);
        let message = |c: Columns| c.series(&daily()).unwrap_err().to_string();
        assert_eq!(
            message(Columns { count: Some(0), ..columns(start) }),
            "recurrence_count: must be positive"
        );
        assert_eq!(
            message(Columns { count: Some(-1), ..columns(start) }),
            "recurrence_count: must be positive"
        );
        assert!(Columns { count: Some(1), ..columns(start) }.series(&daily()).is_ok());
        let infinite = Columns { start: Moment::Infinity, count: Some(0), ..columns(start) };
        assert_eq!(message(infinite), "recurrence_start: must be a finite timestamp");
        assert_eq!(
            message(Columns { start: Moment::NegInfinity, ..columns(start) }),
            "recurrence_start: must be a finite timestamp"
        );
    }

    #[test]
    fn the_generated_count_is_never_negative() {
        assert_eq!(generated_count(Some(3)), 3);
        assert_eq!(generated_count(None), 0);
        assert_eq!(generated_count(Some(-2)), 0);
    }

    #[test]
    fn a_plan_names_its_instances_and_the_next_occurrence() {
        let t = template(7, r#"{"frequency": "daily"}"#, utc(2026, 1, 1, 9));
        let planned = t.plan(utc(2026, 1, 2, 12), limit(100)).unwrap();
        assert_eq!(
            planned,
            Planned {
                id: 7,
                occurrences: vec![
                    (utc(2026, 1, 1, 9), "TASK-7-20260101T090000Z".into()),
                    (utc(2026, 1, 2, 9), "TASK-7-20260102T090000Z".into()),
                ],
                next: Some(utc(2026, 1, 3, 9)),
                still_due: false,
            }
        );
        let limited = t.plan(utc(2026, 1, 2, 12), limit(1)).unwrap();
        assert_eq!(limited.occurrences.len(), 1);
        assert!(limited.still_due, "the limit left one due");
        assert_eq!(limited.next, Some(utc(2026, 1, 2, 9)));
    }

    #[test]
    fn a_long_external_id_falls_back_to_the_templates_id() {
        let t = Template {
            task_id: "X".repeat(95),
            ..template(9, r#"{"frequency": "daily"}"#, utc(2026, 1, 1, 9))
        };
        let planned = t.plan(utc(2026, 1, 1, 9), limit(1)).unwrap();
        assert_eq!(planned.occurrences[0].1, "9-20260101T090000Z", "the id's text stands for the task id");
    }

    #[test]
    fn what_cannot_be_planned_is_said_in_the_templates_error() {
        let start = utc(2026, 1, 1, 9);
        let as_of = utc(2026, 1, 2, 0);
        let bad_pattern = template(1, r#"{"frequency": "hourly"}"#, start);
        let error = bad_pattern.plan(as_of, limit(100)).unwrap_err();
        assert!(error.starts_with("recurrence_pattern: frequency: "), "{error}");
        let not_json = template(1, "{", start);
        assert!(not_json.plan(as_of, limit(100)).unwrap_err().starts_with("recurrence_pattern: "));
        let bad_count = Template {
            columns: Columns { count: Some(0), ..columns(start) },
            ..template(1, "{\"frequency\": \"daily\"}", start)
        };
        assert_eq!(bad_count.plan(as_of, limit(100)).unwrap_err(), "recurrence_count: must be positive");
        let infinite_next =
            Template { next: Moment::Infinity, ..template(1, "{\"frequency\": \"daily\"}", start) };
        assert_eq!(
            infinite_next.plan(as_of, limit(100)).unwrap_err(),
            "next_occurrence: must be a finite timestamp"
        );
    }
}
