//! A user's authorizations, rescoped and revoked per client.

use super::world;
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_users_authorizations_can_be_rescoped_and_revoked_per_client() {
    let w = world().await;
    let first = w.login("alice").await;
    let Response {
        status, json: found, ..
    } = w.get("/admin/tenants/acme/users/alice/authorizations").await;
    assert_eq!(status, 200);
    assert_eq!(
        found,
        json!([{"client_id": "web", "scopes": ["read", "write"], "token_count": 2, "consent": null}])
    );

    let Response { status, json: body, .. } =
        w.s.admin(
            Method::PUT,
            "/admin/tenants/acme/clients/web/authorizations/alice",
            Some(json!({"scopes": ["read"]})),
        )
        .await;
    assert_eq!((status, body), (200, json!({"updated": 2})));
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(
        w.s.introspect(("web", &w.web_secret), access).await.json["scope"],
        "read"
    );
    let Response { status, .. } =
        w.s.admin(
            Method::PUT,
            "/admin/tenants/acme/clients/web/authorizations/alice",
            Some(json!({"scopes": ["root"]})),
        )
        .await;
    assert_eq!(status, 400);

    let Response { status, json: body, .. } =
        w.s.admin(
            Method::DELETE,
            "/admin/tenants/acme/clients/web/authorizations/alice",
            None,
        )
        .await;
    assert_eq!((status, body), (200, json!({"revoked": 2})));
    assert_eq!(
        w.s.introspect(("web", &w.web_secret), access).await.json["active"],
        false
    );
    let Response { json: found, .. } = w.get("/admin/tenants/acme/users/alice/authorizations").await;
    assert_eq!(found, json!([]));
    let Response { status, .. } = w.get("/admin/tenants/acme/users/nobody/authorizations").await;
    assert_eq!(status, 404);
}
