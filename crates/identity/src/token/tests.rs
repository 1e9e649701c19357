use super::*;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::json;

const NOW: i64 = 1_800_000_000;
const SOFIA: &str = "11111111-1111-4111-8111-111111111111";

fn key_pair(seed: u8) -> Ed25519KeyPair {
    Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).expect("a 32-byte seed")
}

fn jwk(seed: u8, kid: Option<&str>) -> Value {
    let mut key = json!({"kty": "OKP", "crv": "Ed25519",
                         "x": URL_SAFE_NO_PAD.encode(key_pair(seed).public_key().as_ref())});
    if let Some(kid) = kid {
        key["kid"] = json!(kid);
    }
    key
}

fn keys(jwks: Value) -> KeySet {
    KeySet::from_jwks(&jwks.to_string()).expect("a valid JWKS")
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A compact JWS of `header` and `claims`, signed with the key of `seed`.
fn token(seed: u8, header: Value, claims: Value) -> String {
    let input = format!("{}.{}", b64(&header), b64(&claims));
    let signature = key_pair(seed).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

fn claims() -> Value {
    json!({"sub": SOFIA, "exp": NOW + 300, "aud": "synapse"})
}

fn check(token: &str, keys: &KeySet) -> Result<Verified, TokenError> {
    verify(token, keys, &Expected { audience: "synapse", now: NOW, leeway: 60 })
}

#[test]
fn a_good_token_names_its_user_and_expiry() {
    let set = keys(json!({"keys": [jwk(1, Some("k1"))]}));
    let verified =
        check(&token(1, json!({"alg": "EdDSA", "kid": "k1", "typ": "JWT"}), claims()), &set).unwrap();
    assert_eq!(verified, Verified { user: parse_uuid(SOFIA).unwrap().unwrap(), expires_at: NOW + 300 });
    // aud as an array, fractional times, nbf and iat in the past, no kid.
    let claims = json!({"sub": SOFIA, "exp": NOW as f64 + 0.5, "nbf": NOW - 10, "iat": NOW - 10,
                        "aud": ["other", "synapse"]});
    assert_eq!(check(&token(1, json!({"alg": "EdDSA"}), claims), &set).unwrap().expires_at, NOW);
}

#[test]
fn the_rfc_8037_example_signature_verifies() {
    // RFC 8037 appendix A.1 (public key) and A.4 (the JWS): the signature step accepts it;
    // its payload is a sentence, not claims, so the token is still refused after that.
    let set = keys(
        json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}),
    );
    let jws = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    assert_eq!(check(jws, &set), Err(TokenError::Malformed("the payload is not a JSON object".into())));
    let flipped = jws.replace("hgyY0il", "hgyY0iL");
    assert_eq!(check(&flipped, &set), Err(TokenError::BadSignature));
}

#[test]
fn keys_rotate_by_kid_and_without_one_any_key_may_sign() {
    let set = keys(json!({"keys": [jwk(1, Some("old")), jwk(2, Some("new"))]}));
    for (seed, kid) in [(1, "old"), (2, "new")] {
        assert!(check(&token(seed, json!({"alg": "EdDSA", "kid": kid}), claims()), &set).is_ok());
        assert!(check(&token(seed, json!({"alg": "EdDSA"}), claims()), &set).is_ok());
    }
    // Signed by "new", labelled "old": the named key decides.
    assert_eq!(
        check(&token(2, json!({"alg": "EdDSA", "kid": "old"}), claims()), &set),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        check(&token(2, json!({"alg": "EdDSA", "kid": "gone"}), claims()), &set),
        Err(TokenError::UnknownKey("gone".into()))
    );
    assert_eq!(check(&token(3, json!({"alg": "EdDSA"}), claims()), &set), Err(TokenError::BadSignature));
}

#[test]
fn only_eddsa_is_accepted() {
    let set = keys(json!({"keys": [jwk(1, None)]}));
    for alg in ["none", "HS256", "RS256", "ES256", "Ed25519", "eddsa"] {
        let unsigned = format!("{}.{}.", b64(&json!({"alg": alg})), b64(&claims()));
        assert_eq!(check(&unsigned, &set), Err(TokenError::Algorithm(format!("{alg:?}"))), "{alg}");
        let signed = token(1, json!({"alg": alg}), claims());
        assert_eq!(check(&signed, &set), Err(TokenError::Algorithm(format!("{alg:?}"))), "{alg}");
    }
    assert_eq!(check(&token(1, json!({}), claims()), &set), Err(TokenError::Algorithm("missing".into())));
    assert_eq!(check(&token(1, json!({"alg": 1}), claims()), &set), Err(TokenError::Algorithm("1".into())));
    // An HMAC over the token keyed with the public key, the classic confusion: refused by alg.
    let hs = format!("{}.{}.AAAA", b64(&json!({"alg": "HS256"})), b64(&claims()));
    assert!(matches!(check(&hs, &set), Err(TokenError::Algorithm(_))));
    assert_eq!(
        check(&token(1, json!({"alg": "EdDSA", "crit": ["b64"], "b64": false}), claims()), &set),
        Err(TokenError::Critical)
    );
}

#[test]
fn time_claims_with_sixty_seconds_of_skew() {
    let set = keys(json!({"keys": [jwk(1, None)]}));
    let with = |claims: Value| check(&token(1, json!({"alg": "EdDSA"}), claims), &set);
    let mut c = claims();
    c["exp"] = json!(NOW - 59);
    assert!(with(c.clone()).is_ok(), "expired 59 s ago: within the leeway");
    c["exp"] = json!(NOW - 60);
    assert_eq!(with(c.clone()), Err(TokenError::Expired(NOW - 60)));
    let mut c = claims();
    c["nbf"] = json!(NOW + 60);
    assert!(with(c.clone()).is_ok());
    c["nbf"] = json!(NOW + 61);
    assert_eq!(with(c), Err(TokenError::NotYetValid(NOW + 61)));
    let mut c = claims();
    c["iat"] = json!(NOW + 61);
    assert_eq!(with(c), Err(TokenError::IssuedInFuture(NOW + 61)));
    let mut c = claims();
    c.as_object_mut().unwrap().remove("exp");
    assert_eq!(with(c), Err(TokenError::MissingClaim("exp")));
    for bad in [json!("tomorrow"), json!(null), json!(1e300)] {
        let mut c = claims();
        c["exp"] = bad;
        assert_eq!(with(c), Err(TokenError::BadClaim("exp", "a number of seconds since 1970")));
    }
    assert!(TokenError::Expired(0).to_string().ends_with("1970-01-01 00:00:00 UTC"));
}

#[test]
fn subject_and_audience() {
    let set = keys(json!({"keys": [jwk(1, None)]}));
    let with = |claims: Value| check(&token(1, json!({"alg": "EdDSA"}), claims), &set);
    for (sub, expected) in [
        (None, TokenError::MissingClaim("sub")),
        (Some(json!("sofia")), TokenError::BadClaim("sub", "a user id (uuid)")),
        (Some(json!("")), TokenError::BadClaim("sub", "a user id (uuid)")),
        (Some(json!(42)), TokenError::BadClaim("sub", "a user id (uuid)")),
    ] {
        let mut c = claims();
        match sub {
            Some(sub) => c["sub"] = sub,
            None => {
                c.as_object_mut().unwrap().remove("sub");
            }
        }
        assert_eq!(with(c), Err(expected));
    }
    for (aud, expected) in [
        (json!("other"), TokenError::Audience("synapse".into())),
        (json!(["other", "SYNAPSE"]), TokenError::Audience("synapse".into())),
        (json!([]), TokenError::Audience("synapse".into())),
        (json!({"synapse": true}), TokenError::BadClaim("aud", "a string or an array of strings")),
    ] {
        let mut c = claims();
        c["aud"] = aud;
        assert_eq!(with(c), Err(expected));
    }
    let mut c = claims();
    c.as_object_mut().unwrap().remove("aud");
    assert_eq!(with(c), Err(TokenError::MissingClaim("aud")));
}

#[test]
fn malformed_tokens_and_an_empty_key_set() {
    let set = keys(json!({"keys": [jwk(1, None)]}));
    let good = token(1, json!({"alg": "EdDSA"}), claims());
    let (head, rest) = good.split_once('.').unwrap();
    for (bad, why) in [
        ("".to_owned(), "a compact JWS has 3 dot-separated parts, this one 1"),
        ("a.b".to_owned(), "a compact JWS has 3 dot-separated parts, this one 2"),
        (format!("{good}.x"), "a compact JWS has 3 dot-separated parts, this one 4"),
        (format!("{head}=.{rest}"), "the header is not base64url without padding"),
        (format!("{}.{rest}", b64(&json!(["EdDSA"]))), "the header is not a JSON object"),
        (format!("{}!", good), "the signature is not base64url without padding"),
        ("x".repeat(MAX_TOKEN_BYTES + 1), "longer than 8192 bytes"),
    ] {
        assert_eq!(check(&bad, &set), Err(TokenError::Malformed(why.into())), "{why}");
    }
    // Surrounding whitespace, as a header value might carry, is not part of the token.
    assert!(check(&format!(" {good}\n"), &set).is_ok());
    assert_eq!(check(&good, &KeySet::default()), Err(TokenError::NoKeys));
}

#[test]
fn a_jwks_must_hold_only_ed25519_public_keys() {
    assert!(KeySet::from_jwks("").unwrap().is_empty());
    assert_eq!(keys(json!({"keys": [jwk(1, Some("a")), jwk(2, None)]})).keys.len(), 2);
    let x = jwk(1, None)["x"].clone();
    for (document, message) in [
        (json!([]), "not a JWKS document: it needs a \"keys\" array"),
        (json!({"keys": [1]}), "keys[0]: not a JSON object"),
        (
            json!({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}),
            "keys[0]: kty Some(\"RSA\") is not supported: only OKP (Ed25519) keys",
        ),
        (
            json!({"keys": [{"kty": "OKP", "crv": "X25519", "x": x}]}),
            "keys[0]: crv Some(\"X25519\") is not supported: only Ed25519",
        ),
        (
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "d": x}]}),
            "keys[0]: it holds a private key (\"d\"): only public keys belong here",
        ),
        (
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "use": "enc"}]}),
            "keys[0]: \"use\" is \"enc\": only \"sig\" keys check tokens",
        ),
        (
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "alg": "ES256"}]}),
            "keys[0]: \"alg\" is \"ES256\": only EdDSA",
        ),
        (
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]}),
            "keys[0]: \"x\" is not 32 bytes of base64url without padding",
        ),
        (json!({"keys": [{"kty": "OKP", "crv": "Ed25519"}]}), "keys[0]: \"x\" (the public key) is missing"),
        (
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": 7}]}),
            "keys[0]: \"kid\" is not a string",
        ),
        (json!({"keys": [jwk(1, Some("a")), jwk(2, Some("a"))]}), "keys[1]: kid \"a\" is used twice"),
    ] {
        assert_eq!(KeySet::from_jwks(&document.to_string()).unwrap_err().to_string(), message);
    }
    assert!(KeySet::from_jwks("{not json").unwrap_err().to_string().starts_with("not a JWKS document: "));
}

#[test]
fn a_verified_token_is_kept_until_it_expires_or_the_keys_change() {
    let one = json!({"keys": [jwk(1, Some("k1"))]});
    let two = json!({"keys": [jwk(2, Some("k2"))]});
    let (one_text, two_text) = (one.to_string(), two.to_string());
    let (set_one, set_two) = (keys(one), keys(two));
    let mut cache = VerifiedTokens::default();
    let good = token(1, json!({"alg": "EdDSA", "kid": "k1"}), claims());
    let at = |now| Expected { audience: "synapse", now, leeway: 60 };
    let first = cache.verify(&good, &one_text, &set_one, &at(NOW)).unwrap();
    // Kept: answered even with an empty key set passed (no signature check is made).
    assert_eq!(cache.verify(&good, &one_text, &KeySet::default(), &at(NOW + 100)), Ok(first));
    // Its expiry still counts.
    assert_eq!(cache.verify(&good, &one_text, &set_one, &at(NOW + 360)), Err(TokenError::Expired(NOW + 300)));
    // Other keys or another audience: checked anew (and refused here: key 1 is gone).
    assert_eq!(cache.verify(&good, &two_text, &set_two, &at(NOW)), Err(TokenError::UnknownKey("k1".into())));
    assert!(cache.verify(&good, &one_text, &set_one, &at(NOW)).is_ok());
    let other_audience = Expected { audience: "other", now: NOW, leeway: 60 };
    assert_eq!(
        cache.verify(&good, &one_text, &set_one, &other_audience),
        Err(TokenError::Audience("other".into()))
    );
    // A refused token is never kept.
    let forged = good.replace('.', ".x");
    for _ in 0..2 {
        assert!(cache.verify(&forged, &one_text, &set_one, &at(NOW)).is_err());
    }
}

#[test]
fn at_most_so_many_tokens_are_kept() {
    let jwks = json!({"keys": [jwk(1, None)]});
    let (text, set) = (jwks.to_string(), keys(jwks));
    let mut cache = VerifiedTokens::default();
    let expected = Expected { audience: "synapse", now: NOW, leeway: 60 };
    let tokens: Vec<String> = (0..MAX_VERIFIED_TOKENS + 1)
        .map(|i| {
            let mut c = claims();
            c["jti"] = json!(i);
            token(1, json!({"alg": "EdDSA"}), c)
        })
        .collect();
    for t in &tokens {
        cache.verify(t, &text, &set, &expected).unwrap();
    }
    assert_eq!(cache.kept.len(), MAX_VERIFIED_TOKENS);
    assert!(!cache.kept.contains_key(&tokens[0]), "the oldest went first");
    // Still answered, by a signature check again.
    assert!(cache.verify(&tokens[0], &text, &set, &expected).is_ok());
}
