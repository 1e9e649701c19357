//! The signed mode: an identity token is a compact JWS (RFC 7515) JSON Web Token (RFC 7519)
//! signed with Ed25519 (`"alg": "EdDSA"`, RFC 8037), checked against the public keys of a
//! JWKS document (RFC 7517) that the database superuser configures
//! (`synapse.identity_keys`). Nothing but EdDSA is accepted: not `none`, not HS256 (whose
//! "key" would be a public value here), not RSA or ECDSA.
//!
//! Claims: `sub` (the user's uuid), `exp` required, `nbf` and `iat` honoured, `aud` (a
//! string or an array) must contain the expected audience; a leeway of clock skew applies
//! to the times. The signature is checked before any claim is read.

use crate::rules::{parse_uuid, Uuid};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{UnparsedPublicKey, ED25519};
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use thiserror::Error;

/// Longer tokens are refused before any decoding (a token is a few hundred bytes).
pub const MAX_TOKEN_BYTES: usize = 8192;

/// The public keys tokens may be signed with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct PublicKey {
    kid: Option<String>,
    bytes: [u8; 32],
}

/// A JWKS document that cannot serve as `synapse.identity_keys`.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeySetError {
    #[error("not a JWKS document: {0}")]
    NotJwks(String),
    #[error("keys[{index}]: {message}")]
    BadKey { index: usize, message: String },
}

impl KeySet {
    /// Reads a JWKS document: `{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "…",
    /// "x": "<base64url of 32 bytes>"}, …]}`. Empty text is an empty set. Every key must be
    /// an Ed25519 public key; a private part (`d`) is refused, as are a `use` other than
    /// `sig`, an `alg` other than `EdDSA` and a repeated `kid`.
    pub fn from_jwks(text: &str) -> Result<KeySet, KeySetError> {
        if text.trim().is_empty() {
            return Ok(KeySet::default());
        }
        let document: Value = serde_json::from_str(text).map_err(|e| KeySetError::NotJwks(e.to_string()))?;
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| KeySetError::NotJwks("it needs a \"keys\" array".into()))?;
        let mut set = KeySet::default();
        for (index, key) in keys.iter().enumerate() {
            let bad = |message: String| KeySetError::BadKey { index, message };
            let key = key.as_object().ok_or_else(|| bad("not a JSON object".into()))?;
            let text = |name: &str| {
                key.get(name).map(|v| v.as_str().ok_or_else(|| bad(format!("\"{name}\" is not a string"))))
            };
            match text("kty").transpose()? {
                Some("OKP") => {}
                other => return Err(bad(format!("kty {other:?} is not supported: only OKP (Ed25519) keys"))),
            }
            match text("crv").transpose()? {
                Some("Ed25519") => {}
                other => return Err(bad(format!("crv {other:?} is not supported: only Ed25519"))),
            }
            if key.contains_key("d") {
                return Err(bad("it holds a private key (\"d\"): only public keys belong here".into()));
            }
            if let Some(usage) = text("use").transpose()? {
                if usage != "sig" {
                    return Err(bad(format!("\"use\" is {usage:?}: only \"sig\" keys check tokens")));
                }
            }
            if let Some(alg) = text("alg").transpose()? {
                if alg != "EdDSA" {
                    return Err(bad(format!("\"alg\" is {alg:?}: only EdDSA")));
                }
            }
            let x = text("x").transpose()?.ok_or_else(|| bad("\"x\" (the public key) is missing".into()))?;
            let bytes: [u8; 32] = URL_SAFE_NO_PAD
                .decode(x)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("\"x\" is not 32 bytes of base64url without padding".into()))?;
            let kid = text("kid").transpose()?.map(str::to_owned);
            if kid.is_some() && set.keys.iter().any(|k| k.kid == kid) {
                return Err(bad(format!("kid {:?} is used twice", kid.unwrap_or_default())));
            }
            set.keys.push(PublicKey { kid, bytes });
        }
        Ok(set)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// What a token must satisfy besides its signature.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// Must be one of the token's `aud` values.
    pub audience: &'a str,
    /// Seconds since 1970 (UTC).
    pub now: i64,
    /// Seconds of clock skew allowed on `exp`, `nbf` and `iat`.
    pub leeway: i64,
}

/// A token that passed every check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    pub user: Uuid,
    /// The token's `exp`, rounded down to whole seconds.
    pub expires_at: i64,
}

/// Why a token is refused. Messages say what is wrong with the token, never what a valid
/// one would need beyond the documented rules.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is malformed: {0}")]
    Malformed(String),
    #[error("the token's algorithm is {0}; only EdDSA (Ed25519) is accepted")]
    Algorithm(String),
    #[error("the token's header lists critical extensions (\"crit\"); none is supported")]
    Critical,
    #[error("synapse.identity_keys holds no key, so no token can be checked")]
    NoKeys,
    #[error("no key in synapse.identity_keys has kid {0:?}")]
    UnknownKey(String),
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token has no {0:?} claim")]
    MissingClaim(&'static str),
    #[error("the token's {0:?} claim is not {1}")]
    BadClaim(&'static str, &'static str),
    #[error("the token expired at {}", crate::utc_text(*.0))]
    Expired(i64),
    #[error("the token is not valid before {}", crate::utc_text(*.0))]
    NotYetValid(i64),
    #[error("the token was issued in the future ({})", crate::utc_text(*.0))]
    IssuedInFuture(i64),
    #[error("the token's audience does not include {0:?}")]
    Audience(String),
}

/// Checks `token` against `keys` and `expected`; the user it names and its expiry.
pub fn verify(token: &str, keys: &KeySet, expected: &Expected) -> Result<Verified, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed(format!("longer than {MAX_TOKEN_BYTES} bytes")));
    }
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else {
        return Err(TokenError::Malformed(format!(
            "a compact JWS has 3 dot-separated parts, this one {}",
            parts.len()
        )));
    };
    let header = json_object(header_b64, "header")?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "EdDSA" => {}
        Some(Value::String(alg)) => return Err(TokenError::Algorithm(format!("{alg:?}"))),
        Some(other) => return Err(TokenError::Algorithm(other.to_string())),
        None => return Err(TokenError::Algorithm("missing".into())),
    }
    if header.contains_key("crit") {
        return Err(TokenError::Critical);
    }
    if keys.keys.is_empty() {
        return Err(TokenError::NoKeys);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| TokenError::Malformed("the signature is not base64url without padding".into()))?;
    let signed = &token.trim().as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    let verifies =
        |key: &PublicKey| UnparsedPublicKey::new(&ED25519, key.bytes).verify(signed, &signature).is_ok();
    let verified = match header.get("kid") {
        Some(Value::String(kid)) => {
            let key = keys
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
            verifies(key)
        }
        Some(_) => return Err(TokenError::Malformed("\"kid\" is not a string".into())),
        // No key id: any of the keys (a set usually holds one or two, during a rotation).
        None => keys.keys.iter().any(verifies),
    };
    if !verified {
        return Err(TokenError::BadSignature);
    }

    let claims = json_object(payload_b64, "payload")?;
    let time = |name: &'static str| -> Result<Option<i64>, TokenError> {
        match claims.get(name) {
            None => Ok(None),
            Some(value) => value
                .as_f64()
                .filter(|t| t.is_finite() && t.abs() < 1e15)
                .map(|t| Some(t.floor() as i64))
                .ok_or(TokenError::BadClaim(name, "a number of seconds since 1970")),
        }
    };
    let user = match claims.get("sub") {
        None => return Err(TokenError::MissingClaim("sub")),
        Some(Value::String(sub)) => {
            parse_uuid(sub).ok().flatten().ok_or(TokenError::BadClaim("sub", "a user id (uuid)"))?
        }
        Some(_) => return Err(TokenError::BadClaim("sub", "a user id (uuid)")),
    };
    let expires_at = time("exp")?.ok_or(TokenError::MissingClaim("exp"))?;
    if expected.now >= expires_at.saturating_add(expected.leeway) {
        return Err(TokenError::Expired(expires_at));
    }
    if let Some(not_before) = time("nbf")? {
        if expected.now.saturating_add(expected.leeway) < not_before {
            return Err(TokenError::NotYetValid(not_before));
        }
    }
    if let Some(issued_at) = time("iat")? {
        if expected.now.saturating_add(expected.leeway) < issued_at {
            return Err(TokenError::IssuedInFuture(issued_at));
        }
    }
    let audience_matches = match claims.get("aud") {
        None => return Err(TokenError::MissingClaim("aud")),
        Some(Value::String(aud)) => aud == expected.audience,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(expected.audience)),
        Some(_) => return Err(TokenError::BadClaim("aud", "a string or an array of strings")),
    };
    if !audience_matches {
        return Err(TokenError::Audience(expected.audience.to_owned()));
    }
    Ok(Verified { user, expires_at })
}

/// How many verified tokens a [`VerifiedTokens`] keeps.
pub const MAX_VERIFIED_TOKENS: usize = 256;
/// Longer tokens are verified every time rather than kept.
const MAX_KEPT_TOKEN_BYTES: usize = 2048;

/// Tokens this backend has verified, so that one token used for many transactions (a
/// request's, a session's) costs one Ed25519 check, which is most of a call's cost. A kept
/// token's expiry is checked again at every use; the whole set is forgotten when the keys
/// or the audience change (a key removed from `synapse.identity_keys` stops its tokens at
/// once). At most [`MAX_VERIFIED_TOKENS`], the oldest forgotten first.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    /// The `synapse.identity_keys` text and the audience the kept tokens were checked with.
    checked_with: Option<(String, String)>,
    kept: HashMap<String, Verified>,
    oldest_first: VecDeque<String>,
}

impl VerifiedTokens {
    /// [`verify`], or a kept answer for the same token under the same keys (`keys_text`)
    /// and audience, its expiry checked again against `expected.now`.
    pub fn verify(
        &mut self,
        token: &str,
        keys_text: &str,
        keys: &KeySet,
        expected: &Expected,
    ) -> Result<Verified, TokenError> {
        let same = self.checked_with.as_ref().is_some_and(|(k, a)| k == keys_text && a == expected.audience);
        if !same {
            *self = VerifiedTokens {
                checked_with: Some((keys_text.to_owned(), expected.audience.to_owned())),
                ..VerifiedTokens::default()
            };
        }
        if let Some(kept) = self.kept.get(token) {
            if expected.now >= kept.expires_at.saturating_add(expected.leeway) {
                return Err(TokenError::Expired(kept.expires_at));
            }
            return Ok(*kept);
        }
        let verified = verify(token, keys, expected)?;
        if token.len() <= MAX_KEPT_TOKEN_BYTES {
            if self.kept.len() >= MAX_VERIFIED_TOKENS {
                if let Some(oldest) = self.oldest_first.pop_front() {
                    self.kept.remove(&oldest);
                }
            }
            self.kept.insert(token.to_owned(), verified);
            self.oldest_first.push_back(token.to_owned());
        }
        Ok(verified)
    }
}

fn json_object(part: &str, name: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed(format!("the {name} is not base64url without padding")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(TokenError::Malformed(format!("the {name} is not a JSON object"))),
    }
}

#[cfg(test)]
mod tests;
