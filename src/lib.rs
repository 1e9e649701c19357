//! synapse_ext: the Synapse task-management core inside PostgreSQL.
//!
//! `recurrence` is the pure core (no pgrx); `sql` holds the thin #[pg_extern] boundary.

pub mod recurrence;

::pgrx::pg_module_magic!(name, version);
