//! What revokes tokens: a regenerated secret, a deleted client, a disabled or deleted user.

use super::{assert_error, client, tenant, PASSWORD};
use crate::helpers::Response;
use crate::helpers::{spawn, TestApp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn regenerating_a_secret_retires_the_old_one_at_once() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let old = client(&s, "acme", "app", &["client_credentials"], &[]).await;
    s.access_token(("app", &old)).await;

    let Response {
        status, json: answer, ..
    } = s
        .admin(Method::POST, "/admin/tenants/acme/clients/app/secret", None)
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["client_id"], "app");
    let new = answer["client_secret"].as_str().expect("the new secret").to_string();
    assert_ne!(new, old);

    let Response { status, json: body, .. } = s.token(("app", &old), &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
    s.access_token(("app", &new)).await;

    // the secret is shown once: not in GET afterwards
    let Response { json: got, .. } = s.get_client("acme", "app").await;
    assert!(got.get("client_secret").is_none(), "{got}");
    assert!(!got.to_string().contains(&new), "{got}");

    // unknown client, wrong tenant
    let Response { status, json: body, .. } = s
        .admin(Method::POST, "/admin/tenants/acme/clients/ghost/secret", None)
        .await;
    assert_error(status, &body, 404);
    tenant(&s, "globex").await;
    let Response { status, json: body, .. } = s
        .admin(Method::POST, "/admin/tenants/globex/clients/app/secret", None)
        .await;
    assert_error(status, &body, 404);
    s.access_token(("app", &new)).await;
}

#[tokio::test]
async fn deleting_a_client_revokes_its_tokens() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let doomed = client(&s, "acme", "doomed", &["client_credentials"], &[]).await;
    let watcher = client(&s, "acme", "watcher", &["client_credentials"], &[]).await;
    let token = s.access_token(("doomed", &doomed)).await;
    let kept = s.access_token(("watcher", &watcher)).await;
    assert!(s.is_active(("watcher", &watcher), &token).await);

    let Response { status, json: body, .. } = s
        .admin(Method::DELETE, "/admin/tenants/acme/clients/doomed", None)
        .await;
    assert_eq!(status, 204, "{body}");

    assert_eq!(
        s.introspect(("watcher", &watcher), &token).await.json,
        json!({"active": false})
    );
    assert!(
        s.is_active(("watcher", &watcher), &kept).await,
        "other clients' tokens stay"
    );
    let Response { status, json: body, .. } = s
        .token(("doomed", &doomed), &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");

    let Response { status, json: body, .. } = s.get_client("acme", "doomed").await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s
        .admin(Method::DELETE, "/admin/tenants/acme/clients/doomed", None)
        .await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/doomed",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_error(status, &body, 404);
    let Response { json: list, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

/// Tenant acme with a password client `web` and user alice; returns web's secret.
async fn acme_with_alice(s: &TestApp) -> String {
    tenant(s, "acme").await;
    let secret = client(s, "acme", "web", &["password", "refresh_token"], &[]).await;
    s.create_user("acme", "alice", PASSWORD, &["ROLE_USER"]).await;
    secret
}

#[tokio::test]
async fn disabling_a_user_revokes_its_tokens_and_re_enabling_allows_login() {
    let s = spawn().await;
    let web = acme_with_alice(&s).await;
    s.create_user("acme", "bob", "bobs-password", &[]).await;
    let watcher = client(&s, "acme", "watcher", &["client_credentials"], &[]).await;

    let Response {
        status, json: issued, ..
    } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    let access = issued["access_token"].as_str().unwrap().to_string();
    let refresh = issued["refresh_token"].as_str().unwrap().to_string();
    let Response { status, json: bobs, .. } = s.login(("web", &web), "bob", "bobs-password").await;
    assert_eq!(status, 200, "{bobs}");
    let bobs = bobs["access_token"].as_str().unwrap().to_string();
    assert!(s.is_active(("watcher", &watcher), &access).await);
    assert!(s.is_active(("web", &web), &refresh).await);

    let Response {
        status, json: patched, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["enabled"], false);

    assert_eq!(
        s.introspect(("watcher", &watcher), &access).await.json,
        json!({"active": false})
    );
    assert_eq!(
        s.introspect(("web", &web), &refresh).await.json,
        json!({"active": false})
    );
    assert!(
        s.is_active(("watcher", &watcher), &bobs).await,
        "other users keep their tokens"
    );
    let Response { status, json: body, .. } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    let Response { status, json: body, .. } = s
        .token(
            ("web", &web),
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    let Response {
        status, json: patched, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["enabled"], true);
    let Response {
        status, json: issued, ..
    } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    let fresh = issued["access_token"].as_str().unwrap().to_string();
    assert!(s.is_active(("watcher", &watcher), &fresh).await);
    assert!(
        !s.is_active(("watcher", &watcher), &access).await,
        "re-enabling does not revive old tokens"
    );
}

#[tokio::test]
async fn deleting_a_user_revokes_its_tokens() {
    let s = spawn().await;
    let web = acme_with_alice(&s).await;
    let watcher = client(&s, "acme", "watcher", &["client_credentials"], &[]).await;
    let Response {
        status, json: issued, ..
    } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    let access = issued["access_token"].as_str().unwrap().to_string();
    let refresh = issued["refresh_token"].as_str().unwrap().to_string();
    let app_token = s.access_token(("watcher", &watcher)).await;

    let Response { status, json: body, .. } = s.admin(Method::DELETE, "/admin/tenants/acme/users/alice", None).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        s.introspect(("watcher", &watcher), &access).await.json,
        json!({"active": false})
    );
    assert_eq!(
        s.introspect(("web", &web), &refresh).await.json,
        json!({"active": false})
    );
    assert!(
        s.is_active(("watcher", &watcher), &app_token).await,
        "application tokens stay"
    );
    let Response { status, json: body, .. } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    let Response { status, json: body, .. } = s
        .token(
            ("web", &web),
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(status, 400, "{body}");

    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme/users/alice", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s.admin(Method::DELETE, "/admin/tenants/acme/users/alice", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"enabled": true})),
        )
        .await;
    assert_error(status, &body, 404);
    let Response { json: list, .. } = s.admin(Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(list, json!([]));

    // the name can be used again, with a fresh password
    s.create_user("acme", "alice", "second life", &[]).await;
    let Response { status, json: body, .. } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 400, "{body}");
    let Response { status, json: body, .. } = s.login(("web", &web), "alice", "second life").await;
    assert_eq!(status, 200, "{body}");
}
