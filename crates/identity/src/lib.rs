//! Who a Synapse transaction acts for: pure Rust, no PostgreSQL, so plain
//! `cargo test -p synapse_identity` covers it. The extension (src/sql/identity.rs) keeps
//! the parsed identity per backend and exposes these rules to the row-level security
//! policies.
//!
//! - [`rules`]: the identity (user, department, role) and the read and write rules.
//! - [`claim`]: the signed text that carries an identity in the transaction-local setting
//!   `synapse.identity_claim`, so that only the extension can set it, on a Citus worker too.
//! - [`token`]: EdDSA (Ed25519) JSON Web Tokens checked against a JWKS: the signed mode,
//!   where an application proves which user it acts for.

pub mod claim;
pub mod rules;
pub mod token;

pub use rules::{format_uuid, parse_role, parse_uuid, Identity, IdentityError, Role, Uuid};

/// Seconds since 1970-01-01 UTC as a readable UTC time, for error messages.
fn utc_text(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("{seconds} s after 1970"))
}
