//! Users over the admin API: their lifecycle (the password is write-only) and their input errors.

use super::{assert_bad, assert_error, assert_no_password, client, tenant, PASSWORD};
use crate::helpers::spawn;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn user_lifecycle_and_password_is_write_only() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let web = client(&s, "acme", "web", &["password", "refresh_token"], &[]).await;

    let Response {
        status, json: created, ..
    } = s
        .admin(
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "alice", "password": PASSWORD, "authorities": ["ROLE_USER"]})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_no_password(&created, PASSWORD);
    assert_eq!(created["username"], "alice");
    assert_eq!(created["authorities"], json!(["ROLE_USER"]));
    assert_eq!(created["enabled"], true);

    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "bob@acme.example", "password": "hunter2-hunter2", "enabled": false})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["enabled"], false);
    assert_no_password(&body, "hunter2-hunter2");

    let Response { status, json: list, .. } = s.admin(Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(status, 200, "{list}");
    assert_no_password(&list, PASSWORD);
    assert_no_password(&list, "hunter2-hunter2");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{list}");
    assert!(
        names.contains(&"alice") && names.contains(&"bob@acme.example"),
        "{list}"
    );

    let Response { status, json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme/users/alice", None).await;
    assert_eq!(status, 200, "{got}");
    assert_no_password(&got, PASSWORD);
    assert_eq!(got["username"], "alice");

    // duplicate
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants/acme/users",
            Some(json!({"username": "alice", "password": "other"})),
        )
        .await;
    assert_error(status, &body, 409);

    // the password grant works
    let Response {
        status, json: issued, ..
    } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    assert!(issued["refresh_token"].is_string(), "{issued}");
    assert_eq!(issued["authorities"], json!(["ROLE_USER"]), "{issued}");
    let Response { status, json: body, .. } = s.login(("web", &web), "alice", "wrong").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    // a disabled-at-creation user cannot log in
    let Response { status, json: body, .. } = s.login(("web", &web), "bob@acme.example", "hunter2-hunter2").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    // PATCH authorities
    let Response {
        status, json: patched, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"authorities": ["ROLE_USER", "Orders:READ"]})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_no_password(&patched, PASSWORD);
    assert_eq!(patched["authorities"], json!(["ROLE_USER", "Orders:READ"]));
    assert_eq!(patched["enabled"], true);
    let Response { json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme/users/alice", None).await;
    assert_eq!(got, patched);
    let Response {
        status, json: issued, ..
    } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["authorities"], json!(["ROLE_USER", "Orders:READ"]), "{issued}");

    // PATCH the password: the old one stops working
    let Response {
        status, json: patched, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"password": "a brand new password"})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_no_password(&patched, "a brand new password");
    let Response { status, json: body, .. } = s.login(("web", &web), "alice", PASSWORD).await;
    assert_eq!(status, 400, "{body}");
    let Response { status, json: body, .. } = s.login(("web", &web), "alice", "a brand new password").await;
    assert_eq!(status, 200, "{body}");

    // users are tenant-scoped
    tenant(&s, "globex").await;
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/globex/users/alice", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/globex/users", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!([]));
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme/users/nobody", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/nowhere/users", None).await;
    assert_error(status, &body, 404);
}

#[tokio::test]
async fn user_input_errors() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let cases = [
        (json!({"username": "al ice", "password": "pw"}), "username"),
        (json!({"username": "a/b", "password": "pw"}), "username"),
        (json!({"username": "", "password": "pw"}), "username"),
        (json!({"username": "alice"}), "password"),
        (json!({"username": "alice", "password": ""}), "password"),
        (json!({"username": "alice", "password": 12345}), "password"),
        (
            json!({"username": "alice", "password": "pw", "authorities": "ROLE_USER"}),
            "authorities",
        ),
        (
            json!({"username": "alice", "password": "pw", "authorities": ["has space"]}),
            "authorities",
        ),
        (
            json!({"username": "alice", "password": "pw", "enabled": "yes"}),
            "enabled",
        ),
        (json!({"username": "alice", "password": "pw", "role": "admin"}), "role"),
        (json!({"password": "pw"}), "username"),
    ];
    for (body, field) in cases {
        let Response {
            status, json: answer, ..
        } = s
            .admin(Method::POST, "/admin/tenants/acme/users", Some(body.clone()))
            .await;
        assert_bad(status, &answer, field);
        assert!(!answer.to_string().contains("\"pw\""), "{answer}");
    }
    let Response { json: list, .. } = s.admin(Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(list, json!([]), "nothing was created");

    s.create_user("acme", "alice", PASSWORD, &[]).await;
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"enabled": "no"})),
        )
        .await;
    assert_bad(status, &body, "enabled");
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"username": "bob"})),
        )
        .await;
    assert_bad(status, &body, "username");

    // invalid characters in the path
    for path in [
        "/admin/tenants/acme/users/bad%20name",
        "/admin/tenants/acme/users/a%2Fb",
        "/admin/tenants/acme/users/%3Cscript%3E",
    ] {
        let Response { status, json: body, .. } = s.admin(Method::GET, path, None).await;
        assert_bad(status, &body, "user");
        let Response { status, json: body, .. } = s.admin(Method::DELETE, path, None).await;
        assert_bad(status, &body, "user");
        let Response { status, json: body, .. } = s.admin(Method::PATCH, path, Some(json!({"enabled": false}))).await;
        assert_bad(status, &body, "user");
    }
}
