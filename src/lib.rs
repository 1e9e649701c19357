//! synapse_ext: the Synapse task-management core inside PostgreSQL.
//!
//! `recurrence` is the pure core, its own crate `synapse_recurrence` (crates/recurrence:
//! no pgrx, plain `cargo test -p synapse_recurrence`); `identity` is the pure part of
//! row-level security and the signed identity, `synapse_identity` (crates/identity);
//! `counters` the project counter rules and `search` the search index keys (no pgrx, plain
//! `cargo test`); `sql` is the thin #[pg_extern] boundary that converts types and maps
//! errors.

pub mod counters;
pub mod search;
pub use synapse_identity as identity;
pub use synapse_recurrence as recurrence;
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
