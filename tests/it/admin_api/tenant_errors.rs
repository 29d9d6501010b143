//! Tenant input errors: every bad field is a 400 naming it.

use super::{assert_bad, assert_error, description, tenant};
use crate::helpers::Response;
use crate::helpers::{spawn, ADMIN_ID, ADMIN_SECRET};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn tenant_input_errors() {
    let s = spawn().await;
    tenant(&s, "acme").await;

    // duplicate
    let Response { status, json: body, .. } = s
        .admin(Method::POST, "/admin/tenants", Some(json!({"id": "acme"})))
        .await;
    assert_error(status, &body, 409);

    // invalid slugs
    for bad in ["Bad_Id", "-x", "x-", "a b", ""] {
        let Response { status, json: body, .. } =
            s.admin(Method::POST, "/admin/tenants", Some(json!({"id": bad}))).await;
        assert_bad(status, &body, "id");
    }
    let Response { status, json: body, .. } = s
        .admin(Method::POST, "/admin/tenants", Some(json!({"id": "a".repeat(64)})))
        .await;
    assert_bad(status, &body, "id");

    // unknown field
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants",
            Some(json!({"id": "globex", "colour": "red"})),
        )
        .await;
    assert_bad(status, &body, "colour");
    let Response { status, json: body, .. } = s
        .admin(Method::PATCH, "/admin/tenants/acme", Some(json!({"colour": "red"})))
        .await;
    assert_bad(status, &body, "colour");

    // wrong types
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants",
            Some(json!({"id": "globex", "access_token_ttl": "x"})),
        )
        .await;
    assert_bad(status, &body, "access_token_ttl");
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"access_token_ttl": "x"})),
        )
        .await;
    assert_bad(status, &body, "access_token_ttl");
    let Response { status, json: body, .. } = s.admin(Method::POST, "/admin/tenants", Some(json!({"id": 7}))).await;
    assert_bad(status, &body, "id");
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants",
            Some(json!({"id": "globex", "token_policy": "sometimes"})),
        )
        .await;
    assert_bad(status, &body, "token_policy");
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants",
            Some(json!({"id": "globex", "max_active_tokens_per_client": -1})),
        )
        .await;
    assert_bad(status, &body, "max_active_tokens_per_client");

    // bad values
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants",
            Some(json!({"id": "globex", "access_token_ttl": 0})),
        )
        .await;
    assert_bad(status, &body, "access_token_ttl");
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"max_active_tokens_per_client": 0})),
        )
        .await;
    assert_bad(status, &body, "max_active_tokens_per_client");
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants",
            Some(json!({"id": "globex", "name": "  "})),
        )
        .await;
    assert_bad(status, &body, "name");
    let Response { status, json: body, .. } = s
        .admin(Method::POST, "/admin/tenants", Some(json!({"name": "no id"})))
        .await;
    assert_bad(status, &body, "id");

    // none of those created anything
    let Response { json: list, .. } = s.admin(Method::GET, "/admin/tenants", None).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

    // a non-JSON content type, a missing body, and malformed JSON
    let Response { status, json: body, .. } = s
        .send(
            s.http
                .post(s.url("/admin/tenants"))
                .bearer_auth(&s.admin_token)
                .header("content-type", "text/plain")
                .body(r#"{"id":"globex"}"#),
        )
        .await;
    assert_error(status, &body, 400);
    let Response { status, json: body, .. } = s
        .send(
            s.http
                .post(s.url("/admin/tenants"))
                .bearer_auth(&s.admin_token)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("id=globex"),
        )
        .await;
    assert_error(status, &body, 400);
    let Response { status, json: body, .. } = s
        .send(s.http.post(s.url("/admin/tenants")).bearer_auth(&s.admin_token))
        .await;
    assert_error(status, &body, 400);
    let Response { status, json: body, .. } = s
        .send(
            s.http
                .post(s.url("/admin/tenants"))
                .bearer_auth(&s.admin_token)
                .header("content-type", "application/json")
                .body(r#"{"id": "globex""#),
        )
        .await;
    assert_error(status, &body, 400);
    assert_eq!(
        description(&body),
        "the request body is not valid JSON: EOF while parsing an object at line 1 column 15"
    );
    for (text, says) in [
        (r#"{"id":"bad","#, "EOF while parsing a value at line 1 column 12"),
        ("", "EOF while parsing a value at line 1 column 0"),
        (r#"{"id" "x"}"#, "expected `:` at line 1 column 7"),
    ] {
        let Response { status, json: body, .. } = s
            .send(
                s.http
                    .post(s.url("/admin/tenants"))
                    .bearer_auth(&s.admin_token)
                    .header("content-type", "application/json")
                    .body(text),
            )
            .await;
        assert_error(status, &body, 400);
        assert_eq!(
            description(&body),
            format!("the request body is not valid JSON: {says}"),
            "{text}"
        );
    }
    let Response { status, json: body, .. } = s
        .send(
            s.http
                .post(s.url("/admin/tenants"))
                .bearer_auth(&s.admin_token)
                .header("content-type", "application/json")
                .body("[1, 2]"),
        )
        .await;
    assert_error(status, &body, 400);
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/globex", None).await;
    assert_error(status, &body, 404);

    // an invalid id in the path
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/Bad_Id", None).await;
    assert_bad(status, &body, "tenant");
    let Response { status, json: body, .. } = s.admin(Method::DELETE, "/admin/tenants/-x", None).await;
    assert_bad(status, &body, "tenant");

    // the system tenant stays
    let Response { status, json: body, .. } = s.admin(Method::DELETE, "/admin/tenants/system", None).await;
    assert!(
        (400..500).contains(&status),
        "deleting system must be refused: {status} {body}"
    );
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/system", None).await;
    assert_eq!(status, 200, "{body}");
    s.access_token((ADMIN_ID, ADMIN_SECRET)).await;
}
