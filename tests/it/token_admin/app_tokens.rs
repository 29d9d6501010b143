//! `POST /admin/tenants/{t}/clients/{c}/tokens`: an application token an admin issues, under the
//! client's limit (429 with `Retry-After`), its scopes and its token policy.

use super::world;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn issues_a_working_token_with_the_chosen_lifetime_and_scopes() {
    let w = world().await;
    let admin = w.s.admin_token.clone();
    let Response {
        status,
        json: made,
        headers,
        ..
    } =
        w.s.create_client_token(
            &admin,
            "acme",
            "app",
            json!({"expires_in": 120, "scopes": ["read", "device_tv"]}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(made["scopes"], json!(["device_tv", "read"]));
    assert_eq!(made["expires_at"], json!(START + 120));
    let token = made["access_token"].as_str().unwrap();
    assert!(w.s.is_active(("app", &w.app_secret), token).await);
    assert_eq!(super::token_id(&w, token).await, made["id"].as_str().unwrap());

    let Response { json: never, .. } =
        w.s.create_client_token(&admin, "acme", "app", json!({"expires_in": -1}))
            .await;
    assert_eq!(never["expires_at"], json!(null), "{never}");
    assert_eq!(
        never["scopes"],
        json!(["read", "write"]),
        "the client's scopes by default"
    );
}

#[tokio::test]
async fn refuses_scopes_and_lifetimes_the_client_cannot_have() {
    let w = world().await;
    let admin = w.s.admin_token.clone();
    for (body, field) in [
        (json!({"scopes": ["admin"]}), "scopes"),
        (json!({"expires_in": 0}), "expires_in"),
        (json!({"expires_in": 400_000_000}), "expires_in"),
        (json!({"lifetime": 5}), "lifetime"),
    ] {
        let Response { status, json: e, .. } = w.s.create_client_token(&admin, "acme", "app", body).await;
        assert_eq!(status, 400, "{e}");
        assert!(e["error_description"].as_str().unwrap().contains(field), "{e}");
    }
    let Response { status, .. } = w.s.create_client_token(&admin, "acme", "nope", json!({})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_limit_answers_429_with_retry_after_as_the_token_endpoint_does() {
    let w = world().await;
    let admin = w.s.admin_token.clone();
    w.s.admin(
        reqwest::Method::PATCH,
        "/admin/tenants/acme/clients/app",
        Some(json!({"max_active_tokens": 2, "access_token_ttl": 300})),
    )
    .await;
    for _ in 0..2 {
        let r = w.s.create_client_token(&admin, "acme", "app", json!({})).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let refused = w.s.create_client_token(&admin, "acme", "app", json!({})).await;
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(refused.json["error"], "too_many_active_tokens");
    assert_eq!(refused.header("retry-after"), Some("300"));
    let endpoint =
        w.s.token(("app", &w.app_secret), &[("grant_type", "client_credentials")])
            .await;
    assert_eq!(endpoint.status, 429);
    assert_eq!(endpoint.json, refused.json, "the same JSON error");
}

#[tokio::test]
async fn needs_tokens_update_in_the_clients_tenant() {
    let w = world().await;
    let updater = w.principal("acme", "t-upd", &["Auth.Customer.Tokens:UPDATE"]).await;
    let reader = w.principal("acme", "t-read", &["Auth.Customer.Tokens:READ"]).await;
    let tenant_admin = w.principal("acme", "boss", &["ROLE_ADMIN_CUSTOMER"]).await;
    let other = w.principal("globex", "g-admin", &["ROLE_ADMIN_CUSTOMER"]).await;
    for (token, status) in [(&updater, 201), (&tenant_admin, 201), (&reader, 403), (&other, 403)] {
        let r = w.s.create_client_token(token, "acme", "app", json!({})).await;
        assert_eq!(r.status, status, "{}", r.text);
    }
}
