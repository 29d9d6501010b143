//! JWT access tokens (RFC 9068, issue 18) over HTTP: a third-party library verifies them against
//! the JWK Set, forged ones are refused before any store I/O, and every policy, introspection,
//! revocation and admin call treats them as it treats opaque tokens.

mod attacks;
mod claims;
mod policies;

use crate::helpers::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};
use serde_json::{json, Value};

pub const SCOPES: [&str; 2] = ["read", "write"];
pub const PASSWORD: &str = "correct-horse-battery-staple";

/// `server` with tenant `acme` (its settings `tenant` plus JWT access tokens), its client `app`
/// (`client` added to its body) and the user `alice`; returns the client's secret.
pub async fn jwt_tenant(server: &TestApp, tenant: Value, client: Value) -> String {
    let mut body = json!({"id": "acme", "access_token_format": "jwt"});
    merge(&mut body, tenant);
    server.create_tenant(body).await;
    let mut body = json!({
        "client_id": "app",
        "scopes": SCOPES,
        "authorities": ["ROLE_APP"],
        "grant_types": ["client_credentials", "password", "refresh_token"],
    });
    merge(&mut body, client);
    let secret = server.create_client("acme", body).await;
    server.create_user("acme", "alice", PASSWORD, &["ROLE_USER"]).await;
    secret
}

fn merge(into: &mut Value, from: Value) {
    for (k, v) in from.as_object().cloned().unwrap_or_default() {
        into[k] = v;
    }
}

/// The JWK Set the server publishes, fetched as a gateway fetches it.
pub async fn jwks(server: &TestApp) -> String {
    let answer = server.send(server.http.get(server.url("/.well-known/jwks.json"))).await;
    assert_eq!(answer.status, 200);
    answer.text
}

/// What a gateway does, with `jsonwebtoken`, not Tessera's verifier: the key by the token's
/// `kid` from the JWK Set, the algorithm the JWK names, `iss` and `aud` checked.
pub async fn gateway_verify(server: &TestApp, token: &str, aud: &str, exp_required: bool) -> Value {
    let set: JwkSet = serde_json::from_str(&jwks(server).await).unwrap();
    let header = decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let jwk = set
        .find(header.kid.as_deref().expect("a kid"))
        .expect("the kid is published");
    let alg = jwk.common.key_algorithm.expect("the JWK names its alg").to_string();
    assert_eq!(format!("{:?}", header.alg), alg, "the header's alg is the key's");
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[server.service.issuer()]);
    validation.set_audience(&[aud]);
    validation.validate_exp = false; // the manual clock is in 2027
    if !exp_required {
        validation.required_spec_claims.clear();
    }
    decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .expect("jsonwebtoken accepts the token")
        .claims
}

/// The claims of a token, read without verifying (to name its `jti`, or to forge from it).
pub fn payload(token: &str) -> Value {
    let segment = token.split('.').nth(1).expect("three segments");
    serde_json::from_slice(&B64.decode(segment).unwrap()).unwrap()
}

pub async fn client_credentials(server: &TestApp, secret: &str, extra: &[(&str, &str)]) -> Response {
    let mut form = vec![("grant_type", "client_credentials")];
    form.extend_from_slice(extra);
    server.token(("app", secret), &form).await
}
