//! The one error type of the recurrence core. The pgrx boundary maps every variant to
//! SQLSTATE 22023 (invalid_parameter_value): each is a bad argument, never a server fault.

use std::fmt;

/// One problem found in a pattern: the JSON path of the offending key and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    /// The pattern breaks the contract; every problem found, in document order.
    #[error("{}", .0.first().map(ToString::to_string).unwrap_or_default())]
    InvalidPattern(Vec<Problem>),
    /// An RRULE text that cannot be read, or that this pattern shape cannot express.
    #[error("{0}")]
    InvalidRrule(String),
    /// An English recurrence text that cannot be read; the message quotes where.
    #[error("{0}")]
    InvalidText(String),
    /// A text that is not an iCalendar calendar at all.
    #[error("{0}")]
    InvalidCalendar(String),
    /// A function argument other than the pattern is unusable (e.g. an infinite dtstart).
    #[error("{name}: {message}")]
    InvalidArgument { name: &'static str, message: String },
}

impl RecurrenceError {
    /// Every problem of a pattern, one per line, for an error's DETAIL: a single one too,
    /// so a client reads the list of problems from one place whatever their number.
    pub fn detail(&self) -> Option<String> {
        match self {
            RecurrenceError::InvalidPattern(problems) if !problems.is_empty() => {
                Some(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
            }
            _ => None,
        }
    }
}

pub type Result<T, E = RecurrenceError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_lists_every_problem_of_a_pattern_even_one() {
        let one =
            RecurrenceError::InvalidPattern(vec![Problem::new("interval", "0 is not an integer in 1..999")]);
        assert_eq!(one.to_string(), "interval: 0 is not an integer in 1..999");
        assert_eq!(one.detail().as_deref(), Some("interval: 0 is not an integer in 1..999"));
        let two = RecurrenceError::InvalidPattern(vec![
            Problem::new("interval", "0 is not an integer in 1..999"),
            Problem::new("daysOfWeek[1]", "8 is not an ISO weekday (1..7)"),
        ]);
        assert_eq!(
            two.detail().as_deref(),
            Some("interval: 0 is not an integer in 1..999\ndaysOfWeek[1]: 8 is not an ISO weekday (1..7)")
        );
        assert_eq!(RecurrenceError::InvalidRrule("BYWEEKNO=20 is not supported".into()).detail(), None);
    }
}
