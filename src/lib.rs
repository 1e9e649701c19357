//! synapse_ext: the Synapse task-management core inside PostgreSQL.
//!
//! Each capability's pure logic is a crate of its own under crates/ (no pgrx, plain
//! `cargo test -p <crate>`), re-exported here: `recurrence` (`synapse_recurrence`: patterns,
//! expansion, RRULE text, words, iCalendar), `generation` (`synapse_generation`: what a
//! generation run makes of the due templates), `counters` (`synapse_counters`: the project
//! counter rules), `search` (`synapse_search`: the search index keys) and `identity`
//! (`synapse_identity`: row-level security's rules and the signed identity). `sql` is the
//! thin #[pg_extern] boundary, one file per capability, that converts types, runs the
//! statements and maps errors.

pub use synapse_counters as counters;
pub use synapse_generation as generation;
pub use synapse_identity as identity;
pub use synapse_recurrence as recurrence;
pub use synapse_search as search;
mod sql;

::pgrx::pg_module_magic!(name, version);

/// Runs once per backend when the library loads: defines the identity settings that
/// row-level security reads (src/sql/identity.rs) and the generation cap
/// (src/sql/generation.rs), and registers the transaction callbacks of the project
/// counters (src/sql/counters.rs).
#[::pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    sql::identity::define_settings();
    sql::generation::define_settings();
    sql::counters::register_callbacks();
}

// COMMENT ON every SQL function and the privileges, once all of them exist.
::pgrx::extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);

#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
