//! Where a walk over a schedule's periods stands: what `occurrences` advances period by
//! period and `cycles` moves on by whole 400-year cycles.

use chrono::NaiveDate;

/// Where a walk over the periods stands: what skipping whole cycles moves on.
#[derive(Debug, Clone)]
pub(super) struct Walk {
    /// The next period to expand.
    pub period: i64,
    /// Occurrences of the series so far (for `count`), whether returned or not.
    pub emitted: u32,
    /// The last date counted toward `count` without resolving its instant.
    pub last_counted_date: Option<NaiveDate>,
    /// Visited periods without a date since the last that had one.
    pub empty_run: u32,
}
