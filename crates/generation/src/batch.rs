//! One batch of a generation run: the checks of a call's arguments, the order the
//! departments are served in, the plan of one department's claimed templates, what was
//! made per template, and what the run log keeps of the failures.

use crate::quota::RunQuota;
use crate::template::{Planned, Template};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;
use synapse_recurrence::RecurrenceError;

/// How many errors a run keeps in its log row; the rest are counted only.
pub const MAX_LOGGED_ERRORS: i64 = 20;

/// The batch size a call asked for: at least one template; NULL is refused (a client
/// passing "no value" gets an error, not a silently empty run).
pub fn checked_batch_size(batch_size: Option<i32>) -> Result<i32, RecurrenceError> {
    let invalid = |message: String| RecurrenceError::InvalidArgument { name: "batch_size", message };
    match batch_size {
        None => Err(invalid("must not be NULL".into())),
        Some(n) if n < 1 => Err(invalid(format!("{n} is not positive"))),
        Some(n) => Ok(n),
    }
}

/// Whether generating as of `as_of` is generating ahead of time, which only the owner of
/// the tasks may: `as_of` after `now` (the clock, not the transaction's start, since the
/// procedure's cutoff is the clock at its start).
pub fn ahead_of_time(as_of: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    as_of > now
}

/// The departments in the order a batch serves them: every one once, starting at the
/// `batches`-th (the batches the run has done so far), so a large backlog in one
/// department does not hold the others back for a whole run.
pub fn department_order<T: Copy>(departments: &[T], batches: i32) -> impl Iterator<Item = T> + '_ {
    let offset = if departments.is_empty() { 0 } else { batches as usize % departments.len() };
    departments.iter().cycle().skip(offset).take(departments.len()).copied()
}

/// A template that could not be planned or written, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<Id> {
    pub department: Id,
    pub template: Id,
    pub error: String,
}

/// What one batch has done so far.
#[derive(Debug, Clone)]
pub struct Outcome<Id> {
    /// Templates claimed.
    pub claimed: i32,
    /// Instances made.
    pub generated: i32,
    /// Templates failed, in the order they failed.
    pub failed: Vec<Failure<Id>>,
}

impl<Id> Default for Outcome<Id> {
    fn default() -> Self {
        Outcome { claimed: 0, generated: 0, failed: Vec::new() }
    }
}

impl<Id: Display> Outcome<Id> {
    /// How many more templates a batch of `batch_size` may claim; None when it is full.
    pub fn room(&self, batch_size: i32) -> Option<i32> {
        (self.claimed < batch_size).then(|| batch_size - self.claimed)
    }

    pub fn failed_count(&self) -> i32 {
        i32::try_from(self.failed.len()).unwrap_or(i32::MAX)
    }

    /// The failures as the run log's `errors` (a JSON array; the log keeps the first
    /// [`MAX_LOGGED_ERRORS`] of a run).
    pub fn errors_log(&self) -> serde_json::Value {
        self.failed
            .iter()
            .map(|f| {
                serde_json::json!({
                    "department_id": f.department.to_string(),
                    "template_id": f.template.to_string(),
                    "error": f.error,
                })
            })
            .collect()
    }
}

/// The plan of one department's claimed templates.
#[derive(Debug, Clone)]
pub struct DepartmentPlan<Id> {
    /// What to write, in the order claimed.
    pub planned: Vec<Planned<Id>>,
    /// The templates that could not be planned, and why.
    pub failed: Vec<(Id, String)>,
    /// The templates that made their per-run cap with more still due, with the
    /// `next_occurrence` they stay due from.
    pub capped: Vec<(Id, Option<DateTime<Utc>>)>,
}

/// Plans each claimed template within what `quota` leaves it, and counts the plan against
/// the quota: occurrences are counted when planned, so a write that fails still counts
/// against the cap (the template then makes fewer in this run, never twice). A template
/// without an allowance left (capped in this very batch, which one claim per department
/// per batch rules out) is passed over and waits for the next run.
pub fn plan_department<Id: Copy + Eq + Hash + Display>(
    quota: &mut RunQuota<Id>,
    templates: &[Template<Id>],
    as_of: DateTime<Utc>,
) -> DepartmentPlan<Id> {
    let mut plan = DepartmentPlan {
        planned: Vec::with_capacity(templates.len()),
        failed: Vec::new(),
        capped: Vec::new(),
    };
    for template in templates {
        let Some(limit) = quota.step_limit(&template.id) else { continue };
        match template.plan(as_of, limit) {
            Ok(planned) => {
                quota.record(template.id, planned.occurrences.len());
                if planned.still_due && quota.step_limit(&template.id).is_none() {
                    plan.capped.push((template.id, planned.next));
                }
                plan.planned.push(planned);
            }
            Err(message) => plan.failed.push((template.id, message)),
        }
    }
    plan
}

/// How many instances each of `templates` made, given the parent of every instance the
/// insert returned (an occurrence whose instance existed already returns none).
pub fn made_per_template<Id: Eq + Hash>(templates: &[Id], made_parents: &[Id]) -> Vec<i32> {
    let mut made: HashMap<&Id, i32> = HashMap::new();
    for parent in made_parents {
        *made.entry(parent).or_default() += 1;
    }
    templates.iter().map(|id| made.get(id).copied().unwrap_or(0)).collect()
}

/// The message recorded for a template whose statements raised `message` with `detail`:
/// the detail in parentheses, unless it only repeats the message (a pattern error's
/// DETAIL lists a single problem, which the message is).
pub fn failure_message(message: &str, detail: Option<&str>) -> String {
    match detail {
        Some(detail) if detail != message => format!("{message} ({detail})"),
        _ => message.to_string(),
    }
}

/// Whether an error (by its SQLSTATE) is the server's or the cluster's rather than a
/// template's, and so stops the run instead of being recorded on the templates: a lost
/// connection, a Citus node gone (class 08), no disk space or memory left (53), a cancel
/// or a shutdown (57), an I/O error (58), corrupted data (XX001, XX002). The next run
/// retries every template such an error touched; recording it on them would make each
/// wait a run for nothing.
pub fn fails_the_run(sqlstate: &str) -> bool {
    matches!(sqlstate.get(..2), Some("08" | "53" | "57" | "58")) || matches!(sqlstate, "XX001" | "XX002")
}

/// The error a run stopped by such an error ends with.
pub fn run_stopped_message(run: i64, error: &str) -> String {
    format!("generation run {run} stopped: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::tests::utc;
    use crate::template::tests::template;
    use synapse_recurrence::query::Moment;

    #[test]
    fn the_batch_size_is_positive_and_present() {
        assert_eq!(checked_batch_size(Some(100)), Ok(100));
        assert_eq!(checked_batch_size(Some(1)), Ok(1));
        let message = |n| checked_batch_size(n).unwrap_err().to_string();
        assert_eq!(message(Some(0)), "batch_size: 0 is not positive");
        assert_eq!(message(Some(-3)), "batch_size: -3 is not positive");
        assert_eq!(message(None), "batch_size: must not be NULL");
    }

    #[test]
    fn only_a_moment_after_the_clock_is_ahead_of_time() {
        let now = utc(2026, 12, 2, 9);
        assert!(ahead_of_time(utc(2026, 12, 2, 10), now));
        assert!(!ahead_of_time(now, now), "now is anyone's");
        assert!(!ahead_of_time(utc(2026, 12, 1, 9), now));
    }

    #[test]
    fn each_batch_starts_at_the_next_department_and_serves_every_one_once() {
        let departments = ['a', 'b', 'c'];
        let order = |batches| department_order(&departments, batches).collect::<String>();
        assert_eq!(order(0), "abc");
        assert_eq!(order(1), "bca");
        assert_eq!(order(2), "cab");
        assert_eq!(order(3), "abc", "round and round");
        assert_eq!(order(7), "bca");
        assert_eq!(department_order::<char>(&[], 5).count(), 0, "no departments, nothing to serve");
    }

    #[test]
    fn a_batch_has_room_until_it_has_claimed_its_size() {
        let mut outcome = Outcome::<u8>::default();
        assert_eq!(outcome.room(100), Some(100));
        outcome.claimed = 60;
        assert_eq!(outcome.room(100), Some(40));
        outcome.claimed = 100;
        assert_eq!(outcome.room(100), None);
    }

    #[test]
    fn the_run_log_lists_each_failure_with_its_department_and_template() {
        let mut outcome = Outcome::<u8>::default();
        assert_eq!(outcome.errors_log(), serde_json::json!([]));
        outcome.failed.push(Failure { department: 1, template: 2, error: "bad".into() });
        outcome.failed.push(Failure { department: 1, template: 3, error: "worse".into() });
        assert_eq!(outcome.failed_count(), 2);
        assert_eq!(
            outcome.errors_log(),
            serde_json::json!([
                {"department_id": "1", "template_id": "2", "error": "bad"},
                {"department_id": "1", "template_id": "3", "error": "worse"},
            ])
        );
    }

    #[test]
    fn a_department_plan_counts_against_the_quota_and_names_the_capped() {
        let start = utc(2026, 1, 1, 9);
        let as_of = utc(2026, 1, 10, 12); // ten daily occurrences due
        let daily = template(1, r#"{"frequency": "daily"}"#, start);
        let broken = template(2, r#"{"frequency": "daily", "interval": 0}"#, start);
        let weekly = template(3, r#"{"frequency": "weekly"}"#, start);
        let mut quota = RunQuota::new(4);
        let plan = plan_department(&mut quota, &[daily.clone(), broken, weekly], as_of);
        assert_eq!(
            plan.planned.iter().map(|p| (p.id, p.occurrences.len())).collect::<Vec<_>>(),
            vec![(1, 4), (3, 2)]
        );
        assert_eq!(plan.failed.len(), 1);
        assert_eq!(plan.failed[0].0, 2);
        assert!(plan.failed[0].1.starts_with("recurrence_pattern: interval: "), "{}", plan.failed[0].1);
        assert_eq!(plan.capped, vec![(1, Some(utc(2026, 1, 5, 9)))], "still due from its fifth day");
        assert_eq!(quota.capped().copied().collect::<Vec<_>>(), vec![1]);
        // Claimed again in the same run (a later batch would not claim it): passed over.
        let again = plan_department(&mut quota, &[daily], as_of);
        assert!(again.planned.is_empty() && again.failed.is_empty() && again.capped.is_empty());
    }

    #[test]
    fn a_template_that_ends_exactly_at_the_cap_is_not_reported_capped() {
        let start = utc(2026, 1, 1, 9);
        let four = template(1, r#"{"frequency": "daily", "count": 4}"#, start);
        let mut quota = RunQuota::new(4);
        let plan = plan_department(&mut quota, &[four], utc(2026, 1, 10, 12));
        assert_eq!(plan.planned[0].occurrences.len(), 4);
        assert_eq!(plan.planned[0].next, None);
        assert!(plan.capped.is_empty(), "nothing is left due");
        let mut infinite = template(2, r#"{"frequency": "daily"}"#, start);
        infinite.next = Moment::Infinity;
        let plan = plan_department(&mut RunQuota::new(4), &[infinite], utc(2026, 1, 10, 12));
        assert_eq!(plan.failed, vec![(2, "next_occurrence: must be a finite timestamp".to_string())]);
    }

    #[test]
    fn made_counts_follow_the_returned_parents() {
        assert_eq!(made_per_template(&[1, 2, 3], &[2, 1, 2, 2]), vec![1, 3, 0]);
        assert_eq!(made_per_template::<u8>(&[1], &[]), vec![0], "every occurrence existed already");
    }

    #[test]
    fn a_failure_message_keeps_a_detail_that_adds_something() {
        assert_eq!(failure_message("division by zero", None), "division by zero");
        assert_eq!(failure_message("interval: 0", Some("interval: 0")), "interval: 0");
        assert_eq!(
            failure_message("duplicate key", Some("Key (id)=(1) already exists.")),
            "duplicate key (Key (id)=(1) already exists.)"
        );
    }

    #[test]
    fn errors_of_the_server_or_the_cluster_stop_the_run_and_a_templates_own_do_not() {
        for sqlstate in ["53100", "53200", "08006", "08000", "57014", "57P01", "58030", "XX001", "XX002"] {
            assert!(fails_the_run(sqlstate), "{sqlstate} stops the run");
        }
        for sqlstate in ["23514", "23505", "22023", "40P01", "40001", "XX000", "P0001", "42501", ""] {
            assert!(!fails_the_run(sqlstate), "{sqlstate} is a template's failure");
        }
        assert_eq!(
            run_stopped_message(7, "could not extend file"),
            "generation run 7 stopped: could not extend file"
        );
    }
}
