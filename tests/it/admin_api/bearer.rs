//! Who may call the admin API at all: the bearer token and the admin role.

use super::{assert_error, client, tenant, PASSWORD};
use crate::helpers::Response;
use crate::helpers::{spawn, ADMIN_ID, ADMIN_SECRET};
use reqwest::Method;
use serde_json::json;

/// The RFC 6750 §3 challenges of the admin API.
const NO_TOKEN: &str = "Bearer realm=\"tessera\"";
const INVALID_TOKEN: &str = "Bearer realm=\"tessera\", error=\"invalid_token\"";

#[tokio::test]
async fn missing_or_bad_bearer_is_401() {
    let s = spawn().await;
    let paths = [
        (Method::GET, "/admin/tenants"),
        (Method::POST, "/admin/tenants"),
        (Method::GET, "/admin/tenants/system"),
        (Method::GET, "/admin/tenants/system/clients"),
        (Method::DELETE, "/admin/tenants/system/clients/test-admin"),
        (Method::GET, "/admin/tenants/system/users"),
    ];
    for (method, path) in paths {
        let what = format!("{method} {path} without a token");
        let mut req = s.http.request(method.clone(), s.url(path));
        if method == Method::POST {
            req = req.json(&json!({"id": "x"}));
        }
        let Response {
            status,
            headers,
            json: body,
            ..
        } = s.send(req).await;
        assert_error(status, &body, 401);
        // RFC 6750 §3.1: no credentials, so no error code in the challenge.
        let challenge = headers.get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
        assert_eq!(challenge.as_deref(), Some(NO_TOKEN), "{what}");

        for (header, expected) in [
            ("Bearer garbage", INVALID_TOKEN),
            ("Bearer ", INVALID_TOKEN),
            ("Bearer tsa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", INVALID_TOKEN),
            ("garbage", NO_TOKEN),
        ] {
            let mut req = s
                .http
                .request(method.clone(), s.url(path))
                .header("authorization", header);
            if method == Method::POST {
                req = req.json(&json!({"id": "x"}));
            }
            let what = format!("{method} {path} with {header:?}");
            let Response {
                status,
                headers,
                json: body,
                ..
            } = s.send(req).await;
            assert_error(status, &body, 401);
            assert_eq!(headers.get("www-authenticate").unwrap(), expected, "{what}");
        }

        // Basic credentials of the admin client are not a bearer token
        let req = s
            .http
            .request(method.clone(), s.url(path))
            .basic_auth(ADMIN_ID, Some(ADMIN_SECRET));
        let Response {
            status,
            headers,
            json: body,
            ..
        } = s.send(req).await;
        assert_error(status, &body, 401);
        assert_eq!(headers.get("www-authenticate").unwrap(), NO_TOKEN);
    }

    // a refresh token is not an access token
    tenant(&s, "acme").await;
    let web = client(
        &s,
        "acme",
        "web",
        &["password", "refresh_token"],
        &["ROLE_ADMIN_CUSTOMER"],
    )
    .await;
    s.create_user("acme", "alice", PASSWORD, &["ROLE_ADMIN_CUSTOMER"]).await;
    let Response {
        status, json: issued, ..
    } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    let refresh = issued["refresh_token"].as_str().unwrap();
    let Response { status, json: body, .. } = s
        .admin_as(refresh, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_error(status, &body, 401);
    // the client secret itself is not a bearer token either
    let Response { status, json: body, .. } = s.admin_as(ADMIN_SECRET, Method::GET, "/admin/tenants", None).await;
    assert_error(status, &body, 401);
    // nothing was created by any of that
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/x", None).await;
    assert_error(status, &body, 404);
}

#[tokio::test]
async fn a_client_without_admin_roles_is_forbidden() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let plain = client(&s, "acme", "plain", &["client_credentials"], &["ROLE_SERVICE"]).await;
    let token = s.access_token(("plain", &plain)).await;

    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::POST, "/admin/tenants", Some(json!({"id": "evil"})))
        .await;
    assert_error(status, &body, 403);
    for (method, path, body) in [
        (Method::GET, "/admin/tenants/acme", None),
        (
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"access_token_ttl": 5})),
        ),
        (Method::DELETE, "/admin/tenants/acme", None),
        (Method::GET, "/admin/tenants/acme/clients", None),
        (
            Method::POST,
            "/admin/tenants/acme/clients",
            Some(json!({"client_id": "evil"})),
        ),
        (Method::GET, "/admin/tenants/acme/clients/plain", None),
        (Method::POST, "/admin/tenants/acme/clients/plain/secret", None),
        (Method::GET, "/admin/tenants/acme/users", None),
        (
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "evil", "password": "pw"})),
        ),
    ] {
        let Response {
            status, json: answer, ..
        } = s.admin_as(&token, method.clone(), path, body).await;
        assert_error(status, &answer, 403);
    }
    let Response { status, json: list, .. } = s.admin_as(&token, Method::GET, "/admin/tenants", None).await;
    assert_error(status, &list, 403);

    // nothing changed
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/evil", None).await;
    assert_error(status, &body, 404);
    let Response { json: clients, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(clients.as_array().unwrap().len(), 1, "{clients}");
    s.access_token(("plain", &plain)).await;
}

#[tokio::test]
async fn role_admin_counts_only_in_the_system_tenant() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let secret = client(&s, "acme", "fake-admin", &["client_credentials"], &["ROLE_ADMIN"]).await;
    let token = s.access_token(("fake-admin", &secret)).await;

    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::POST, "/admin/tenants", Some(json!({"id": "evil"})))
        .await;
    assert_error(status, &body, 403);
    let Response { status, json: body, .. } = s.admin_as(&token, Method::DELETE, "/admin/tenants/acme", None).await;
    assert_error(status, &body, 403);
    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::GET, "/admin/tenants/system/clients", None)
        .await;
    assert_error(status, &body, 403);
    let Response { status, json: body, .. } = s
        .admin_as(
            &token,
            Method::POST,
            "/admin/tenants/system/clients/test-admin/secret",
            None,
        )
        .await;
    assert_error(status, &body, 403);
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/evil", None).await;
    assert_error(status, &body, 404);

    // a second ROLE_ADMIN client in system does count
    let real = client(&s, "system", "ops", &["client_credentials"], &["ROLE_ADMIN"]).await;
    let real = s.access_token(("ops", &real)).await;
    let Response { status, json: body, .. } = s
        .admin_as(&real, Method::POST, "/admin/tenants", Some(json!({"id": "globex"})))
        .await;
    assert_eq!(status, 201, "{body}");
    let Response { status, json: body, .. } = s.admin_as(&real, Method::DELETE, "/admin/tenants/globex", None).await;
    assert_eq!(status, 204, "{body}");
}

#[tokio::test]
async fn a_revoked_or_expired_admin_token_is_401() {
    let s = spawn().await;
    let token = s.access_token((ADMIN_ID, ADMIN_SECRET)).await;
    let Response { status, json: body, .. } = s.admin_as(&token, Method::GET, "/admin/tenants", None).await;
    assert_eq!(status, 200, "{body}");

    let Response { status, json: body, .. } = s.revoke((ADMIN_ID, ADMIN_SECRET), &token).await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: body, .. } = s.admin_as(&token, Method::GET, "/admin/tenants", None).await;
    assert_error(status, &body, 401);
    let Response { status, json: body, .. } = s
        .admin_as(&token, Method::POST, "/admin/tenants", Some(json!({"id": "late"})))
        .await;
    assert_error(status, &body, 401);
    // the harness token is another token and still works
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants", None).await;
    assert_eq!(status, 200, "{body}");

    // a customer admin whose client is deleted loses access at once
    tenant(&s, "acme").await;
    let secret = client(
        &s,
        "acme",
        "acme-admin",
        &["client_credentials"],
        &["ROLE_ADMIN_CUSTOMER"],
    )
    .await;
    let customer = s.access_token(("acme-admin", &secret)).await;
    let Response { status, json: body, .. } = s
        .admin_as(&customer, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let Response { status, json: body, .. } = s
        .admin(Method::DELETE, "/admin/tenants/acme/clients/acme-admin", None)
        .await;
    assert_eq!(status, 204, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(&customer, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_error(status, &body, 401);

    // an expired token
    let token = s.access_token((ADMIN_ID, ADMIN_SECRET)).await;
    s.clock.advance(3601);
    let Response { status, json: body, .. } = s.admin_as(&token, Method::GET, "/admin/tenants", None).await;
    assert_error(status, &body, 401);
}
