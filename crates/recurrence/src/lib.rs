//! The Synapse recurrence core: pure Rust, no PostgreSQL, tested with plain
//! `cargo test -p synapse_recurrence`. The extension (synapse_ext) re-exports it as
//! `synapse_ext::recurrence`; any Rust service can use it for previews directly.
//!
//! - [`pattern`]: the JSON pattern contract, read with every problem and its path
//! - [`engine`]: a [`Schedule`] expands a pattern from a series start into occurrences
//! - [`rrule_text`]: RFC 5545 / RFC 7529 text both ways
//! - [`words`]: a pattern in English, and English read into a pattern
//! - [`ical`]: RFC 5545 calendars of tasks, written and read
//! - [`query`]: the questions the SQL functions ask, with infinite bounds and row limits
//! - [`error`]: the one error type

pub mod calendar;
pub mod engine;
pub mod error;
pub mod ical;
pub mod message;
pub mod pattern;
pub mod query;
pub mod rrule_text;
pub mod series;
pub mod words;

pub use engine::{Occurrence, Schedule};
pub use error::{Problem, RecurrenceError};
pub use pattern::Pattern;

#[cfg(test)]
mod tests;
