//! The admin API over HTTP: tenants, clients, users, who may call what, and errors (never a 500).

use crate::helpers::Response;
use crate::helpers::{spawn, TestApp, ADMIN_ID, ADMIN_SECRET};
use reqwest::Method;
use serde_json::{json, Value};

// ---- helpers ---------------------------------------------------------------------------------

/// The RFC 6750 §3 challenges of the admin API.
const NO_TOKEN: &str = "Bearer realm=\"tessera\"";
const INVALID_TOKEN: &str = "Bearer realm=\"tessera\", error=\"invalid_token\"";

fn description(body: &Value) -> &str {
    body["error_description"].as_str().unwrap_or_default()
}

/// Asserts a 400 whose `error_description` names `field`.
#[track_caller]
fn assert_bad(status: u16, body: &Value, field: &str) {
    assert_eq!(status, 400, "expected 400 naming {field}, got {status}: {body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(
        description(body).contains(field),
        "error_description should name {field}: {body}"
    );
}

/// Asserts an error answer with this status and a JSON `error` member.
#[track_caller]
fn assert_error(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["error"].is_string(),
        "error answers are JSON with an `error` member: {body}"
    );
}

async fn tenant(s: &TestApp, id: &str) {
    s.create_tenant(json!({"id": id, "name": format!("{id} corp")})).await;
}

/// A confidential client with these grants and authorities; returns its secret.
async fn client(s: &TestApp, tenant: &str, id: &str, grants: &[&str], authorities: &[&str]) -> String {
    s.create_client(
        tenant,
        json!({"client_id": id, "grant_types": grants, "authorities": authorities}),
    )
    .await
}

fn assert_no_password(body: &Value, password: &str) {
    let text = body.to_string();
    assert!(!text.contains("\"password\""), "a password field leaked: {text}");
    assert!(!text.contains(password), "the password leaked: {text}");
}

// ---- tenants ---------------------------------------------------------------------------------

#[tokio::test]
async fn tenant_lifecycle() {
    let s = spawn().await;
    let Response {
        status, json: created, ..
    } = s
        .admin(
            Method::POST,
            "/admin/tenants",
            Some(json!({"id": "acme", "name": "Acme Inc", "access_token_ttl": 600, "refresh_token_ttl": 7200})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    for key in [
        "id",
        "name",
        "access_token_ttl",
        "user_access_token_ttl",
        "refresh_token_ttl",
        "token_policy",
        "max_active_tokens_per_client",
    ] {
        assert!(created.get(key).is_some(), "tenant JSON lacks {key}: {created}");
    }
    assert_eq!(created["id"], "acme");
    assert_eq!(created["name"], "Acme Inc");
    assert_eq!(created["access_token_ttl"], 600);
    assert_eq!(created["user_access_token_ttl"], Value::Null);
    assert_eq!(created["refresh_token_ttl"], 7200);
    assert_eq!(created["token_policy"], Value::Null);
    assert_eq!(created["max_active_tokens_per_client"], Value::Null);

    // list holds system and acme
    let Response { status, json: list, .. } = s.admin(Method::GET, "/admin/tenants", None).await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"acme") && ids.contains(&"system"), "{list}");

    // get
    let Response { status, json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got, created);

    // PATCH one lifetime and the policy; the others stay
    let Response {
        status, json: patched, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"access_token_ttl": 120, "token_policy": "reuse", "max_active_tokens_per_client": 5})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["access_token_ttl"], 120);
    assert_eq!(patched["refresh_token_ttl"], 7200);
    assert_eq!(patched["token_policy"], "reuse");
    assert_eq!(patched["max_active_tokens_per_client"], 5);
    assert_eq!(patched["name"], "Acme Inc");

    // the new lifetime applies to tokens issued afterwards
    let secret = client(&s, "acme", "acme-app", &["client_credentials"], &[]).await;
    let issued = s.token_cc("acme-app", &secret, None).await;
    assert_eq!(issued["expires_in"], 120, "{issued}");

    // null = inherit
    let Response {
        status, json: patched, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"refresh_token_ttl": null, "max_active_tokens_per_client": null})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["refresh_token_ttl"], Value::Null);
    assert_eq!(patched["max_active_tokens_per_client"], Value::Null);
    assert_eq!(
        patched["access_token_ttl"], 120,
        "an absent field is left alone: {patched}"
    );
    let Response { json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(got, patched, "PATCH answer and later GET agree");

    // delete, then 404 everywhere; its clients, users and tokens go with it
    let boss = client(
        &s,
        "acme",
        "acme-boss",
        &["client_credentials"],
        &["ROLE_ADMIN_CUSTOMER"],
    )
    .await;
    let boss = s.access_token(("acme-boss", &boss)).await;
    s.create_user("acme", "alice", "alices-password", &[]).await;
    let Response { status, json: body, .. } = s.admin(Method::DELETE, "/admin/tenants/acme", None).await;
    assert_eq!(status, 204, "{body}");
    let Response { status, json: body, .. } = s
        .admin_as(&boss, Method::GET, "/admin/tenants/acme/clients", None)
        .await;
    assert_error(status, &body, 401);
    let Response { status, json: body, .. } = s
        .token(("acme-app", &secret), &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 401, "{body}");
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s.admin(Method::DELETE, "/admin/tenants/acme", None).await;
    assert_error(status, &body, 404);
    let Response { status, json: body, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme",
            Some(json!({"access_token_ttl": 5})),
        )
        .await;
    assert_error(status, &body, 404);
    let Response { json: list, .. } = s.admin(Method::GET, "/admin/tenants", None).await;
    assert!(!list.as_array().unwrap().iter().any(|t| t["id"] == "acme"), "{list}");

    // the id can be used again, and nothing of the old tenant comes back
    tenant(&s, "acme").await;
    let Response { json: got, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(got["access_token_ttl"], Value::Null, "{got}");
    let Response { json: clients, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(clients, json!([]));
    let Response { json: users, .. } = s.admin(Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(users, json!([]));
}

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

// ---- clients ---------------------------------------------------------------------------------

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

// ---- users -----------------------------------------------------------------------------------

const PASSWORD: &str = "correct horse battery staple";

/// Tenant acme with a password client `web` and user alice; returns web's secret.
async fn acme_with_alice(s: &TestApp) -> String {
    tenant(s, "acme").await;
    let secret = client(s, "acme", "web", &["password", "refresh_token"], &[]).await;
    s.create_user("acme", "alice", PASSWORD, &["ROLE_USER"]).await;
    secret
}

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

// ---- authorization ---------------------------------------------------------------------------

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

// ---- unknown routes and ids ------------------------------------------------------------------

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
