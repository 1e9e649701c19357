//! synapse_ext: the Synapse task-management core inside PostgreSQL.
//!
//! `recurrence` is the pure core (no pgrx, plain `cargo test`); `sql` is the thin
//! #[pg_extern] boundary that converts types and maps errors.

pub mod recurrence;
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
