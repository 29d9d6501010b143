//! Tenants over the admin API: created, read, listed, updated and deleted.

use super::{assert_error, client, tenant};
use crate::helpers::spawn;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn tenant_lifecycle() {
    let s = spawn().await;
    let Response {
        status, json: created, ..
    } = s
        .admin(
            Method::POST,
            "/admin/tenants",
            Some(json!({"id": "acme", "name": "Acme Inc", "access_token_ttl": 600, "refresh_token_ttl": 7200})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    for key in [
        "id",
        "name",
        "access_token_ttl",
        "user_access_token_ttl",
        "refresh_token_ttl",
        "token_policy",
        "max_active_tokens_per_client",
    ] {
        assert!(created.get(key).is_some(), "tenant JSON lacks {key}: {created}");
    }
    assert_eq!(created["id"], "acme");
    assert_eq!(created["name"], "Acme Inc");
    assert_eq!(created["access_token_ttl"], 600);
    assert_eq!(created["user_access_token_ttl"], Value::Null);
    assert_eq!(created["refresh_token_ttl"], 7200);
    assert_eq!(created["token_policy"], Value::Null);
    assert_eq!(created["max_active_tokens_per_client"], Value::Null);

    // list holds system and acme
    let Response { status, json: list, .. } = s.admin(Method::GET, "/admin/tenants", None).await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"acme") && ids.contains(&"system"), "{list}");

    // get
    let Response { status, json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got, created);

    // PATCH one lifetime and the policy; the others stay
    let Response {
        status, json: patched, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"access_token_ttl": 120, "token_policy": "reuse", "max_active_tokens_per_client": 5})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["access_token_ttl"], 120);
    assert_eq!(patched["refresh_token_ttl"], 7200);
    assert_eq!(patched["token_policy"], "reuse");
    assert_eq!(patched["max_active_tokens_per_client"], 5);
    assert_eq!(patched["name"], "Acme Inc");

    // the new lifetime applies to tokens issued afterwards
    let secret = client(&s, "acme", "acme-app", &["client_credentials"], &[]).await;
    let issued = s.token_cc("acme-app", &secret, None).await;
    assert_eq!(issued["expires_in"], 120, "{issued}");

    // null = inherit
    let Response {
        status, json: patched, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"refresh_token_ttl": null, "max_active_tokens_per_client": null})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["refresh_token_ttl"], Value::Null);
    assert_eq!(patched["max_active_tokens_per_client"], Value::Null);
    assert_eq!(
        patched["access_token_ttl"], 120,
        "an absent field is left alone: {patched}"
    );
    let Response { json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(got, patched, "PATCH answer and later GET agree");

    // delete, then 404 everywhere; its clients, users and tokens go with it
    let boss = client(
        &s,
        "acme",
        "acme-boss",
        &["client_credentials"],
        &["ROLE_ADMIN_CUSTOMER"],
    )
    .await;
    let boss = s.access_token(("acme-boss", &boss)).await;
    s.create_user("acme", "alice", "alices-password", &[]).await;
    let Response { status, json: body, .. } = s.admin(Method::DELETE, "/admin/tenants/acme", None).await;
    assert_eq!(status, 204, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(&boss, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_error(status, &body, 401);
    let Response { status, json: body, .. } = s
        .token(("acme-app", &secret), &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 401, "{body}");
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s.admin(Method::DELETE, "/admin/tenants/acme", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"access_token_ttl": 5})),
        )
        .await;
    assert_error(status, &body, 404);
    let Response { json: list, .. } = s.admin(Method::GET, "/admin/tenants", None).await;
    assert!(!list.as_array().unwrap().iter().any(|t| t["id"] == "acme"), "{list}");

    // the id can be used again, and nothing of the old tenant comes back
    tenant(&s, "acme").await;
    let Response { json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(got["access_token_ttl"], Value::Null, "{got}");
    let Response { json: clients, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(clients, json!([]));
    let Response { json: users, .. } = s.admin(Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(users, json!([]));
}
