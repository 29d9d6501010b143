//! Forged JWTs: each is refused as a forged opaque token is (inactive, `invalid_token`, not
//! found), before any store I/O.

use super::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use tessera::token::jwt::{AccessClaims, Audience, Scope, SigningAlg, SigningKey};

fn b64_json(value: &Value) -> String {
    B64.encode(serde_json::to_vec(value).unwrap())
}

/// How many times the store was asked for a token, from the management listener's metrics.
async fn token_reads(s: &TestApp) -> f64 {
    let text = s.metrics().await.text;
    let name = r#"tessera_store_operation_duration_seconds_count{operation="get_token"} "#;
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .map_or(0.0, |v| v.parse().unwrap())
}

/// The forgeries an attacker can make from a real token `token` and the published keys.
fn forgeries(token: &str, other: &str, jwks: &str) -> Vec<(&'static str, String)> {
    let parts: Vec<&str> = token.split('.').collect();
    let (header, body) = (parts[0], parts[1]);
    let claims = payload(token);
    let kid = decode_header(token).unwrap().kid.unwrap();

    let mut wider = claims.clone();
    wider["scope"] = json!("read write admin");
    let tampered = format!("{header}.{}.{}", b64_json(&wider), parts[2]);
    let swapped = format!("{header}.{body}.{}", other.rsplit('.').next().unwrap());

    let stranger = SigningKey::generate(SigningAlg::Es256).unwrap();
    let jti = claims["jti"].as_str().unwrap();
    let unknown_kid = stranger.sign(&AccessClaims {
        iss: claims["iss"].as_str().unwrap(),
        exp: claims["exp"].as_u64(),
        iat: claims["iat"].as_u64().unwrap(),
        jti,
        client_id: "app",
        sub: "app",
        scope: Scope(&["read"]),
        aud: Audience::One("app"),
        authorities: &["ROLE_APP"],
    });

    let none = b64_json(&json!({"alg": "none", "kid": kid, "typ": "at+jwt"}));
    let mut hmac = Header::new(Algorithm::HS256);
    hmac.kid = Some(kid.clone());
    hmac.typ = Some("at+jwt".into());
    let set: Value = serde_json::from_str(jwks).unwrap();
    let jwk = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap();
    let hmac_with = |secret: &[u8]| encode(&hmac, &claims, &EncodingKey::from_secret(secret).unwrap()).unwrap();
    vec![
        ("tampered claims", tampered),
        ("another token's signature", swapped),
        ("unknown kid", unknown_kid),
        ("alg none", format!("{none}.{body}.")),
        ("alg none, signature kept", format!("{none}.{body}.{}", parts[2])),
        ("HS256 keyed with the JWK", hmac_with(jwk.to_string().as_bytes())),
        ("HS256 keyed with the JWK Set", hmac_with(jwks.as_bytes())),
        ("HS256 keyed with x", hmac_with(jwk["x"].as_str().unwrap().as_bytes())),
        ("four segments", format!("{token}.x")),
        ("not base64", format!("{header}.{body}.***")),
    ]
}

#[tokio::test]
async fn forged_jwts_are_inactive_invalid_and_unknown_without_a_store_read() {
    let s = spawn().await;
    let secret = jwt_tenant(&s, json!({}), json!({})).await;
    let token = client_credentials(&s, &secret, &[]).await.access_token();
    let other = client_credentials(&s, &secret, &[]).await.access_token();
    let app = ("app", secret.as_str());
    assert!(s.is_active(app, &token).await, "sanity: the real one is active");
    let reads = token_reads(&s).await;
    assert!(reads >= 1.0, "sanity: the metric counts reads");

    let forged = forgeries(&token, &other, &jwks(&s).await);
    for (what, forged) in &forged {
        assert_eq!(s.introspect(app, forged).await.json, json!({"active": false}), "{what}");
        let check = s.check_token(app, forged).await;
        assert_eq!(
            (check.status, &check.json["error"]),
            (400, &json!("invalid_token")),
            "{what}"
        );
        assert_eq!(s.revoke(app, forged).await.status, 200, "{what}: RFC 7009 §2.2");
    }
    assert_eq!(token_reads(&s).await, reads, "no forgery reached the store");
    for (what, forged) in &forged {
        // (The admin's own bearer token is read to authenticate the call.)
        assert_eq!(s.lookup_token(forged).await.status, 404, "{what}");
    }
    assert_eq!(
        token_reads(&s).await,
        reads + forged.len() as f64,
        "only the admin's token was read"
    );
    assert!(
        s.is_active(app, &token).await,
        "revoking forgeries left the real token alone"
    );
}
