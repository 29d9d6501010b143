//! Unknown routes and ids, extreme values and trailing bytes: JSON 4xx answers, never a 500.

use super::{assert_bad, assert_error, client, tenant};
use crate::helpers::spawn;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn unknown_routes_and_ids_are_404_json() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    for path in [
        "/admin",
        "/admin/",
        "/admin/nothing",
        "/admin/tenants/acme/nothing",
        "/admin/tenants/acme/clients/x/nothing",
        "/admin/tenants/acme/users/x/y/z",
        "/nothing",
        "/admin/tenants/ghost",
        "/admin/tenants/ghost/clients",
        "/admin/tenants/ghost/users",
        "/admin/tenants/ghost/clients/x",
        "/admin/tenants/ghost/users/x",
        "/admin/tenants/acme/clients/ghost",
        "/admin/tenants/acme/users/ghost",
    ] {
        let Response { status, json: body, .. } = s.admin(Method::GET, path, None).await;
        assert_eq!(status, 404, "GET {path}: {body}");
        assert!(body["error"].is_string(), "GET {path} answers JSON: {body}");
    }
    for (method, path, body) in [
        (Method::PATCH, "/admin/tenants/ghost", Some(json!({"name": "x"}))),
        (Method::DELETE, "/admin/tenants/ghost", None),
        (Method::POST, "/admin/tenants/ghost/clients", Some(json!({}))),
        (
            Method::POST,
            "/admin/tenants/ghost/users",
            Some(json!({"username": "u", "password": "pw"})),
        ),
        (
            Method::PATCH,
            "/admin/tenants/acme/clients/ghost",
            Some(json!({"name": "x"})),
        ),
        (Method::DELETE, "/admin/tenants/acme/clients/ghost", None),
        (Method::POST, "/admin/tenants/acme/clients/ghost/secret", None),
        (
            Method::PATCH,
            "/admin/tenants/acme/users/ghost",
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, "/admin/tenants/acme/users/ghost", None),
    ] {
        let Response {
            status, json: answer, ..
        } = s.admin(method.clone(), path, body).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        assert_eq!(answer["error"], "not_found", "{method} {path}: {answer}");
    }
    // a method the route does not have is a client error, not a 500
    for (method, path) in [
        (Method::PUT, "/admin/tenants"),
        (Method::DELETE, "/admin/tenants"),
        (Method::PUT, "/admin/tenants/acme"),
        (Method::GET, "/admin/tenants/acme/clients/x/secret"),
    ] {
        let Response { status, json: body, .. } = s.admin(method.clone(), path, None).await;
        assert!((400..500).contains(&status), "{method} {path}: {status} {body}");
    }
    // a body over the limit is refused, not a 500
    let big = json!({"id": "big", "name": "x".repeat(100_000)});
    let Response { status, json: body, .. } = s.admin(Method::POST, "/admin/tenants", Some(big)).await;
    assert!((400..500).contains(&status), "{status} {body}");
}

#[tokio::test]
async fn extreme_values_are_400_not_500() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    for (field, value) in [
        ("access_token_ttl", json!(i64::MIN)),
        ("access_token_ttl", json!(i64::MAX)),
        ("access_token_ttl", json!(u64::MAX)),
        ("access_token_ttl", json!(1.5)),
        ("refresh_token_ttl", json!(1e300)),
        ("max_active_tokens_per_client", json!(u64::from(u32::MAX) + 1)),
        ("max_active_tokens_per_client", json!([1])),
        ("token_policy", json!({"multi": true})),
        ("name", json!("x".repeat(201))),
        ("name", json!("tab\there")),
    ] {
        let Response { status, json: body, .. } = s
            .admin(Method::PATCH, "/admin/tenants/acme", Some(json!({ field: value })))
            .await;
        assert_bad(status, &body, field);
    }
    let Response { json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(got["access_token_ttl"], Value::Null, "{got}");
    assert_eq!(got["name"], "acme corp", "{got}");

    // a negative lifetime is valid: never expires, so no expires_in
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"access_token_ttl": -1})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let secret = client(&s, "acme", "app", &["client_credentials"], &[]).await;
    let issued = s.token_cc("app", &secret, None).await;
    assert!(issued.get("expires_in").is_none(), "{issued}");

    // deeply nested and very long input
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let Response { status, json: body, .. } = s
        .send(
            s.http
                .post(s.url("/admin/tenants"))
                .bearer_auth(&s.admin_token)
                .header("content-type", "application/json")
                .body(nested),
        )
        .await;
    assert!((400..500).contains(&status), "{status} {body}");
    let long = "a".repeat(5000);
    for path in [
        format!("/admin/tenants/{long}"),
        format!("/admin/tenants/acme/clients/{long}"),
        format!("/admin/tenants/acme/users/{long}"),
    ] {
        let Response { status, json: body, .. } = s.admin(Method::GET, &path, None).await;
        assert_eq!(status, 400, "{body}");
    }
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "big", "password": "p".repeat(1025)})),
        )
        .await;
    assert_bad(status, &body, "password");
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "u".repeat(129), "password": "pw"})),
        )
        .await;
    assert_bad(status, &body, "username");
}

/// One JSON value and nothing after it but whitespace, on every route that takes a body: the
/// garbage is named, and nothing is changed.
#[tokio::test]
async fn trailing_bytes_after_the_json_body_are_400() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let token = "/admin/tokens/AAAAAAAAAAAAAAAAAAAAAA";
    let pair = "/admin/tenants/acme/clients/app/authorizations/alice";
    for (method, path, body) in [
        (Method::POST, "/admin/tenants", r#"{"id":"t"} garbage"#),
        (Method::PATCH, "/admin/tenants/acme", r#"{"name":"x"}{"name":"y"}"#),
        (Method::POST, "/admin/tenants/acme/clients", r#"{"client_id":"c"} ,"#),
        (Method::PATCH, "/admin/tenants/acme/clients/c", r#"{"name":"x"} 1"#),
        (
            Method::POST,
            "/admin/tenants/acme/users",
            r#"{"username":"u","password":"p"}]"#,
        ),
        (Method::PATCH, "/admin/tenants/acme/users/u", r#"{"enabled":false} x"#),
        (Method::POST, "/admin/tenants/acme/clients/c/tokens/revoke", r#"{} {}"#),
        (Method::PATCH, token, r#"{"properties":null} null"#),
        (Method::POST, "/admin/tokens/lookup", r#"{"token":"tsa_x"} x"#),
        (Method::PUT, pair, r#"{"scopes":[]} x"#),
    ] {
        let request = s
            .http
            .request(method, s.url(path))
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/json")
            .body(body);
        let Response {
            status, json: answer, ..
        } = s.send(request).await;
        assert_bad(
            status,
            &answer,
            "trailing characters after the JSON value at line 1 column",
        );
    }
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/t", None).await;
    assert_error(status, &body, 404);
    let Response { json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(body["name"], "acme corp", "{body}");

    // The description gives the position; whitespace after the value is fine.
    let request = |body: &'static str| {
        s.http
            .post(s.url("/admin/tenants"))
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/json")
            .body(body)
    };
    let Response { status, json: body, .. } = s.send(request(r#"{"id":"t"} garbage"#)).await;
    assert_bad(
        status,
        &body,
        "body: trailing characters after the JSON value at line 1 column 12",
    );
    let Response { status, json: body, .. } = s.send(request("{\"id\":\"t\"} \r\n\t ")).await;
    assert_eq!(status, 201, "{body}");
}
