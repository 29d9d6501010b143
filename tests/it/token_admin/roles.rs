//! Roles and authorities: a partial admin stays partial, and a role taken away is gone from issued tokens.

use super::world;
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_partial_admin_cannot_take_over_a_stronger_client_or_user() {
    let w = world().await;
    w.s.create_client(
        "acme",
        json!({"client_id": "boss", "authorities": ["ROLE_ADMIN_CUSTOMER"]}),
    )
    .await;
    let Response { status, .. } =
        w.s.admin(
            Method::PATCH,
            "/admin/tenants/acme/users/bob",
            Some(json!({"authorities": ["ROLE_ADMIN_CUSTOMER"]})),
        )
        .await;
    assert_eq!(status, 200);
    let clients_admin = w
        .principal("acme", "clients-admin", &["Auth.Customer.Clients:UPDATE"])
        .await;
    let users_admin = w
        .principal("acme", "users-admin", &["Auth.Customer.Users:UPDATE"])
        .await;
    for (token, method, path, body) in [
        (
            &clients_admin,
            Method::POST,
            "/admin/tenants/acme/clients/boss/secret",
            None,
        ),
        (
            &clients_admin,
            Method::PATCH,
            "/admin/tenants/acme/clients/boss",
            Some(json!({"name": "mine"})),
        ),
        (&clients_admin, Method::DELETE, "/admin/tenants/acme/clients/boss", None),
        (
            &users_admin,
            Method::PATCH,
            "/admin/tenants/acme/users/bob",
            Some(json!({"password": "taken-over"})),
        ),
        (&users_admin, Method::DELETE, "/admin/tenants/acme/users/bob", None),
    ] {
        let Response {
            status, json: answer, ..
        } = w.s.admin_as(token, method.clone(), path, body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    // Whoever holds the authority may manage the client that holds it.
    let tenant_admin = w.principal("acme", "tenant-admin", &["ROLE_ADMIN_CUSTOMER"]).await;
    let Response { status, .. } =
        w.s.admin_as(
            &tenant_admin,
            Method::POST,
            "/admin/tenants/acme/clients/boss/secret",
            None,
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn taking_a_role_away_takes_it_from_tokens_already_issued() {
    let w = world().await;
    let token = w.principal("acme", "boss", &["ROLE_ADMIN_CUSTOMER"]).await;
    let Response { status, .. } =
        w.s.admin_as(&token, Method::GET, "/admin/tenants/acme/users", None)
            .await;
    assert_eq!(status, 200);
    let Response { status, .. } =
        w.s.admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/boss",
            Some(json!({"authorities": []})),
        )
        .await;
    assert_eq!(status, 200);
    let Response { status, .. } =
        w.s.admin_as(&token, Method::GET, "/admin/tenants/acme/users", None)
            .await;
    assert_eq!(status, 403, "the demoted client's old token no longer carries the role");
}

#[tokio::test]
async fn a_users_authorities_count_for_the_admin_api_too() {
    let w = world().await;
    let Response { status, .. } =
        w.s.admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"authorities": ["Auth.Customer.Tokens:READ"]})),
        )
        .await;
    assert_eq!(status, 200);
    let alice = w.login("alice").await["access_token"].as_str().unwrap().to_string();
    let Response { status, .. } =
        w.s.admin_as(&alice, Method::GET, "/admin/tenants/acme/clients/app/tokens", None)
            .await;
    assert_eq!(status, 200, "a user token carries the user's authorities");
    let Response { status, .. } =
        w.s.admin_as(
            &alice,
            Method::POST,
            "/admin/tenants/acme/clients/app/tokens/revoke",
            None,
        )
        .await;
    assert_eq!(status, 403, "READ does not imply UPDATE");
    let bob = w.login("bob").await["access_token"].as_str().unwrap().to_string();
    let Response { status, .. } =
        w.s.admin_as(&bob, Method::GET, "/admin/tenants/acme/clients/app/tokens", None)
            .await;
    assert_eq!(status, 403);
}
