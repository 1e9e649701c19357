//! Recurring generation's decisions (docs/generation.md): pure Rust, no PostgreSQL, so
//! `cargo test -p synapse_generation` covers them. The extension's `src/sql/generation.rs`
//! claims the due templates, converts their rows, runs the statements and isolates failures
//! in subtransactions; what it does with the rows is decided here.
//!
//! - [`template`]: a claimed template's columns merged into its series (the count check,
//!   the end date, the skipped dates) and the plan of its next step, with the instances'
//!   external ids
//! - [`step`]: which occurrences one step makes, and the template's next one
//! - [`quota`]: the per-run cap of one template's occurrences, and the run a backend is
//!   working on
//! - [`batch`]: the checks of a call's arguments, the department a batch starts at, the
//!   plan of one department's claimed templates, the instances made per template, the
//!   run log's errors
//!
//! Errors are the recurrence core's one error type, [`RecurrenceError`].

pub mod batch;
pub mod quota;
pub mod step;
pub mod template;

pub use synapse_recurrence::RecurrenceError;
