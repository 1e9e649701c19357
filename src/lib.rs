//! synapse_ext: the Synapse task-management core inside PostgreSQL.
//!
//! `recurrence` is the pure core, its own crate `synapse_recurrence` (crates/recurrence:
//! no pgrx, plain `cargo test -p synapse_recurrence`); `sql` is the thin #[pg_extern]
//! boundary that converts types and maps errors.

pub use synapse_recurrence as recurrence;
mod sql;

::pgrx::pg_module_magic!(name, version);

// COMMENT ON every SQL function, once all of them exist.
::pgrx::extension_sql_file!("../sql/comments.sql", name = "comments", finalize);

#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
