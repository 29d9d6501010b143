//! A third-party check: the `jsonwebtoken` crate verifies our tokens against our JWKS JSON.

use super::tests::claims;
use super::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use std::str::FromStr;

fn keys() -> Vec<SigningKey> {
    SigningAlg::ALL
        .into_iter()
        .map(|alg| SigningKey::generate(alg).unwrap())
        .collect()
}

/// What a gateway does: fetch the JWKS, pick the key by the token's kid, verify.
fn gateway_verify(jwks_json: &str, token: &str, exp_required: bool) -> serde_json::Value {
    let set: JwkSet = serde_json::from_str(jwks_json).expect("JWKS parses as a JWK Set");
    let header = decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let jwk = set.find(header.kid.as_deref().unwrap()).expect("kid is published");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&["https://auth.example.com/tenants/acme"]);
    validation.set_audience(&["https://api.example.com/orders"]);
    if !exp_required {
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
    }
    decode::<serde_json::Value>(token, &key, &validation)
        .expect("jsonwebtoken accepts the token")
        .claims
}

#[test]
fn jwks_has_one_public_jwk_per_key_with_kid_alg_and_use() {
    let keys = keys();
    let set = jwks(&keys);
    let published = set["keys"].as_array().unwrap();
    assert_eq!(published.len(), 3);
    for (jwk, key) in published.iter().zip(&keys) {
        assert_eq!(jwk["kid"], key.kid());
        assert_eq!(jwk["alg"], key.alg().name());
        assert_eq!(jwk["use"], "sig");
        let (kty, members): (&str, &[&str]) = match key.alg() {
            SigningAlg::EdDsa => ("OKP", &["kty", "crv", "x", "kid", "alg", "use"]),
            SigningAlg::Es256 => ("EC", &["kty", "crv", "x", "y", "kid", "alg", "use"]),
            SigningAlg::Rs256 => ("RSA", &["kty", "n", "e", "kid", "alg", "use"]),
        };
        assert_eq!(jwk["kty"], kty);
        let mut names: Vec<&str> = jwk.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = members.to_vec();
        names.sort_unstable();
        expected.sort_unstable();
        assert_eq!(names, expected, "only public members (no d, p, q, …)");
    }
    assert_eq!(published[0]["crv"], "Ed25519");
    assert_eq!(published[1]["crv"], "P-256");
    assert_eq!(published[2]["e"], "AQAB");
}

#[test]
fn jsonwebtoken_verifies_every_alg_against_the_jwks() {
    let keys = keys();
    let jwks_json = jwks(&keys).to_string();
    for key in &keys {
        assert_eq!(
            decode_header(key.sign(&claims(None))).unwrap().alg,
            Algorithm::from_str(key.alg().name()).unwrap()
        );

        let expiring = gateway_verify(&jwks_json, &key.sign(&claims(Some(1_893_459_600))), true);
        assert_eq!(expiring["exp"], 1_893_459_600);
        assert_eq!(expiring["jti"], "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(expiring["client_id"], "orders-service");
        assert_eq!(expiring["sub"], "alice");
        assert_eq!(expiring["scope"], "orders:read orders:write");

        let forever = gateway_verify(&jwks_json, &key.sign(&claims(None)), false);
        assert!(forever.get("exp").is_none());

        let many = ["https://api.example.com/orders", "https://api.example.com/billing"];
        let token = key.sign(&AccessClaims {
            aud: Audience::Many(&many),
            ..claims(None)
        });
        assert_eq!(
            gateway_verify(&jwks_json, &token, false)["aud"],
            serde_json::json!(many)
        );
    }
}

#[test]
fn jsonwebtoken_refuses_a_token_from_an_unpublished_key_with_the_same_kid_format() {
    let published = keys();
    let jwks_json = jwks(&published).to_string();
    let set: JwkSet = serde_json::from_str(&jwks_json).unwrap();
    for key in &published {
        // Same kid and alg, another private key: the published public key must not verify it.
        let pkcs8 = SigningKey::generate(key.alg()).unwrap().to_pkcs8().unwrap();
        let impostor = SigningKey::from_pkcs8(key.kid(), key.alg(), &pkcs8).unwrap();
        let token = impostor.sign(&claims(None));
        let decoding = DecodingKey::from_jwk(set.find(key.kid()).unwrap()).unwrap();
        let mut validation = Validation::new(Algorithm::from_str(key.alg().name()).unwrap());
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_aud = false;
        assert!(decode::<serde_json::Value>(&token, &decoding, &validation).is_err());
        assert_eq!(
            verify(&[key.verify_key()], &token).unwrap_err(),
            VerifyError::BadSignature
        );
    }
}
