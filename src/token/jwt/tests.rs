//! Unit tests: signing, the strict verifier's refusals, determinism, key wrapping.

use super::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub(super) const AUTHORITIES: [&str; 2] = ["ROLE_USER", "SCOPE_orders:read"];
pub(super) const SCOPES: [&str; 2] = ["orders:read", "orders:write"];

pub(super) fn claims(exp: Option<u64>) -> AccessClaims<'static> {
    AccessClaims {
        iss: "https://auth.example.com/tenants/acme",
        exp,
        iat: 1_893_456_000,
        jti: "AAAAAAAAAAAAAAAAAAAAAA",
        client_id: "orders-service",
        sub: "alice",
        scope: Scope(&SCOPES),
        aud: Audience::One("https://api.example.com/orders"),
        authorities: &AUTHORITIES,
    }
}

fn keys() -> Vec<SigningKey> {
    SigningAlg::ALL
        .into_iter()
        .map(|alg| SigningKey::generate(alg).unwrap())
        .collect()
}

fn payload_json(token: &str) -> serde_json::Value {
    serde_json::from_slice(&B64.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

/// A token with `header_json` as its header, the real payload and the given signature bytes.
fn forge(header_json: &str, payload_b64: &str, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{payload_b64}", B64.encode(header_json));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", B64.encode(signature))
}

#[test]
fn alg_parses_only_its_jose_name() {
    for alg in SigningAlg::ALL {
        assert_eq!(SigningAlg::parse(alg.name()), Some(alg));
    }
    for bad in ["es256", "ED25519", "HS256", "none", "", "RS256 "] {
        assert_eq!(SigningAlg::parse(bad), None, "{bad}");
    }
}

#[test]
fn header_is_the_rfc9068_header_and_debug_shows_only_kid_and_alg() {
    for key in keys() {
        let header = B64.decode(key.header_b64()).unwrap();
        let expected = format!(r#"{{"alg":"{}","kid":"{}","typ":"at+jwt"}}"#, key.alg(), key.kid());
        assert_eq!(std::str::from_utf8(&header).unwrap(), expected);
        let (kid, alg) = (key.kid(), key.alg());
        assert_eq!(
            format!("{key:?}"),
            format!(r#"SigningKey {{ kid: "{kid}", alg: {alg:?}, .. }}"#)
        );
        assert_eq!(
            format!("{:?}", key.verify_key()),
            format!(r#"VerifyKey {{ kid: "{kid}", alg: {alg:?}, .. }}"#)
        );
    }
}

#[test]
fn every_alg_signs_and_verifies_with_the_claims() {
    let keys = keys();
    let known: Vec<VerifyKey> = keys.iter().map(SigningKey::verify_key).collect();
    for key in &keys {
        let token = key.sign(&claims(Some(1_893_459_600)));
        assert!(token.starts_with(key.header_b64()));
        let (by, verified) = verify(&known, &token).unwrap();
        assert_eq!(by.kid(), key.kid());
        assert_eq!(verified.jti, "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(verified.exp, Some(1_893_459_600));
        let json = payload_json(&token);
        assert_eq!(json["scope"], "orders:read orders:write");
        assert_eq!(json["aud"], "https://api.example.com/orders");
        assert_eq!(json["authorities"], serde_json::json!(AUTHORITIES));
        assert_eq!(json["iat"], 1_893_456_000);
    }
}

#[test]
fn never_expiring_tokens_have_no_exp() {
    let key = SigningKey::generate(SigningAlg::EdDsa).unwrap();
    let token = key.sign(&claims(None));
    assert!(payload_json(&token).get("exp").is_none());
    assert_eq!(verify(&[key.verify_key()], &token).unwrap().1.exp, None);
}

#[test]
fn audience_is_a_string_for_one_and_an_array_for_many() {
    let key = SigningKey::generate(SigningAlg::EdDsa).unwrap();
    let many = ["https://a", "https://b"];
    for (aud, expected) in [
        (Audience::Many(&many), serde_json::json!(many)),
        (Audience::Many(&many[..1]), serde_json::json!("https://a")),
    ] {
        let token = key.sign(&AccessClaims { aud, ..claims(None) });
        assert_eq!(payload_json(&token)["aud"], expected);
    }
}

#[test]
fn tampering_and_header_games_are_refused() {
    let keys = keys();
    let known: Vec<VerifyKey> = keys.iter().map(SigningKey::verify_key).collect();
    for key in &keys {
        let token = key.sign(&claims(None));
        let mut parts = token.split('.');
        let (header, payload, signature) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let (kid, alg) = (key.kid(), key.alg());

        // Signature tampered (one byte flipped), truncated, or taken from another payload.
        let mut sig = B64.decode(signature).unwrap();
        sig[10] ^= 1;
        let flipped = format!("{header}.{payload}.{}", B64.encode(&sig));
        assert_eq!(verify(&known, &flipped).unwrap_err(), VerifyError::BadSignature);
        let other = key.sign(&AccessClaims {
            sub: "mallory",
            ..claims(None)
        });
        let swapped = format!("{header}.{}.{signature}", other.split('.').nth(1).unwrap());
        assert_eq!(verify(&known, &swapped).unwrap_err(), VerifyError::BadSignature);
        assert_eq!(
            verify(&known, &format!("{header}.{payload}.")).unwrap_err(),
            VerifyError::BadSignature
        );

        // alg none, with and without a signature.
        let none = format!(r#"{{"alg":"none","kid":"{kid}","typ":"at+jwt"}}"#);
        for sig in [vec![], B64.decode(signature).unwrap()] {
            let t = forge(&none, payload, |_| sig.clone());
            assert_eq!(verify(&known, &t).unwrap_err(), VerifyError::UnknownHeader);
        }

        // HS256 keyed with the public key (raw bytes and its JWK JSON), under the real kid.
        let hs = format!(r#"{{"alg":"HS256","kid":"{kid}","typ":"at+jwt"}}"#);
        let jwk = public_jwk(key).to_string();
        for secret in [key.public_key_bytes(), jwk.as_bytes()] {
            let t = forge(&hs, payload, |input| {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
                mac.update(input);
                mac.finalize().into_bytes().to_vec()
            });
            assert_eq!(verify(&known, &t).unwrap_err(), VerifyError::UnknownHeader);
        }

        // Unknown kid, even with a signature from the real key over the forged header.
        let unknown = format!(r#"{{"alg":"{alg}","kid":"not-{kid}","typ":"at+jwt"}}"#);
        assert_eq!(
            verify(&known, &forge(&unknown, payload, |_| vec![0; 64])).unwrap_err(),
            VerifyError::UnknownHeader
        );
        let impostor = SigningKey::generate(alg).unwrap();
        assert_eq!(
            verify(&known, &impostor.sign(&claims(None))).unwrap_err(),
            VerifyError::UnknownHeader
        );

        // The same header re-encoded: extra whitespace, other order, padding.
        let spaced = format!(r#"{{"alg": "{alg}", "kid": "{kid}", "typ": "at+jwt"}}"#);
        let reordered = format!(r#"{{"typ":"at+jwt","alg":"{alg}","kid":"{kid}"}}"#);
        for h in [spaced, reordered] {
            assert_eq!(
                verify(&known, &forge(&h, payload, |_| sig.clone())).unwrap_err(),
                VerifyError::UnknownHeader
            );
        }
        assert_eq!(
            verify(&known, &format!("{header}=.{payload}.{signature}")).unwrap_err(),
            VerifyError::UnknownHeader
        );

        // Shape.
        assert_eq!(
            verify(&known, &format!("{token}.x")).unwrap_err(),
            VerifyError::Malformed
        );
        assert_eq!(verify(&known, "no-dots").unwrap_err(), VerifyError::Malformed);
        assert_eq!(
            verify(&known, &"a".repeat(MAX_TOKEN_LEN + 1)).unwrap_err(),
            VerifyError::TooLong
        );
        assert!(verify(&known, &token).is_ok());
    }
}

#[test]
fn es256_signatures_differ_between_signings_while_eddsa_repeats() {
    // `reuse` must hand back the identical string: with ES256 the signature has to be kept,
    // with EdDSA the token can be rebuilt from the signed claims.
    let es = SigningKey::generate(SigningAlg::Es256).unwrap();
    assert_ne!(es.sign(&claims(None)), es.sign(&claims(None)));
    let ed = SigningKey::generate(SigningAlg::EdDsa).unwrap();
    assert_eq!(ed.sign(&claims(None)), ed.sign(&claims(None)));
    let rs = SigningKey::generate(SigningAlg::Rs256).unwrap();
    assert_eq!(
        rs.sign(&claims(None)),
        rs.sign(&claims(None)),
        "PKCS#1 v1.5 is deterministic too"
    );
}

#[test]
fn wrapped_keys_round_trip_and_refuse_the_wrong_key_kid_alg_or_bytes() {
    let token_key = [7u8; 32];
    for key in keys() {
        let wrapped = wrap(&key, &token_key).unwrap();
        let pkcs8 = key.to_pkcs8().unwrap();
        assert_eq!(wrapped.len(), 12 + pkcs8.len() + 16);
        assert!(
            !wrapped.windows(16).any(|w| pkcs8.windows(16).any(|p| p == w)),
            "no plaintext run"
        );
        assert_ne!(wrapped, wrap(&key, &token_key).unwrap(), "fresh nonce per wrap");

        let back = unwrap(&wrapped, key.kid(), key.alg(), &token_key).unwrap();
        assert_eq!((back.kid(), back.alg()), (key.kid(), key.alg()));
        assert_eq!(back.public_key_bytes(), key.public_key_bytes());
        let token = back.sign(&claims(None));
        assert!(verify(&[key.verify_key()], &token).is_ok());

        let other_alg = SigningAlg::ALL.into_iter().find(|a| *a != key.alg()).unwrap();
        assert_eq!(
            unwrap(&wrapped, key.kid(), key.alg(), &[8u8; 32]).unwrap_err(),
            KeyError::Unwrap
        );
        assert_eq!(
            unwrap(&wrapped, "another-kid", key.alg(), &token_key).unwrap_err(),
            KeyError::Unwrap
        );
        assert_eq!(
            unwrap(&wrapped, key.kid(), other_alg, &token_key).unwrap_err(),
            KeyError::Unwrap
        );
        for i in [0, 12, wrapped.len() / 2, wrapped.len() - 1] {
            let mut bad = wrapped.clone();
            bad[i] ^= 0x80;
            assert_eq!(
                unwrap(&bad, key.kid(), key.alg(), &token_key).unwrap_err(),
                KeyError::Unwrap,
                "byte {i}"
            );
        }
        assert_eq!(
            unwrap(&wrapped[..27], key.kid(), key.alg(), &token_key).unwrap_err(),
            KeyError::Unwrap
        );
        assert_eq!(
            unwrap(&wrapped, "bad\"kid", key.alg(), &token_key).unwrap_err(),
            KeyError::InvalidKid
        );
    }
}

#[test]
fn kids_that_would_need_json_escaping_are_refused() {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let pkcs8 = pkcs8.as_ref();
    for kid in ["", "a\"b", "a b", "ü", &"k".repeat(65)] {
        assert_eq!(
            SigningKey::from_pkcs8(kid, SigningAlg::EdDsa, pkcs8).unwrap_err(),
            KeyError::InvalidKid,
            "{kid}"
        );
    }
    assert!(SigningKey::from_pkcs8("k-1_Z", SigningAlg::EdDsa, pkcs8).is_ok());
    assert_eq!(
        SigningKey::from_pkcs8("k", SigningAlg::Es256, pkcs8).unwrap_err(),
        KeyError::Rejected(SigningAlg::Es256)
    );
}
