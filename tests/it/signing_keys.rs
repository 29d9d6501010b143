//! JWT signing keys over HTTP: the served JWK Set (checked by a third-party JOSE library), its
//! caching, the metadata's `jwks_uri`, and rotation through the admin API on the injected clock.

use crate::helpers::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};
use reqwest::Method;
use serde_json::{json, Value};
use tessera::clock::Clock;
use tessera::token::jwt::{AccessClaims, Audience, Scope};

/// Signs test claims with the key the server signs with now (JWT issuance is not on this branch).
fn sign_now(s: &TestApp) -> (String, String) {
    let set = s.service.signing_keys().current();
    let key = set.signer(s.clock.now()).expect("a key signs now");
    let claims = AccessClaims {
        iss: s.service.issuer(),
        exp: Some(START as u64 + 3600),
        iat: START as u64,
        jti: "AAAAAAAAAAAAAAAAAAAAAA",
        client_id: "orders-service",
        sub: "alice",
        scope: Scope(&["read"]),
        aud: Audience::One("https://api.example.com"),
        authorities: &[],
    };
    (key.kid().to_string(), key.sign(&claims))
}

async fn jwks(s: &TestApp) -> (Response, JwkSet) {
    let answer = s.send(s.http.get(s.url("/.well-known/jwks.json"))).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let set = serde_json::from_str(&answer.text).expect("a JWK Set jsonwebtoken reads");
    (answer, set)
}

/// What a gateway does: the key named by the token's kid in the served set, then the signature.
async fn gateway_accepts(s: &TestApp, token: &str) -> bool {
    let (_, set) = jwks(s).await;
    let header = decode_header(token).unwrap();
    let Some(jwk) = set.find(header.kid.as_deref().unwrap()) else {
        return false;
    };
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&["https://api.example.com"]);
    validation.set_issuer(&[s.service.issuer()]);
    validation.validate_exp = false;
    decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation).is_ok()
}

#[tokio::test]
async fn the_served_jwks_holds_public_keys_a_third_party_library_verifies_with() {
    for backend in BACKENDS {
        let Some(s) = spawn_on(backend).await else { continue };
        let (answer, _) = jwks(&s).await;
        assert_eq!(answer.header("cache-control"), Some("public, max-age=300"), "{backend}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        let served: Value = serde_json::from_str(&answer.text).unwrap();
        let keys = served["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1, "{backend}: the first start's one key");
        assert_eq!(
            (keys[0]["alg"].as_str(), keys[0]["use"].as_str()),
            (Some("ES256"), Some("sig"))
        );
        assert!(keys[0].get("d").is_none(), "no private member");

        let (kid, token) = sign_now(&s);
        assert_eq!(
            keys[0]["kid"],
            kid.as_str(),
            "{backend}: the stored key, not an ephemeral one"
        );
        assert!(gateway_accepts(&s, &token).await, "{backend}");

        let meta = s.metadata().await;
        assert_eq!(
            meta.json["jwks_uri"],
            format!("{}/.well-known/jwks.json", s.service.issuer())
        );
    }
}

#[tokio::test]
async fn a_rotation_through_the_admin_api_publishes_first_and_signs_after_the_delay() {
    let s = spawn().await;
    let (old_kid, old_token) = sign_now(&s);
    let added = s
        .admin(Method::POST, "/admin/keys/signing", Some(json!({"alg": "EdDSA"})))
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    let new_kid = added.json["kid"].as_str().unwrap().to_string();
    assert_eq!(added.json["alg"], "EdDSA");
    assert_eq!(added.json["sign_from"], START + 600);
    assert!(added.json.get("wrapped").is_none() && !added.text.contains("\"d\""));

    let (_, set) = jwks(&s).await;
    assert!(
        set.find(&new_kid).is_some() && set.find(&old_kid).is_some(),
        "published at once"
    );
    assert_eq!(sign_now(&s).0, old_kid, "not signing before the delay");

    let listed = s.admin(Method::GET, "/admin/keys/signing", None).await;
    assert_eq!(listed.status, 200);
    let rows = listed.json.as_array().unwrap();
    assert_eq!(
        (rows[0]["kid"].as_str(), rows[0]["signing"].as_bool()),
        (Some(&*old_kid), Some(true))
    );
    assert_eq!(
        (rows[1]["kid"].as_str(), rows[1]["signing"].as_bool()),
        (Some(&*new_kid), Some(false))
    );

    s.clock.advance(600);
    let (kid, token) = sign_now(&s);
    assert_eq!(kid, new_kid, "signing after the delay");
    assert!(gateway_accepts(&s, &token).await);
    assert!(gateway_accepts(&s, &old_token).await, "the old key stays published");

    // Without a body: the server's jwt_signing_alg.
    let plain = s
        .send(s.http.post(s.url("/admin/keys/signing")).bearer_auth(&s.admin_token))
        .await;
    assert_eq!(
        (plain.status, plain.json["alg"].as_str()),
        (201, Some("ES256")),
        "{}",
        plain.text
    );
}

#[tokio::test]
async fn only_a_server_admin_lists_or_rotates_keys_and_bad_input_is_named() {
    let s = spawn().await;
    let bad = s
        .admin(Method::POST, "/admin/keys/signing", Some(json!({"alg": "HS256"})))
        .await;
    assert_eq!((bad.status, bad.json["error"].as_str()), (400, Some("invalid_request")));
    assert!(bad.text.contains("HS256"), "{}", bad.text);
    let unknown = s
        .admin(Method::POST, "/admin/keys/signing", Some(json!({"kid": "mine"})))
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);

    s.create_tenant(json!({"id": "acme"})).await;
    let secret = s
        .create_client(
            "acme",
            json!({"client_id": "acme-admin", "grant_types": ["client_credentials"], "authorities": ["ROLE_ADMIN_CUSTOMER"]}),
        )
        .await;
    let tenant_admin = s.access_token(("acme-admin", &secret)).await;
    for method in [Method::GET, Method::POST] {
        let refused = s.admin_as(&tenant_admin, method, "/admin/keys/signing", None).await;
        assert_eq!(refused.status, 403, "{}", refused.text);
    }
    assert_eq!(s.service.signing_keys().current().entries().len(), 1, "nothing added");
}
