//! Clients over the admin API: their lifecycle and their input errors.

use super::{assert_bad, assert_error, client, tenant};
use crate::helpers::spawn;
use crate::helpers::Response;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn client_lifecycle() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let Response {
        status, json: created, ..
    } = s
        .admin(
            Method::POST,
            "/admin/tenants/acme/clients",
            Some(json!({
                "client_id": "web-app",
                "name": "Web app",
                "grant_types": ["client_credentials", "password"],
                "scopes": ["read", "write"],
                "redirect_uris": ["https://app.example/cb"],
                "authorities": ["ROLE_SERVICE"],
                "access_token_ttl": 300,
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["client_secret"]
        .as_str()
        .expect("client_secret in the 201 answer")
        .to_string();
    assert!(secret.len() >= 22, "a secret of at least 128 bits: {secret}");
    assert_eq!(created["client_id"], "web-app");
    assert_eq!(created["name"], "Web app");
    assert_eq!(created["grant_types"], json!(["client_credentials", "password"]));
    assert_eq!(created["scopes"], json!(["read", "write"]));
    assert_eq!(created["redirect_uris"], json!(["https://app.example/cb"]));
    assert_eq!(created["authorities"], json!(["ROLE_SERVICE"]));
    assert_eq!(created["public"], false);
    assert_eq!(created["access_token_ttl"], 300);
    for key in [
        "user_access_token_ttl",
        "refresh_token_ttl",
        "token_policy",
        "max_active_tokens",
    ] {
        assert_eq!(created[key], Value::Null, "{key} inherits: {created}");
        assert!(created.get(key).is_some(), "client JSON lacks {key}: {created}");
    }

    // the secret works
    let issued = s.token_cc("web-app", &secret, Some("read")).await;
    assert_eq!(issued["expires_in"], 300, "{issued}");

    // GET and list never show the secret
    let Response { status, json: got, .. } = s.get_client("acme", "web-app").await;
    assert_eq!(status, 200, "{got}");
    assert!(got.get("client_secret").is_none(), "{got}");
    assert!(!got.to_string().contains(&secret), "{got}");
    assert_eq!(got["scopes"], json!(["read", "write"]));

    // a generated client_id
    let Response {
        status,
        json: generated,
        ..
    } = s
        .admin(Method::POST, "/admin/tenants/acme/clients", Some(json!({})))
        .await;
    assert_eq!(status, 201, "{generated}");
    let generated_id = generated["client_id"].as_str().unwrap().to_string();
    assert!(generated_id.len() >= 8, "{generated}");
    assert!(generated["client_secret"].is_string(), "{generated}");
    let Response { status, json: got, .. } = s
        .admin(
            Method::GET,
            &format!("/admin/tenants/acme/clients/{generated_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{got}");
    assert!(got.get("client_secret").is_none(), "{got}");
    s.access_token((&generated_id, generated["client_secret"].as_str().unwrap()))
        .await;

    let Response { status, json: list, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    for c in &list {
        assert!(c.get("client_secret").is_none(), "{c}");
    }
    let ids: Vec<&str> = list.iter().map(|c| c["client_id"].as_str().unwrap()).collect();
    assert!(
        ids.contains(&"web-app") && ids.contains(&generated_id.as_str()),
        "{ids:?}"
    );

    // another tenant's list does not show them
    tenant(&s, "globex").await;
    let Response {
        status, json: other, ..
    } = s.admin(Method::GET, "/admin/tenants/globex/clients", None).await;
    assert_eq!(status, 200, "{other}");
    assert_eq!(other, json!([]));
    // nor can the client be reached through the wrong tenant
    let Response { status, json: body, .. } = s.get_client("globex", "web-app").await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s
        .admin(Method::DELETE, "/admin/tenants/globex/clients/web-app", None)
        .await;
    assert_error(status, &body, 404);

    // PATCH scopes and grant types
    let Response { status, json: patched, .. } = s.admin(Method::PATCH, "/admin/tenants/acme/clients/web-app", Some(json!({"scopes": ["read", "admin"], "grant_types": ["client_credentials", "refresh_token"], "access_token_ttl": null})))
    .await;
    assert_eq!(status, 200, "{patched}");
    assert!(patched.get("client_secret").is_none(), "{patched}");
    assert_eq!(patched["scopes"], json!(["read", "admin"]));
    assert_eq!(patched["grant_types"], json!(["client_credentials", "refresh_token"]));
    assert_eq!(patched["access_token_ttl"], Value::Null);
    assert_eq!(
        patched["redirect_uris"],
        json!(["https://app.example/cb"]),
        "untouched: {patched}"
    );
    let Response { json: got, .. } = s.get_client("acme", "web-app").await;
    assert_eq!(got, patched);
    // and they take effect
    let Response { status, json: body, .. } = s
        .token(
            ("web-app", &secret),
            &[("grant_type", "client_credentials"), ("scope", "write")],
        )
        .await;
    assert_eq!(status, 400, "write was removed: {body}");
    assert_eq!(body["error"], "invalid_scope");
    let issued = s.token_cc("web-app", &secret, Some("admin")).await;
    assert_eq!(issued["expires_in"], 3600, "back to the default lifetime: {issued}");

    // duplicate id, across tenants too
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants/acme/clients",
            Some(json!({"client_id": "web-app"})),
        )
        .await;
    assert_error(status, &body, 409);
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants/globex/clients",
            Some(json!({"client_id": "web-app"})),
        )
        .await;
    assert_error(status, &body, 409);

    // a client in an unknown tenant
    let Response { status, json: body, .. } = s
        .admin(
            Method::POST,
            "/admin/tenants/nowhere/clients",
            Some(json!({"client_id": "x"})),
        )
        .await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/nowhere/clients", None).await;
    assert_error(status, &body, 404);
}

#[tokio::test]
async fn client_input_errors() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let cases = [
        (json!({"client_id": "a", "grant_types": ["implicit"]}), "grant_types"),
        (
            json!({"client_id": "a", "grant_types": "client_credentials"}),
            "grant_types",
        ),
        (
            json!({"client_id": "a", "redirect_uris": ["/relative"]}),
            "redirect_uris",
        ),
        (
            json!({"client_id": "a", "redirect_uris": ["https://a.example/cb#frag"]}),
            "redirect_uris",
        ),
        (
            json!({"client_id": "a", "redirect_uris": ["not a uri"]}),
            "redirect_uris",
        ),
        (json!({"client_id": "a", "scopes": ["bad scope"]}), "scopes"),
        (json!({"client_id": "a", "scopes": ["ok", 5]}), "scopes"),
        (json!({"client_id": "a", "authorities": ["ROLE X"]}), "authorities"),
        (json!({"client_id": "a b"}), "client_id"),
        (json!({"client_id": ""}), "client_id"),
        (json!({"client_id": "tessera-console-globex"}), "client_id"),
        (json!({"client_id": "a", "secret": "mine"}), "secret"),
        (json!({"client_id": "a", "access_token_ttl": "x"}), "access_token_ttl"),
        (json!({"client_id": "a", "refresh_token_ttl": 0}), "refresh_token_ttl"),
        (json!({"client_id": "a", "max_active_tokens": 0}), "max_active_tokens"),
        (json!({"client_id": "a", "token_policy": "all"}), "token_policy"),
        (json!({"client_id": "a", "public": "yes"}), "public"),
        (
            json!({"client_id": "a", "public": true, "grant_types": ["client_credentials"]}),
            "grant_types",
        ),
    ];
    for (body, field) in cases {
        let Response {
            status, json: answer, ..
        } = s
            .admin(Method::POST, "/admin/tenants/acme/clients", Some(body.clone()))
            .await;
        assert_bad(status, &answer, field);
    }
    let Response { json: list, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(list, json!([]), "nothing was created");

    client(&s, "acme", "app", &["client_credentials"], &[]).await;
    let cases = [
        (json!({"grant_types": ["client_credentials", "magic"]}), "grant_types"),
        (json!({"redirect_uris": ["relative/path"]}), "redirect_uris"),
        (json!({"scopes": "read"}), "scopes"),
        (json!({"client_id": "renamed"}), "client_id"),
        (json!({"client_secret": "mine"}), "client_secret"),
        (json!({"user_access_token_ttl": 0}), "user_access_token_ttl"),
    ];
    for (body, field) in cases {
        let Response {
            status, json: answer, ..
        } = s
            .admin(Method::PATCH, "/admin/tenants/acme/clients/app", Some(body.clone()))
            .await;
        assert_bad(status, &answer, field);
    }
    let Response { json: got, .. } = s.get_client("acme", "app").await;
    assert_eq!(
        got["grant_types"],
        json!(["client_credentials"]),
        "a refused PATCH changes nothing: {got}"
    );
    assert_eq!(got["redirect_uris"], json!([]), "{got}");

    // an invalid client id in the path
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients/bad%20id", None).await;
    assert_bad(status, &body, "client");
}
