//! The admin API over HTTP: tenants, clients, users, who may call what, and errors (never a 500).


use crate::helpers::{spawn, TestApp, ADMIN_ID, ADMIN_SECRET};
use reqwest::Method;
use serde_json::{json, Value};

// ---- helpers ---------------------------------------------------------------------------------

/// An admin call with the bootstrap admin's token; never a 5xx.
async fn call(s: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let token = s.admin_token.clone();
    call_as(s, &token, method, path, body).await
}

/// An admin call with `token`; never a 5xx.
async fn call_as(s: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let (status, answer) = s.admin_as(token, method.clone(), path, body).await;
    assert!(status < 500, "{method} {path} answered {status}: {answer}");
    (status, answer)
}

/// A raw request to the server (any headers, any body); never a 5xx.
async fn raw(req: reqwest::RequestBuilder, what: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    assert!(status < 500, "{what} answered {status}: {text}");
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::Null))
}

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

async fn token_raw(s: &TestApp, id: &str, secret: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let (status, body) = s.token_raw(id, secret, params, None).await;
    assert!(status < 500, "/oauth/token answered {status}: {body}");
    (status, body)
}

/// A client_credentials access token (asserting 200).
async fn cc_token(s: &TestApp, id: &str, secret: &str) -> String {
    s.token_cc(id, secret, None).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn login(s: &TestApp, client: &str, secret: &str, username: &str, password: &str) -> (u16, Value) {
    token_raw(
        s,
        client,
        secret,
        &[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ],
    )
    .await
}

async fn active(s: &TestApp, id: &str, secret: &str, token: &str) -> bool {
    let answer = s.introspect(id, secret, token).await;
    answer["active"]
        .as_bool()
        .unwrap_or_else(|| panic!("introspection without `active`: {answer}"))
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
    let (status, created) = call(
        &s,
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
    let (status, list) = call(&s, Method::GET, "/admin/tenants", None).await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"acme") && ids.contains(&"system"), "{list}");

    // get
    let (status, got) = call(&s, Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got, created);

    // PATCH one lifetime and the policy; the others stay
    let (status, patched) = call(
        &s,
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
    let (status, patched) = call(
        &s,
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
    let (_, got) = call(&s, Method::GET, "/admin/tenants/acme", None).await;
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
    let boss = cc_token(&s, "acme-boss", &boss).await;
    s.create_user("acme", "alice", "alices-password", &[]).await;
    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/acme", None).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call_as(&s, &boss, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_error(status, &body, 401);
    let (status, body) = token_raw(&s, "acme-app", &secret, &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = call(&s, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(&s, Method::GET, "/admin/tenants/acme", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/acme", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme",
        Some(json!({"access_token_ttl": 5})),
    )
    .await;
    assert_error(status, &body, 404);
    let (_, list) = call(&s, Method::GET, "/admin/tenants", None).await;
    assert!(!list.as_array().unwrap().iter().any(|t| t["id"] == "acme"), "{list}");

    // the id can be used again, and nothing of the old tenant comes back
    tenant(&s, "acme").await;
    let (_, got) = call(&s, Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(got["access_token_ttl"], Value::Null, "{got}");
    let (_, clients) = call(&s, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(clients, json!([]));
    let (_, users) = call(&s, Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(users, json!([]));
}

#[tokio::test]
async fn tenant_input_errors() {
    let s = spawn().await;
    tenant(&s, "acme").await;

    // duplicate
    let (status, body) = call(&s, Method::POST, "/admin/tenants", Some(json!({"id": "acme"}))).await;
    assert_error(status, &body, 409);

    // invalid slugs
    for bad in ["Bad_Id", "-x", "x-", "a b", ""] {
        let (status, body) = call(&s, Method::POST, "/admin/tenants", Some(json!({"id": bad}))).await;
        assert_bad(status, &body, "id");
    }
    let (status, body) = call(&s, Method::POST, "/admin/tenants", Some(json!({"id": "a".repeat(64)}))).await;
    assert_bad(status, &body, "id");

    // unknown field
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants",
        Some(json!({"id": "globex", "colour": "red"})),
    )
    .await;
    assert_bad(status, &body, "colour");
    let (status, body) = call(&s, Method::PATCH, "/admin/tenants/acme", Some(json!({"colour": "red"}))).await;
    assert_bad(status, &body, "colour");

    // wrong types
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants",
        Some(json!({"id": "globex", "access_token_ttl": "x"})),
    )
    .await;
    assert_bad(status, &body, "access_token_ttl");
    let (status, body) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme",
        Some(json!({"access_token_ttl": "x"})),
    )
    .await;
    assert_bad(status, &body, "access_token_ttl");
    let (status, body) = call(&s, Method::POST, "/admin/tenants", Some(json!({"id": 7}))).await;
    assert_bad(status, &body, "id");
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants",
        Some(json!({"id": "globex", "token_policy": "sometimes"})),
    )
    .await;
    assert_bad(status, &body, "token_policy");
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants",
        Some(json!({"id": "globex", "max_active_tokens_per_client": -1})),
    )
    .await;
    assert_bad(status, &body, "max_active_tokens_per_client");

    // bad values
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants",
        Some(json!({"id": "globex", "access_token_ttl": 0})),
    )
    .await;
    assert_bad(status, &body, "access_token_ttl");
    let (status, body) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme",
        Some(json!({"max_active_tokens_per_client": 0})),
    )
    .await;
    assert_bad(status, &body, "max_active_tokens_per_client");
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants",
        Some(json!({"id": "globex", "name": "  "})),
    )
    .await;
    assert_bad(status, &body, "name");
    let (status, body) = call(&s, Method::POST, "/admin/tenants", Some(json!({"name": "no id"}))).await;
    assert_bad(status, &body, "id");

    // none of those created anything
    let (_, list) = call(&s, Method::GET, "/admin/tenants", None).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

    // a non-JSON content type, a missing body, and malformed JSON
    let (status, _, body) = raw(
        s.http
            .post(s.url("/admin/tenants"))
            .bearer_auth(&s.admin_token)
            .header("content-type", "text/plain")
            .body(r#"{"id":"globex"}"#),
        "text/plain body",
    )
    .await;
    assert_error(status, &body, 400);
    let (status, _, body) = raw(
        s.http
            .post(s.url("/admin/tenants"))
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("id=globex"),
        "form body",
    )
    .await;
    assert_error(status, &body, 400);
    let (status, _, body) = raw(
        s.http.post(s.url("/admin/tenants")).bearer_auth(&s.admin_token),
        "no body",
    )
    .await;
    assert_error(status, &body, 400);
    let (status, _, body) = raw(
        s.http
            .post(s.url("/admin/tenants"))
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/json")
            .body(r#"{"id": "globex""#),
        "truncated JSON",
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
        let (status, _, body) = raw(
            s.http
                .post(s.url("/admin/tenants"))
                .bearer_auth(&s.admin_token)
                .header("content-type", "application/json")
                .body(text),
            text,
        )
        .await;
        assert_error(status, &body, 400);
        assert_eq!(
            description(&body),
            format!("the request body is not valid JSON: {says}"),
            "{text}"
        );
    }
    let (status, _, body) = raw(
        s.http
            .post(s.url("/admin/tenants"))
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/json")
            .body("[1, 2]"),
        "JSON array",
    )
    .await;
    assert_error(status, &body, 400);
    let (status, body) = call(&s, Method::GET, "/admin/tenants/globex", None).await;
    assert_error(status, &body, 404);

    // an invalid id in the path
    let (status, body) = call(&s, Method::GET, "/admin/tenants/Bad_Id", None).await;
    assert_bad(status, &body, "tenant");
    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/-x", None).await;
    assert_bad(status, &body, "tenant");

    // the system tenant stays
    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/system", None).await;
    assert!(
        (400..500).contains(&status),
        "deleting system must be refused: {status} {body}"
    );
    let (status, body) = call(&s, Method::GET, "/admin/tenants/system", None).await;
    assert_eq!(status, 200, "{body}");
    cc_token(&s, ADMIN_ID, ADMIN_SECRET).await;
}

// ---- clients ---------------------------------------------------------------------------------

#[tokio::test]
async fn client_lifecycle() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let (status, created) = call(
        &s,
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
    let (status, got) = call(&s, Method::GET, "/admin/tenants/acme/clients/web-app", None).await;
    assert_eq!(status, 200, "{got}");
    assert!(got.get("client_secret").is_none(), "{got}");
    assert!(!got.to_string().contains(&secret), "{got}");
    assert_eq!(got["scopes"], json!(["read", "write"]));

    // a generated client_id
    let (status, generated) = call(&s, Method::POST, "/admin/tenants/acme/clients", Some(json!({}))).await;
    assert_eq!(status, 201, "{generated}");
    let generated_id = generated["client_id"].as_str().unwrap().to_string();
    assert!(generated_id.len() >= 8, "{generated}");
    assert!(generated["client_secret"].is_string(), "{generated}");
    let (status, got) = call(
        &s,
        Method::GET,
        &format!("/admin/tenants/acme/clients/{generated_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert!(got.get("client_secret").is_none(), "{got}");
    cc_token(&s, &generated_id, generated["client_secret"].as_str().unwrap()).await;

    let (status, list) = call(&s, Method::GET, "/admin/tenants/acme/clients", None).await;
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
    let (status, other) = call(&s, Method::GET, "/admin/tenants/globex/clients", None).await;
    assert_eq!(status, 200, "{other}");
    assert_eq!(other, json!([]));
    // nor can the client be reached through the wrong tenant
    let (status, body) = call(&s, Method::GET, "/admin/tenants/globex/clients/web-app", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/globex/clients/web-app", None).await;
    assert_error(status, &body, 404);

    // PATCH scopes and grant types
    let (status, patched) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme/clients/web-app",
        Some(json!({"scopes": ["read", "admin"], "grant_types": ["client_credentials", "refresh_token"], "access_token_ttl": null})),
    )
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
    let (_, got) = call(&s, Method::GET, "/admin/tenants/acme/clients/web-app", None).await;
    assert_eq!(got, patched);
    // and they take effect
    let (status, body) = s
        .token_raw(
            "web-app",
            &secret,
            &[("grant_type", "client_credentials")],
            Some("write"),
        )
        .await;
    assert_eq!(status, 400, "write was removed: {body}");
    assert_eq!(body["error"], "invalid_scope");
    let issued = s.token_cc("web-app", &secret, Some("admin")).await;
    assert_eq!(issued["expires_in"], 3600, "back to the default lifetime: {issued}");

    // duplicate id, across tenants too
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants/acme/clients",
        Some(json!({"client_id": "web-app"})),
    )
    .await;
    assert_error(status, &body, 409);
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants/globex/clients",
        Some(json!({"client_id": "web-app"})),
    )
    .await;
    assert_error(status, &body, 409);

    // a client in an unknown tenant
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants/nowhere/clients",
        Some(json!({"client_id": "x"})),
    )
    .await;
    assert_error(status, &body, 404);
    let (status, body) = call(&s, Method::GET, "/admin/tenants/nowhere/clients", None).await;
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
        let (status, answer) = call(&s, Method::POST, "/admin/tenants/acme/clients", Some(body.clone())).await;
        assert_bad(status, &answer, field);
    }
    let (_, list) = call(&s, Method::GET, "/admin/tenants/acme/clients", None).await;
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
        let (status, answer) = call(&s, Method::PATCH, "/admin/tenants/acme/clients/app", Some(body.clone())).await;
        assert_bad(status, &answer, field);
    }
    let (_, got) = call(&s, Method::GET, "/admin/tenants/acme/clients/app", None).await;
    assert_eq!(
        got["grant_types"],
        json!(["client_credentials"]),
        "a refused PATCH changes nothing: {got}"
    );
    assert_eq!(got["redirect_uris"], json!([]), "{got}");

    // an invalid client id in the path
    let (status, body) = call(&s, Method::GET, "/admin/tenants/acme/clients/bad%20id", None).await;
    assert_bad(status, &body, "client");
}

#[tokio::test]
async fn regenerating_a_secret_retires_the_old_one_at_once() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let old = client(&s, "acme", "app", &["client_credentials"], &[]).await;
    cc_token(&s, "app", &old).await;

    let (status, answer) = call(&s, Method::POST, "/admin/tenants/acme/clients/app/secret", None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["client_id"], "app");
    let new = answer["client_secret"].as_str().expect("the new secret").to_string();
    assert_ne!(new, old);

    let (status, body) = token_raw(&s, "app", &old, &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
    cc_token(&s, "app", &new).await;

    // the secret is shown once: not in GET afterwards
    let (_, got) = call(&s, Method::GET, "/admin/tenants/acme/clients/app", None).await;
    assert!(got.get("client_secret").is_none(), "{got}");
    assert!(!got.to_string().contains(&new), "{got}");

    // unknown client, wrong tenant
    let (status, body) = call(&s, Method::POST, "/admin/tenants/acme/clients/ghost/secret", None).await;
    assert_error(status, &body, 404);
    tenant(&s, "globex").await;
    let (status, body) = call(&s, Method::POST, "/admin/tenants/globex/clients/app/secret", None).await;
    assert_error(status, &body, 404);
    cc_token(&s, "app", &new).await;
}

#[tokio::test]
async fn deleting_a_client_revokes_its_tokens() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let doomed = client(&s, "acme", "doomed", &["client_credentials"], &[]).await;
    let watcher = client(&s, "acme", "watcher", &["client_credentials"], &[]).await;
    let token = cc_token(&s, "doomed", &doomed).await;
    let kept = cc_token(&s, "watcher", &watcher).await;
    assert!(active(&s, "watcher", &watcher, &token).await);

    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/acme/clients/doomed", None).await;
    assert_eq!(status, 204, "{body}");

    assert_eq!(
        s.introspect("watcher", &watcher, &token).await,
        json!({"active": false})
    );
    assert!(
        active(&s, "watcher", &watcher, &kept).await,
        "other clients' tokens stay"
    );
    let (status, body) = token_raw(&s, "doomed", &doomed, &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");

    let (status, body) = call(&s, Method::GET, "/admin/tenants/acme/clients/doomed", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/acme/clients/doomed", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme/clients/doomed",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_error(status, &body, 404);
    let (_, list) = call(&s, Method::GET, "/admin/tenants/acme/clients", None).await;
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

    let (status, created) = call(
        &s,
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

    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants/acme/users",
        Some(json!({"username": "bob@acme.example", "password": "hunter2-hunter2", "enabled": false})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["enabled"], false);
    assert_no_password(&body, "hunter2-hunter2");

    let (status, list) = call(&s, Method::GET, "/admin/tenants/acme/users", None).await;
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

    let (status, got) = call(&s, Method::GET, "/admin/tenants/acme/users/alice", None).await;
    assert_eq!(status, 200, "{got}");
    assert_no_password(&got, PASSWORD);
    assert_eq!(got["username"], "alice");

    // duplicate
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants/acme/users",
        Some(json!({"username": "alice", "password": "other"})),
    )
    .await;
    assert_error(status, &body, 409);

    // the password grant works
    let (status, issued) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    assert!(issued["refresh_token"].is_string(), "{issued}");
    assert_eq!(issued["authorities"], json!(["ROLE_USER"]), "{issued}");
    let (status, body) = login(&s, "web", &web, "alice", "wrong").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    // a disabled-at-creation user cannot log in
    let (status, body) = login(&s, "web", &web, "bob@acme.example", "hunter2-hunter2").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    // PATCH authorities
    let (status, patched) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme/users/alice",
        Some(json!({"authorities": ["ROLE_USER", "Orders:READ"]})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_no_password(&patched, PASSWORD);
    assert_eq!(patched["authorities"], json!(["ROLE_USER", "Orders:READ"]));
    assert_eq!(patched["enabled"], true);
    let (_, got) = call(&s, Method::GET, "/admin/tenants/acme/users/alice", None).await;
    assert_eq!(got, patched);
    let (status, issued) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["authorities"], json!(["ROLE_USER", "Orders:READ"]), "{issued}");

    // PATCH the password: the old one stops working
    let (status, patched) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme/users/alice",
        Some(json!({"password": "a brand new password"})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_no_password(&patched, "a brand new password");
    let (status, body) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = login(&s, "web", &web, "alice", "a brand new password").await;
    assert_eq!(status, 200, "{body}");

    // users are tenant-scoped
    tenant(&s, "globex").await;
    let (status, body) = call(&s, Method::GET, "/admin/tenants/globex/users/alice", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(&s, Method::GET, "/admin/tenants/globex/users", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!([]));
    let (status, body) = call(&s, Method::GET, "/admin/tenants/acme/users/nobody", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(&s, Method::GET, "/admin/tenants/nowhere/users", None).await;
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
        let (status, answer) = call(&s, Method::POST, "/admin/tenants/acme/users", Some(body.clone())).await;
        assert_bad(status, &answer, field);
        assert!(!answer.to_string().contains("\"pw\""), "{answer}");
    }
    let (_, list) = call(&s, Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(list, json!([]), "nothing was created");

    s.create_user("acme", "alice", PASSWORD, &[]).await;
    let (status, body) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme/users/alice",
        Some(json!({"enabled": "no"})),
    )
    .await;
    assert_bad(status, &body, "enabled");
    let (status, body) = call(
        &s,
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
        let (status, body) = call(&s, Method::GET, path, None).await;
        assert_bad(status, &body, "user");
        let (status, body) = call(&s, Method::DELETE, path, None).await;
        assert_bad(status, &body, "user");
        let (status, body) = call(&s, Method::PATCH, path, Some(json!({"enabled": false}))).await;
        assert_bad(status, &body, "user");
    }
}

#[tokio::test]
async fn disabling_a_user_revokes_its_tokens_and_re_enabling_allows_login() {
    let s = spawn().await;
    let web = acme_with_alice(&s).await;
    s.create_user("acme", "bob", "bobs-password", &[]).await;
    let watcher = client(&s, "acme", "watcher", &["client_credentials"], &[]).await;

    let (status, issued) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    let access = issued["access_token"].as_str().unwrap().to_string();
    let refresh = issued["refresh_token"].as_str().unwrap().to_string();
    let (status, bobs) = login(&s, "web", &web, "bob", "bobs-password").await;
    assert_eq!(status, 200, "{bobs}");
    let bobs = bobs["access_token"].as_str().unwrap().to_string();
    assert!(active(&s, "watcher", &watcher, &access).await);
    assert!(active(&s, "web", &web, &refresh).await);

    let (status, patched) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme/users/alice",
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["enabled"], false);

    assert_eq!(
        s.introspect("watcher", &watcher, &access).await,
        json!({"active": false})
    );
    assert_eq!(s.introspect("web", &web, &refresh).await, json!({"active": false}));
    assert!(
        active(&s, "watcher", &watcher, &bobs).await,
        "other users keep their tokens"
    );
    let (status, body) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    let (status, body) = token_raw(
        &s,
        "web",
        &web,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    let (status, patched) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme/users/alice",
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["enabled"], true);
    let (status, issued) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    let fresh = issued["access_token"].as_str().unwrap().to_string();
    assert!(active(&s, "watcher", &watcher, &fresh).await);
    assert!(
        !active(&s, "watcher", &watcher, &access).await,
        "re-enabling does not revive old tokens"
    );
}

#[tokio::test]
async fn deleting_a_user_revokes_its_tokens() {
    let s = spawn().await;
    let web = acme_with_alice(&s).await;
    let watcher = client(&s, "acme", "watcher", &["client_credentials"], &[]).await;
    let (status, issued) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    let access = issued["access_token"].as_str().unwrap().to_string();
    let refresh = issued["refresh_token"].as_str().unwrap().to_string();
    let app_token = cc_token(&s, "watcher", &watcher).await;

    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/acme/users/alice", None).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        s.introspect("watcher", &watcher, &access).await,
        json!({"active": false})
    );
    assert_eq!(s.introspect("web", &web, &refresh).await, json!({"active": false}));
    assert!(
        active(&s, "watcher", &watcher, &app_token).await,
        "application tokens stay"
    );
    let (status, body) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    let (status, body) = token_raw(
        &s,
        "web",
        &web,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, 400, "{body}");

    let (status, body) = call(&s, Method::GET, "/admin/tenants/acme/users/alice", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/acme/users/alice", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call(
        &s,
        Method::PATCH,
        "/admin/tenants/acme/users/alice",
        Some(json!({"enabled": true})),
    )
    .await;
    assert_error(status, &body, 404);
    let (_, list) = call(&s, Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(list, json!([]));

    // the name can be used again, with a fresh password
    s.create_user("acme", "alice", "second life", &[]).await;
    let (status, body) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = login(&s, "web", &web, "alice", "second life").await;
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
        let (status, headers, body) = raw(req, &what).await;
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
            let (status, headers, body) = raw(req, &what).await;
            assert_error(status, &body, 401);
            assert_eq!(headers.get("www-authenticate").unwrap(), expected, "{what}");
        }

        // Basic credentials of the admin client are not a bearer token
        let req = s
            .http
            .request(method.clone(), s.url(path))
            .basic_auth(ADMIN_ID, Some(ADMIN_SECRET));
        let (status, headers, body) = raw(req, &format!("{method} {path} with Basic")).await;
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
    let (status, issued) = login(&s, "web", &web, "alice", PASSWORD).await;
    assert_eq!(status, 200, "{issued}");
    let refresh = issued["refresh_token"].as_str().unwrap();
    let (status, body) = call_as(&s, refresh, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_error(status, &body, 401);
    // the client secret itself is not a bearer token either
    let (status, body) = call_as(&s, ADMIN_SECRET, Method::GET, "/admin/tenants", None).await;
    assert_error(status, &body, 401);
    // nothing was created by any of that
    let (status, body) = call(&s, Method::GET, "/admin/tenants/x", None).await;
    assert_error(status, &body, 404);
}

#[tokio::test]
async fn a_client_without_admin_roles_is_forbidden() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let plain = client(&s, "acme", "plain", &["client_credentials"], &["ROLE_SERVICE"]).await;
    let token = cc_token(&s, "plain", &plain).await;

    let (status, body) = call_as(&s, &token, Method::POST, "/admin/tenants", Some(json!({"id": "evil"}))).await;
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
        let (status, answer) = call_as(&s, &token, method.clone(), path, body).await;
        assert_error(status, &answer, 403);
    }
    let (status, list) = call_as(&s, &token, Method::GET, "/admin/tenants", None).await;
    assert_error(status, &list, 403);

    // nothing changed
    let (status, body) = call(&s, Method::GET, "/admin/tenants/evil", None).await;
    assert_error(status, &body, 404);
    let (_, clients) = call(&s, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(clients.as_array().unwrap().len(), 1, "{clients}");
    cc_token(&s, "plain", &plain).await;
}

#[tokio::test]
async fn role_admin_counts_only_in_the_system_tenant() {
    let s = spawn().await;
    tenant(&s, "acme").await;
    let secret = client(&s, "acme", "fake-admin", &["client_credentials"], &["ROLE_ADMIN"]).await;
    let token = cc_token(&s, "fake-admin", &secret).await;

    let (status, body) = call_as(&s, &token, Method::POST, "/admin/tenants", Some(json!({"id": "evil"}))).await;
    assert_error(status, &body, 403);
    let (status, body) = call_as(&s, &token, Method::DELETE, "/admin/tenants/acme", None).await;
    assert_error(status, &body, 403);
    let (status, body) = call_as(&s, &token, Method::GET, "/admin/tenants/system/clients", None).await;
    assert_error(status, &body, 403);
    let (status, body) = call_as(
        &s,
        &token,
        Method::POST,
        "/admin/tenants/system/clients/test-admin/secret",
        None,
    )
    .await;
    assert_error(status, &body, 403);
    let (status, body) = call(&s, Method::GET, "/admin/tenants/evil", None).await;
    assert_error(status, &body, 404);

    // a second ROLE_ADMIN client in system does count
    let real = client(&s, "system", "ops", &["client_credentials"], &["ROLE_ADMIN"]).await;
    let real = cc_token(&s, "ops", &real).await;
    let (status, body) = call_as(&s, &real, Method::POST, "/admin/tenants", Some(json!({"id": "globex"}))).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call_as(&s, &real, Method::DELETE, "/admin/tenants/globex", None).await;
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
    let token = cc_token(&s, "acme-admin", &secret).await;

    // its own tenant: clients and users
    let (status, created) = call_as(
        &s,
        &token,
        Method::POST,
        "/admin/tenants/acme/clients",
        Some(json!({"client_id": "acme-web", "grant_types": ["password"]})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["client_secret"].is_string(), "{created}");
    let (status, list) = call_as(&s, &token, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let (status, body) = call_as(
        &s,
        &token,
        Method::PATCH,
        "/admin/tenants/acme/clients/acme-web",
        Some(json!({"scopes": ["read"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call_as(
        &s,
        &token,
        Method::POST,
        "/admin/tenants/acme/clients/acme-web/secret",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call_as(
        &s,
        &token,
        Method::POST,
        "/admin/tenants/acme/users",
        Some(json!({"username": "alice", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_no_password(&body, PASSWORD);
    let (status, body) = call_as(&s, &token, Method::GET, "/admin/tenants/acme/users/alice", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call_as(
        &s,
        &token,
        Method::PATCH,
        "/admin/tenants/acme/users/alice",
        Some(json!({"authorities": ["ROLE_USER"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call_as(&s, &token, Method::DELETE, "/admin/tenants/acme/users/alice", None).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call_as(&s, &token, Method::DELETE, "/admin/tenants/acme/clients/acme-web", None).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call_as(&s, &token, Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, list) = call_as(&s, &token, Method::GET, "/admin/tenants", None).await;
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
        let (status, answer) = call_as(&s, &token, method.clone(), path, body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(answer["error"], "forbidden", "{method} {path}: {answer}");
    }
    // a globex client reached through acme's path is simply not there
    let (status, body) = call_as(&s, &token, Method::GET, "/admin/tenants/acme/clients/globex-app", None).await;
    assert_error(status, &body, 404);
    let (status, body) = call_as(
        &s,
        &token,
        Method::DELETE,
        "/admin/tenants/acme/clients/test-admin",
        None,
    )
    .await;
    assert_error(status, &body, 404);

    // globex is untouched
    let (status, body) = call(&s, Method::GET, "/admin/tenants/globex/users/gina", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["enabled"], true);
    let (_, clients) = call(&s, Method::GET, "/admin/tenants/globex/clients", None).await;
    assert_eq!(clients.as_array().unwrap().len(), 1, "{clients}");
    let (status, body) = call(&s, Method::GET, "/admin/tenants/evil", None).await;
    assert_error(status, &body, 404);
    cc_token(&s, ADMIN_ID, ADMIN_SECRET).await;
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
    let reader = cc_token(&s, "reader", &reader).await;

    let (status, list) = call_as(&s, &reader, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (status, body) = call_as(&s, &reader, Method::GET, "/admin/tenants/acme/clients/reader", None).await;
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
        let (status, answer) = call_as(&s, &reader, method.clone(), path, body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    let (_, got) = call(&s, Method::GET, "/admin/tenants/acme/clients/reader", None).await;
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
    let writer = cc_token(&s, "writer", &writer).await;
    let (status, body) = call_as(
        &s,
        &writer,
        Method::POST,
        "/admin/tenants/acme/clients",
        Some(json!({"client_id": "new-one"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call_as(&s, &writer, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call_as(&s, &writer, Method::GET, "/admin/tenants/acme/users", None).await;
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
    let users = cc_token(&s, "users-admin", &users).await;
    let (status, body) = call_as(
        &s,
        &users,
        Method::POST,
        "/admin/tenants/acme/users",
        Some(json!({"username": "u", "password": "pw"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call_as(&s, &users, Method::GET, "/admin/tenants/acme/users", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call_as(&s, &users, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn a_revoked_or_expired_admin_token_is_401() {
    let s = spawn().await;
    let token = cc_token(&s, ADMIN_ID, ADMIN_SECRET).await;
    let (status, body) = call_as(&s, &token, Method::GET, "/admin/tenants", None).await;
    assert_eq!(status, 200, "{body}");

    let (status, _, body) = raw(
        s.http
            .post(s.url("/oauth/revoke"))
            .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
            .form(&[("token", token.as_str())]),
        "revoke",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call_as(&s, &token, Method::GET, "/admin/tenants", None).await;
    assert_error(status, &body, 401);
    let (status, body) = call_as(&s, &token, Method::POST, "/admin/tenants", Some(json!({"id": "late"}))).await;
    assert_error(status, &body, 401);
    // the harness token is another token and still works
    let (status, body) = call(&s, Method::GET, "/admin/tenants", None).await;
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
    let customer = cc_token(&s, "acme-admin", &secret).await;
    let (status, body) = call_as(&s, &customer, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(&s, Method::DELETE, "/admin/tenants/acme/clients/acme-admin", None).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call_as(&s, &customer, Method::GET, "/admin/tenants/acme/clients", None).await;
    assert_error(status, &body, 401);

    // an expired token
    let token = cc_token(&s, ADMIN_ID, ADMIN_SECRET).await;
    s.clock.advance(3601);
    let (status, body) = call_as(&s, &token, Method::GET, "/admin/tenants", None).await;
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
        let (status, body) = call(&s, Method::GET, path, None).await;
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
        let (status, answer) = call(&s, method.clone(), path, body).await;
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
        let (status, body) = call(&s, method.clone(), path, None).await;
        assert!((400..500).contains(&status), "{method} {path}: {status} {body}");
    }
    // a body over the limit is refused, not a 500
    let big = json!({"id": "big", "name": "x".repeat(100_000)});
    let (status, body) = call(&s, Method::POST, "/admin/tenants", Some(big)).await;
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
        let (status, body) = call(&s, Method::PATCH, "/admin/tenants/acme", Some(json!({ field: value }))).await;
        assert_bad(status, &body, field);
    }
    let (_, got) = call(&s, Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(got["access_token_ttl"], Value::Null, "{got}");
    assert_eq!(got["name"], "acme corp", "{got}");

    // a negative lifetime is valid: never expires, so no expires_in
    let (status, body) = call(
        &s,
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
    let (status, _, body) = raw(
        s.http
            .post(s.url("/admin/tenants"))
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/json")
            .body(nested),
        "deeply nested JSON",
    )
    .await;
    assert!((400..500).contains(&status), "{status} {body}");
    let long = "a".repeat(5000);
    for path in [
        format!("/admin/tenants/{long}"),
        format!("/admin/tenants/acme/clients/{long}"),
        format!("/admin/tenants/acme/users/{long}"),
    ] {
        let (status, body) = call(&s, Method::GET, &path, None).await;
        assert_eq!(status, 400, "{body}");
    }
    let (status, body) = call(
        &s,
        Method::POST,
        "/admin/tenants/acme/users",
        Some(json!({"username": "big", "password": "p".repeat(1025)})),
    )
    .await;
    assert_bad(status, &body, "password");
    let (status, body) = call(
        &s,
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
        let what = format!("{method} {path} {body}");
        let request = s
            .http
            .request(method, s.url(path))
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/json")
            .body(body);
        let (status, _, answer) = raw(request, &what).await;
        assert_bad(
            status,
            &answer,
            "trailing characters after the JSON value at line 1 column",
        );
    }
    let (status, body) = call(&s, Method::GET, "/admin/tenants/t", None).await;
    assert_error(status, &body, 404);
    let (_, body) = call(&s, Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(body["name"], "acme corp", "{body}");

    // The description gives the position; whitespace after the value is fine.
    let request = |body: &'static str| {
        s.http
            .post(s.url("/admin/tenants"))
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/json")
            .body(body)
    };
    let (status, _, body) = raw(request(r#"{"id":"t"} garbage"#), "garbage").await;
    assert_bad(
        status,
        &body,
        "body: trailing characters after the JSON value at line 1 column 12",
    );
    let (status, _, body) = raw(request("{\"id\":\"t\"} \r\n\t "), "whitespace").await;
    assert_eq!(status, 201, "{body}");
}
