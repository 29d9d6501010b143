//! Fine-grained admin permissions: each authority allows its own operations only.

use super::{client, tenant};
use crate::helpers::spawn;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn fine_grained_permissions() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let reader = client(
        &s,
        "acme",
        "reader",
        &["client_credentials"],
        &["Auth.Customer.Clients:READ"],
    )
    .await;
    let reader = s.access_token(("reader", &reader)).await;

    let Response { status, json: list, .. } = s
        .admin_as(&reader, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let Response { status, json: body, .. } = s
        .admin_as(&reader, Method::GET, "/admin/tenants/acme/clients/reader", None)
        .await;
    assert_eq!(status, 200, "{body}");
    for (method, path, body) in [
        (
            Method::POST,
            "/admin/tenants/acme/clients",
            Some(json!({"client_id": "new-one"})),
        ),
        (
            Method::PATCH,
            "/admin/tenants/acme/clients/reader",
            Some(json!({"authorities": ["ROLE_ADMIN_CUSTOMER"]})),
        ),
        (Method::POST, "/admin/tenants/acme/clients/reader/secret", None),
        (Method::DELETE, "/admin/tenants/acme/clients/reader", None),
        (Method::GET, "/admin/tenants/acme/users", None),
        (
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "u", "password": "pw"})),
        ),
        (
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"access_token_ttl": 5})),
        ),
        (Method::POST, "/admin/tenants", Some(json!({"id": "evil"}))),
    ] {
        let Response {
            status, json: answer, ..
        } = s.admin_as(&reader, method.clone(), path, body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    let Response { json: got, .. } = s.get_client("acme", "reader").await;
    assert_eq!(
        got["authorities"],
        json!(["Auth.Customer.Clients:READ"]),
        "no self-promotion: {got}"
    );

    // Clients:UPDATE may create and change clients, not users
    let writer = client(
        &s,
        "acme",
        "writer",
        &["client_credentials"],
        &["Auth.Customer.Clients:UPDATE"],
    )
    .await;
    let writer = s.access_token(("writer", &writer)).await;
    let Response { status, json: body, .. } = s
        .admin_as(
            &writer,
            Method::POST,
            "/admin/tenants/acme/clients",
            Some(json!({"client_id": "new-one"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(&writer, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(&writer, Method::GET, "/admin/tenants/acme/users", None)
        .await;
    assert_eq!(status, 403, "{body}");

    // Users:UPDATE manages users but not clients
    let users = client(
        &s,
        "acme",
        "users-admin",
        &["client_credentials"],
        &["Auth.Customer.Users:UPDATE"],
    )
    .await;
    let users = s.access_token(("users-admin", &users)).await;
    let Response { status, json: body, .. } = s
        .admin_as(
            &users,
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "u", "password": "pw"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let Response { status, json: body, .. } = s.admin_as(&users, Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(&users, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_eq!(status, 403, "{body}");
}
