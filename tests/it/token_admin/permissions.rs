//! The permission matrix over every token route, and the bearer every route needs.

use super::{token_id, world};
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Every admin route, with the area it belongs to; `{t}` is acme unless a test says otherwise.
fn routes(token_id: &str) -> Vec<(Method, String, Option<Value>, &'static str)> {
    let t = "acme";
    vec![
        (
            Method::POST,
            "/admin/tenants".into(),
            Some(json!({"id": "newco"})),
            "server",
        ),
        (Method::DELETE, "/admin/tenants/globex".into(), None, "server"),
        (Method::GET, format!("/admin/tenants/{t}"), None, "settings:read"),
        (
            Method::PATCH,
            format!("/admin/tenants/{t}"),
            Some(json!({"name": "Acme"})),
            "settings:update",
        ),
        (Method::GET, format!("/admin/tenants/{t}/clients"), None, "clients:read"),
        (
            Method::POST,
            format!("/admin/tenants/{t}/clients"),
            Some(json!({})),
            "clients:update",
        ),
        (
            Method::GET,
            format!("/admin/tenants/{t}/clients/app"),
            None,
            "clients:read",
        ),
        (
            Method::PATCH,
            format!("/admin/tenants/{t}/clients/app"),
            Some(json!({"name": "App"})),
            "clients:update",
        ),
        (
            Method::POST,
            format!("/admin/tenants/{t}/clients/web/secret"),
            None,
            "clients:update",
        ),
        (Method::GET, format!("/admin/tenants/{t}/users"), None, "users:read"),
        (
            Method::POST,
            format!("/admin/tenants/{t}/users"),
            Some(json!({"username": "carol", "password": "pw"})),
            "users:update",
        ),
        (
            Method::GET,
            format!("/admin/tenants/{t}/users/alice"),
            None,
            "users:read",
        ),
        (
            Method::PATCH,
            format!("/admin/tenants/{t}/users/bob"),
            Some(json!({"enabled": true})),
            "users:update",
        ),
        (
            Method::GET,
            format!("/admin/tenants/{t}/users/alice/authorizations"),
            None,
            "tokens:read",
        ),
        (
            Method::GET,
            format!("/admin/tenants/{t}/clients/app/tokens"),
            None,
            "tokens:read",
        ),
        (
            Method::POST,
            format!("/admin/tenants/{t}/clients/web/tokens/revoke"),
            Some(json!({"subject": "nobody"})),
            "tokens:update",
        ),
        (Method::GET, format!("/admin/tokens/{token_id}"), None, "tokens:read"),
        (
            Method::PATCH,
            format!("/admin/tokens/{token_id}"),
            Some(json!({"properties": {"k": 1}})),
            "tokens:update",
        ),
        (
            Method::PUT,
            format!("/admin/tenants/{t}/clients/web/authorizations/bob"),
            Some(json!({"scopes": ["read"]})),
            "tokens:update",
        ),
        (
            Method::DELETE,
            format!("/admin/tenants/{t}/clients/web/authorizations/nobody"),
            None,
            "tokens:update",
        ),
        (
            Method::DELETE,
            format!("/admin/tenants/{t}/users/nobody/authorizations/web"),
            None,
            "tokens:update",
        ),
        (
            Method::DELETE,
            format!("/admin/tenants/{t}/users/bob"),
            None,
            "users:update",
        ),
        (
            Method::DELETE,
            format!("/admin/tenants/{t}/clients/web"),
            None,
            "clients:update",
        ),
    ]
}

/// A principal (tenant, authorities) and which route areas it may use.
type Case<'a> = (&'a str, &'a [&'a str], &'a dyn Fn(&str) -> bool);

#[tokio::test]
async fn the_permission_matrix_holds_on_every_route() {
    // Each principal gets a fresh world, since the routes change and delete things.
    let cases: [Case; 8] = [
        ("acme", &["ROLE_ADMIN_CUSTOMER"], &|area| area != "server"),
        ("acme", &["Auth.Customer.Tokens:READ"], &|area| area == "tokens:read"),
        ("acme", &["Auth.Customer.Tokens:UPDATE"], &|area| {
            area.starts_with("tokens:")
        }),
        ("acme", &["Auth.Customer.Clients:UPDATE"], &|area| {
            area.starts_with("clients:")
        }),
        ("acme", &["Auth.Customer.Users:READ"], &|area| area == "users:read"),
        ("acme", &["Auth.Customer:READ"], &|area| area == "settings:read"),
        ("acme", &["ROLE_ADMIN"], &|_| false),
        (
            "globex",
            &["ROLE_ADMIN_CUSTOMER", "Auth.Customer.Tokens:UPDATE"],
            &|_| false,
        ),
    ];
    for (tenant, authorities, allowed) in cases {
        let w = world().await;
        let bob = w.login("bob").await;
        let id = token_id(&w, bob["access_token"].as_str().unwrap()).await;
        let token = w.principal(tenant, "principal", authorities).await;
        for (method, path, body, area) in routes(&id) {
            let Response {
                status, json: answer, ..
            } = w.s.admin_as(&token, method.clone(), &path, body).await;
            assert!(status < 500, "{method} {path}: {status} {answer}");
            let who = format!("{tenant} {authorities:?} {method} {path}");
            if allowed(area) {
                assert!(status < 400, "{who} should be allowed: {status} {answer}");
            } else if path.starts_with("/admin/tokens/") {
                assert!(status == 403 || status == 404, "{who}: {status} {answer}");
                assert!(answer.get("client_id").is_none(), "{who} leaked the token: {answer}");
            } else {
                assert_eq!(status, 403, "{who}: {answer}");
            }
        }
    }
}

#[tokio::test]
async fn without_a_valid_bearer_every_route_is_401() {
    let w = world().await;
    let bob = w.login("bob").await;
    let id = token_id(&w, bob["access_token"].as_str().unwrap()).await;
    for (method, path, body, _) in routes(&id) {
        for bearer in ["", "tsa_forged", bob["refresh_token"].as_str().unwrap()] {
            let Response {
                status, json: answer, ..
            } = w.s.admin_as(bearer, method.clone(), &path, body.clone()).await;
            assert_eq!(status, 401, "{method} {path} with {bearer:?}: {answer}");
        }
    }
}
