//! The identity claim: the text the extension writes into the transaction-local setting
//! `synapse.identity_claim`, and the only way an identity is set.
//!
//! `v1.<user>.<department or ->.<role>.<expiry or ->.<mac>`, where the MAC is
//! HMAC-SHA256 over the fields under a key only the server knows (`synapse.identity_secret`,
//! or a random key per backend). The setting must stay settable by `SET LOCAL`: that is how
//! Citus hands a transaction's identity to its shard connections, as the same database user.
//! The MAC is what tells the extension's own value from one typed by hand: a claim without a
//! valid MAC is refused, so `SET synapse.identity_claim = '…Admin…'` fails.
//!
//! The expiry is the signed mode's token expiry (seconds since 1970, UTC); a claim past it
//! is refused. The trusted mode's claims have none: they live only as long as the
//! transaction that set them (`SET LOCAL`).

use crate::rules::{format_uuid, parse_role, parse_uuid, Identity, Role, Uuid};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use thiserror::Error;

const VERSION: &str = "v1";
/// Bound into every MAC, so the key signs nothing else by accident.
const CONTEXT: &[u8] = b"synapse.identity_claim v1\n";

/// An identity, as the extension vouches for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim {
    pub user: Uuid,
    pub department: Option<Uuid>,
    pub role: Role,
    /// Seconds since 1970 (UTC) after which the claim is refused; None: no expiry.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ClaimError {
    #[error("it is not a claim made by synapse.set_current_user or synapse.set_current_user_token")]
    Malformed,
    #[error("its signature does not verify (it was not made by this server's synapse_ext, or synapse.identity_secret differs between the servers)")]
    BadSignature,
    #[error("it expired at {}", crate::utc_text(*.0))]
    Expired(i64),
}

impl Claim {
    pub fn identity(&self) -> Identity {
        Identity { user: Some(self.user), department: self.department, role: Some(self.role) }
    }

    /// The claim's text, signed with `key`. Only hex digits, letters, '-', '_' and '.':
    /// safe inside a quoted SQL literal.
    pub fn sign(&self, key: &[u8]) -> String {
        let body = format!(
            "{VERSION}.{}.{}.{}.{}",
            format_uuid(&self.user),
            self.department.as_ref().map_or_else(|| "-".to_owned(), format_uuid),
            self.role.label(),
            self.expires_at.map_or_else(|| "-".to_owned(), |at| at.to_string()),
        );
        let tag = hmac::sign(&hmac_key(key), &signed_bytes(&body));
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// Checks `text`'s MAC with `key` and its expiry against `now` (seconds since 1970,
    /// with `leeway` seconds of clock skew), then reads it.
    pub fn verify(text: &str, key: &[u8], now: i64, leeway: i64) -> Result<Claim, ClaimError> {
        let (body, tag) = text.rsplit_once('.').ok_or(ClaimError::Malformed)?;
        let claim = Claim::read_body(body)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| ClaimError::Malformed)?;
        hmac::verify(&hmac_key(key), &signed_bytes(body), &tag).map_err(|_| ClaimError::BadSignature)?;
        match claim.expires_at {
            Some(at) if now >= at.saturating_add(leeway) => Err(ClaimError::Expired(at)),
            _ => Ok(claim),
        }
    }

    /// Reads a claim whose MAC has already been checked (PostgreSQL checks a setting's
    /// value once, then assigns it, and re-assigns it without a check when a transaction
    /// or savepoint ends).
    pub fn read(text: &str) -> Result<Claim, ClaimError> {
        let (body, _tag) = text.rsplit_once('.').ok_or(ClaimError::Malformed)?;
        Claim::read_body(body)
    }

    fn read_body(body: &str) -> Result<Claim, ClaimError> {
        let fields: Vec<&str> = body.split('.').collect();
        let [VERSION, user, department, role, expires_at] = fields[..] else {
            return Err(ClaimError::Malformed);
        };
        let uuid = |text: &str| parse_uuid(text).map_err(|_| ClaimError::Malformed);
        Ok(Claim {
            user: uuid(user)?.ok_or(ClaimError::Malformed)?,
            department: if department == "-" {
                None
            } else {
                Some(uuid(department)?.ok_or(ClaimError::Malformed)?)
            },
            role: parse_role(role).ok().flatten().ok_or(ClaimError::Malformed)?,
            expires_at: if expires_at == "-" {
                None
            } else {
                Some(expires_at.parse().map_err(|_| ClaimError::Malformed)?)
            },
        })
    }
}

fn hmac_key(key: &[u8]) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, key)
}

fn signed_bytes(body: &str) -> Vec<u8> {
    [CONTEXT, body.as_bytes()].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const USER: Uuid = [0x11; 16];
    const DEPARTMENT: Uuid = [0x22; 16];

    fn member() -> Claim {
        Claim { user: USER, department: Some(DEPARTMENT), role: Role::Member, expires_at: None }
    }

    #[test]
    fn a_signed_claim_verifies_and_reads_back() {
        for claim in [
            member(),
            Claim { user: USER, department: None, role: Role::Admin, expires_at: Some(1_900_000_000) },
        ] {
            let text = claim.sign(KEY);
            assert_eq!(Claim::verify(&text, KEY, 1_800_000_000, 60), Ok(claim), "{text}");
            assert_eq!(Claim::read(&text), Ok(claim));
            assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{text}");
        }
        assert_eq!(
            member().sign(KEY).rsplit_once('.').unwrap().0,
            "v1.11111111-1111-1111-1111-111111111111.22222222-2222-2222-2222-222222222222.Member.-"
        );
    }

    #[test]
    fn a_changed_field_or_another_key_fails_the_mac() {
        let text = member().sign(KEY);
        let forged = text.replace("Member", "Admin");
        assert_eq!(Claim::verify(&forged, KEY, 0, 60), Err(ClaimError::BadSignature));
        let other_department = text.replace("22222222-2222", "33333333-3333");
        assert_eq!(Claim::verify(&other_department, KEY, 0, 60), Err(ClaimError::BadSignature));
        assert_eq!(
            Claim::verify(&text, b"another key of thirty-two bytes!", 0, 60),
            Err(ClaimError::BadSignature)
        );
        // Forged by hand with a MAC of the right length but wrong value.
        let (body, tag) = text.rsplit_once('.').unwrap();
        let zeros = URL_SAFE_NO_PAD.encode([0u8; 32]);
        assert_eq!(tag.len(), zeros.len());
        assert_eq!(Claim::verify(&format!("{body}.{zeros}"), KEY, 0, 60), Err(ClaimError::BadSignature));
    }

    #[test]
    fn malformed_texts_are_refused_before_any_mac() {
        for text in [
            "",
            "Admin",
            "v1",
            "v1.11111111-1111-1111-1111-111111111111.-.Admin.-",
            "v2.11111111-1111-1111-1111-111111111111.-.Admin.-.AAAA",
            "v1.not-a-uuid.-.Admin.-.AAAA",
            "v1.11111111-1111-1111-1111-111111111111.-.Root.-.AAAA",
            "v1.11111111-1111-1111-1111-111111111111.-.Admin.soon.AAAA",
            "v1.11111111-1111-1111-1111-111111111111.-.Admin.-.extra.AAAA",
            "v1.11111111-1111-1111-1111-111111111111.-.Admin.-.!!!",
        ] {
            assert_eq!(Claim::verify(text, KEY, 0, 60), Err(ClaimError::Malformed), "{text:?}");
        }
    }

    #[test]
    fn an_expired_claim_is_refused_after_the_leeway() {
        let claim = Claim { expires_at: Some(1_000), ..member() };
        let text = claim.sign(KEY);
        assert_eq!(Claim::verify(&text, KEY, 1_059, 60), Ok(claim));
        assert_eq!(Claim::verify(&text, KEY, 1_060, 60), Err(ClaimError::Expired(1_000)));
        assert!(ClaimError::Expired(1_000).to_string().contains("1970-01-01 00:16:40 UTC"));
    }
}
