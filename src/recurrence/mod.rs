//! The recurrence core: pure Rust, no pgrx, tested with plain `cargo test`.

pub mod engine;
pub mod error;
pub mod pattern;
pub mod rrule_text;
pub mod series;

pub use engine::{Occurrence, Schedule};
pub use error::{Problem, RecurrenceError};
pub use pattern::Pattern;

#[cfg(test)]
mod tests;
