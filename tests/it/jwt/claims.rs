//! Every RFC 9068 claim, checked by a third-party library against the published keys.

use super::*;
use reqwest::Method;

#[tokio::test]
async fn an_application_token_carries_every_claim_and_verifies_with_a_third_party_library() {
    let s = spawn().await;
    let secret = jwt_tenant(&s, json!({"access_token_ttl": 600}), json!({})).await;
    let answer = client_credentials(&s, &secret, &[("scope", "read")]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["expires_in"], 600);
    let token = answer.access_token();

    let claims = gateway_verify(&s, &token, "app", true).await;
    let id = s.lookup_token(&token).await.json["id"].as_str().unwrap().to_string();
    let expected = json!({
        "iss": s.service.issuer(),
        "exp": START + 600,
        "iat": START,
        "jti": id,
        "client_id": "app",
        "sub": "app",
        "scope": "read",
        "aud": "app",
        "authorities": ["ROLE_APP"],
    });
    assert_eq!(claims, expected, "exactly these claims");
    let header = decode_header(&token).unwrap();
    assert_eq!(format!("{:?}", header.alg), "ES256", "the default algorithm");

    // Introspection and check_token describe it as they describe an opaque token, with its aud.
    let info = s.introspect(("app", &secret), &token).await.json;
    assert_eq!(
        (&info["active"], &info["sub"], &info["aud"]),
        (&json!(true), &json!("app"), &json!("app"))
    );
    assert_eq!(info["exp"], START + 600);
    let check = s.check_token(("app", &secret), &token).await;
    assert_eq!((check.status, &check.json["client_id"]), (200, &json!("app")));
    let view = s.admin(Method::GET, &format!("/admin/tokens/{id}"), None).await.json;
    assert_eq!(view["format"], "jwt");
}

#[tokio::test]
async fn a_user_token_names_the_user_a_never_expiring_one_has_no_exp_and_refresh_stays_opaque() {
    let s = spawn().await;
    let secret = jwt_tenant(&s, json!({"user_access_token_ttl": -1}), json!({})).await;
    let answer = s.login(("app", &secret), "alice", PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.json.get("expires_in").is_none());
    let refresh = answer.json["refresh_token"].as_str().unwrap().to_string();
    assert!(refresh.starts_with("tsr_"), "refresh tokens stay opaque");
    let claims = gateway_verify(&s, &answer.access_token(), "app", false).await;
    assert_eq!((&claims["sub"], &claims["client_id"]), (&json!("alice"), &json!("app")));
    assert_eq!(claims["authorities"], json!(["ROLE_USER"]));
    assert_eq!(claims["scope"], "read write");
    assert!(claims.get("exp").is_none(), "never expires: no exp");

    // The refresh grant issues a JWT too.
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let renewed = s.token(("app", &secret), &form).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    assert_eq!(
        gateway_verify(&s, &renewed.access_token(), "app", false).await["sub"],
        "alice"
    );
}

#[tokio::test]
async fn aud_is_the_resource_else_the_audience_setting_else_the_client_id() {
    let s = spawn().await;
    let secret = jwt_tenant(&s, json!({"audience": "tenant-api"}), json!({})).await;
    let orders = "https://api.example.com/orders";
    let one = client_credentials(&s, &secret, &[("resource", orders)]).await;
    assert_eq!(
        gateway_verify(&s, &one.access_token(), orders, true).await["aud"],
        orders
    );
    let info = s.introspect(("app", &secret), &one.access_token()).await.json;
    assert_eq!(info["aud"], orders);

    let both = [
        ("resource", orders),
        ("resource", "urn:example:billing"),
        ("audience", "x"),
    ];
    let many = client_credentials(&s, &secret, &both).await;
    assert_eq!(many.status, 200, "{}", many.text);
    let claims = gateway_verify(&s, &many.access_token(), "urn:example:billing", true).await;
    assert_eq!(claims["aud"], json!([orders, "urn:example:billing", "x"]));

    let setting = client_credentials(&s, &secret, &[]).await.access_token();
    assert_eq!(
        gateway_verify(&s, &setting, "tenant-api", true).await["aud"],
        "tenant-api"
    );
    let patch = json!({"audience": null});
    let path = "/admin/tenants/acme";
    assert_eq!(s.admin(Method::PATCH, path, Some(patch)).await.status, 200);
    let fallback = client_credentials(&s, &secret, &[]).await.access_token();
    assert_eq!(gateway_verify(&s, &fallback, "app", true).await["aud"], "app");

    for bad in ["orders", "https://api.example.com/#x", "/orders"] {
        let answer = client_credentials(&s, &secret, &[("resource", bad)]).await;
        assert_eq!(
            (answer.status, &answer.json["error"]),
            (400, &json!("invalid_target")),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn opaque_is_the_default_and_a_client_overrides_its_tenant() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "plain"})).await;
    let secret = s.create_client("plain", json!({"client_id": "p"})).await;
    let r = s.token(("p", &secret), &[("grant_type", "client_credentials")]).await;
    assert!(r.access_token().starts_with("tsa_"));
    // An opaque token for a resource says its aud in introspection; one for none says none.
    let form = [("grant_type", "client_credentials"), ("resource", "urn:x")];
    let aimed = s.token(("p", &secret), &form).await.access_token();
    assert!(aimed.starts_with("tsa_"));
    assert_eq!(s.introspect(("p", &secret), &aimed).await.json["aud"], "urn:x");
    assert!(s
        .introspect(("p", &secret), &r.access_token())
        .await
        .json
        .get("aud")
        .is_none());

    let secret = jwt_tenant(&s, json!({}), json!({"access_token_format": "opaque"})).await;
    assert!(client_credentials(&s, &secret, &[])
        .await
        .access_token()
        .starts_with("tsa_"));
    let path = "/admin/tenants/acme/clients/app";
    let body = json!({"access_token_format": null});
    let view = s.admin(Method::PATCH, path, Some(body)).await;
    assert_eq!((view.status, &view.json["access_token_format"]), (200, &Value::Null));
    assert_eq!(
        client_credentials(&s, &secret, &[])
            .await
            .access_token()
            .split('.')
            .count(),
        3
    );
    let tenant = s.admin(Method::GET, "/admin/tenants/acme", None).await.json;
    assert_eq!(tenant["access_token_format"], "jwt");
    let bad = s
        .admin(Method::PATCH, path, Some(json!({"access_token_format": "JWT"})))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
}
