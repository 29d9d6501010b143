//! A customer admin: one tenant's admin manages that tenant only.

use super::{assert_error, assert_no_password, client, tenant, PASSWORD};
use crate::helpers::Response;
use crate::helpers::{spawn, ADMIN_ID, ADMIN_SECRET};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_customer_admin_manages_only_its_own_tenant() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    tenant(&s, "globex").await;
    client(&s, "globex", "globex-app", &["client_credentials"], &[]).await;
    s.create_user("globex", "gina", PASSWORD, &[]).await;
    let secret = client(
        &s,
        "acme",
        "acme-admin",
        &["client_credentials"],
        &["ROLE_ADMIN_CUSTOMER"],
    )
    .await;
    let token = s.access_token(("acme-admin", &secret)).await;

    // its own tenant: clients and users
    let Response {
        status, json: created, ..
    } = s
        .admin_as(
            &token,
            Method::POST,
            "/admin/tenants/acme/clients",
            Some(json!({"client_id": "acme-web", "grant_types": ["password"]})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["client_secret"].is_string(), "{created}");
    let Response { status, json: list, .. } = s
        .admin_as(&token, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let Response { status, json: body, .. } = s
        .admin_as(
            &token,
            Method::PATCH,
            "/admin/tenants/acme/clients/acme-web",
            Some(json!({"scopes": ["read"]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(
            &token,
            Method::POST,
            "/admin/tenants/acme/clients/acme-web/secret",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(
            &token,
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "alice", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_no_password(&body, PASSWORD);
    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::GET, "/admin/tenants/acme/users/alice", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(
            &token,
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"authorities": ["ROLE_USER"]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::DELETE, "/admin/tenants/acme/users/alice", None)
        .await;
    assert_eq!(status, 204, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::DELETE, "/admin/tenants/acme/clients/acme-web", None)
        .await;
    assert_eq!(status, 204, "{body}");
    let Response { status, json: body, .. } = s.admin_as(&token, Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: list, .. } = s.admin_as(&token, Method::GET, "/admin/tenants", None).await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["acme"], "a customer admin lists only its own tenant");

    // another tenant, the system tenant, and server-wide operations: 403
    for (method, path, body) in [
        (Method::POST, "/admin/tenants", Some(json!({"id": "evil"}))),
        (Method::DELETE, "/admin/tenants/acme", None),
        (Method::GET, "/admin/tenants/globex", None),
        (
            Method::PATCH,
            "/admin/tenants/globex",
            Some(json!({"access_token_ttl": 5})),
        ),
        (Method::DELETE, "/admin/tenants/globex", None),
        (Method::GET, "/admin/tenants/globex/clients", None),
        (
            Method::POST,
            "/admin/tenants/globex/clients",
            Some(json!({"client_id": "evil"})),
        ),
        (Method::GET, "/admin/tenants/globex/clients/globex-app", None),
        (
            Method::PATCH,
            "/admin/tenants/globex/clients/globex-app",
            Some(json!({"scopes": ["x"]})),
        ),
        (Method::DELETE, "/admin/tenants/globex/clients/globex-app", None),
        (Method::POST, "/admin/tenants/globex/clients/globex-app/secret", None),
        (Method::GET, "/admin/tenants/globex/users", None),
        (
            Method::POST,
            "/admin/tenants/globex/users",
            Some(json!({"username": "evil", "password": "pw"})),
        ),
        (Method::GET, "/admin/tenants/globex/users/gina", None),
        (
            Method::PATCH,
            "/admin/tenants/globex/users/gina",
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, "/admin/tenants/globex/users/gina", None),
        (Method::GET, "/admin/tenants/system/clients", None),
        (Method::POST, "/admin/tenants/system/clients/test-admin/secret", None),
    ] {
        let Response {
            status, json: answer, ..
        } = s.admin_as(&token, method.clone(), path, body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(answer["error"], "forbidden", "{method} {path}: {answer}");
    }
    // a globex client reached through acme's path is simply not there
    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::GET, "/admin/tenants/acme/clients/globex-app", None)
        .await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::DELETE, "/admin/tenants/acme/clients/test-admin", None)
        .await;
    assert_error(status, &body, 404);

    // globex is untouched
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/globex/users/gina", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["enabled"], true);
    let Response { json: clients, .. } = s.admin(Method::GET, "/admin/tenants/globex/clients", None).await;
    assert_eq!(clients.as_array().unwrap().len(), 1, "{clients}");
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/evil", None).await;
    assert_error(status, &body, 404);
    s.access_token((ADMIN_ID, ADMIN_SECRET)).await;
}
