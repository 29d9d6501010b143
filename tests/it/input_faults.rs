//! Ids and usernames no client or user can have, on every backend: a NUL byte (PostgreSQL text
//! cannot hold one, and the query failed with a 500), a trailing space (MariaDB's PAD SPACE
//! collations took `billing ` for `billing`), control and invisible formatting characters. Each is
//! refused with the RFC 6749 code before any query, and never names the id it resembles.

use crate::helpers::flow::*;
use crate::helpers::Response;
use crate::helpers::{spawn_on, TestApp, BACKENDS};
use reqwest::Method;
use serde_json::{json, Value};

/// Tenant `acme` with user alice, clients `web` and `mobile` (`flow::world`) and `billing`
/// (client credentials and password); returns the callback URI and `billing`'s secret.
async fn world_with_billing(s: &TestApp) -> (String, String) {
    let cb = callback_server().await;
    world(s, &cb).await;
    let secret = s
        .create_client(
            "acme",
            json!({"client_id": "billing", "grant_types": ["client_credentials", "password"], "scopes": ["read"]}),
        )
        .await;
    (cb, secret)
}

/// A token request with `id` in Basic, then in the form, then (a public client's way) alone.
async fn token_as(s: &TestApp, id: &str, secret: &str) -> Vec<(u16, Value)> {
    let grant = ("grant_type", "client_credentials");
    let answers = [
        s.token((id, secret), &[grant]).await,
        s.token_public(&[grant, ("client_id", id), ("client_secret", secret)])
            .await,
        s.token_public(&[grant, ("client_id", id)]).await,
    ];
    answers.into_iter().map(|r| (r.status, r.json)).collect()
}

/// Introspect, check_token (GET and POST), revoke and revoke_token, as client `id`.
async fn token_endpoints_as(s: &TestApp, id: &str, secret: &str) -> Vec<(&'static str, u16, Value)> {
    let mut answers = Vec::new();
    for path in [
        "/oauth/introspect",
        "/oauth/check_token",
        "/oauth/revoke",
        "/oauth/revoke_token",
    ] {
        let r = s.post_form(path, (id, secret), &[("token", "x")]).await;
        answers.push((path, r.status, r.json));
    }
    let query = [("token", "x"), ("client_id", id), ("client_secret", secret)];
    let r = s.send(s.http.get(s.url("/oauth/check_token")).query(&query)).await;
    answers.push(("GET /oauth/check_token", r.status, r.json));
    answers
}

/// The password grant for `username` as `billing`.
async fn password_grant(s: &TestApp, secret: &str, username: &str) -> (u16, Value) {
    let r = s.login(("billing", secret), username, "wonderland").await;
    (r.status, r.json)
}

/// Every way a request names a client or a user, with `bad` in place of `billing`/`web`/`alice`.
/// A username outside the grammar is a malformed request; one inside it is just no user's.
async fn refused_everywhere(s: &TestApp, backend: &str, secret: &str, cb: &str, bad: &dyn Fn(&str) -> String) {
    let username_error = if bad("alice").bytes().all(|b| b.is_ascii_alphanumeric()) {
        "invalid_grant"
    } else {
        "invalid_request"
    };
    for (status, body) in token_as(s, &bad("billing"), secret).await {
        assert_eq!(
            (status, &body["error"]),
            (401, &json!("invalid_client")),
            "{backend}: {body}"
        );
    }
    for (path, status, body) in token_endpoints_as(s, &bad("billing"), secret).await {
        assert_eq!(
            (status, &body["error"]),
            (401, &json!("invalid_client")),
            "{backend} {path}: {body}"
        );
    }
    let (status, body) = password_grant(s, secret, &bad("alice")).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!(username_error)),
        "{backend}: {body}"
    );
    assert!(
        body["error_description"].as_str().unwrap().contains("username"),
        "{body}"
    );

    let browser = Browser::new(false);
    let page = browser.get(&authorize_url(s, &bad("web"), cb, None)).await;
    assert_eq!(
        page.status, 400,
        "{backend}: an error page, never a redirect: {}",
        page.body
    );
    assert!(page.body.contains("not known"), "{backend}: {}", page.body);

    let page = browser.get(&authorize_url(s, "web", cb, None)).await;
    let again = browser.login(s, &page, &bad("alice"), "wonderland").await;
    assert_eq!(again.status, 200, "{backend}: {}", again.body);
    assert!(again.body.contains("Invalid username or password."), "{backend}");
}

#[tokio::test]
async fn a_nul_byte_in_a_client_id_or_username_is_refused_before_any_query() {
    for backend in BACKENDS {
        let Some(s) = spawn_on(backend).await else { continue };
        let (cb, secret) = world_with_billing(&s).await;
        refused_everywhere(&s, backend, &secret, &cb, &|name| format!("{name}\0")).await;
        refused_everywhere(&s, backend, &secret, &cb, &|name| {
            format!("{}\0{}", &name[..1], &name[1..])
        })
        .await;
        // The real names still work.
        assert_eq!(token_as(&s, "billing", &secret).await[0].0, 200, "{backend}");
        assert_eq!(password_grant(&s, &secret, "alice").await.0, 200, "{backend}");
    }
}

#[tokio::test]
async fn ids_and_usernames_compare_exactly() {
    for backend in BACKENDS {
        let Some(s) = spawn_on(backend).await else { continue };
        let (cb, secret) = world_with_billing(&s).await;
        refused_everywhere(&s, backend, &secret, &cb, &|name| format!("{name} ")).await;
        refused_everywhere(&s, backend, &secret, &cb, &|name| name.to_uppercase()).await;
        refused_everywhere(&s, backend, &secret, &cb, &|name| format!("{name}\u{200B}")).await;
        let Response { status, .. } = s
            .admin(Method::GET, "/admin/tenants/acme/clients/billing%20", None)
            .await;
        assert_eq!(status, 400, "{backend}");
    }
}

#[tokio::test]
async fn names_refuse_control_and_invisible_formatting_characters() {
    let invisible = [
        "\u{0}", "\u{7}", "\u{85}", "\u{200B}", "\u{200E}", "\u{202E}", "\u{2060}", "\u{FEFF}",
    ];
    for backend in BACKENDS {
        let Some(s) = spawn_on(backend).await else { continue };
        s.create_tenant(json!({"id": "acme"})).await;
        let refused = |status: u16, body: &Value, field: &str| {
            let description = body["error_description"].as_str().unwrap_or_default();
            assert_eq!(status, 400, "{backend}: {body}");
            assert!(description.starts_with(&format!("{field}:")), "{backend}: {body}");
        };
        for c in invisible {
            let name = format!("Ac{c}me");
            let Response { status, json: body, .. } = s
                .admin(Method::POST, "/admin/tenants", Some(json!({"id": "t1", "name": name})))
                .await;
            refused(status, &body, "name");
            let Response { status, json: body, .. } = s
                .admin(Method::PATCH, "/admin/tenants/acme", Some(json!({"name": name})))
                .await;
            refused(status, &body, "name");
            let client = json!({"client_id": "app", "name": name});
            let Response { status, json: body, .. } =
                s.admin(Method::POST, "/admin/tenants/acme/clients", Some(client)).await;
            refused(status, &body, "name");
            let client = json!({"client_id": format!("ap{c}p")});
            let Response { status, json: body, .. } =
                s.admin(Method::POST, "/admin/tenants/acme/clients", Some(client)).await;
            refused(status, &body, "client_id");
            let user = json!({"username": format!("al{c}ice"), "password": "wonderland"});
            let Response { status, json: body, .. } =
                s.admin(Method::POST, "/admin/tenants/acme/users", Some(user)).await;
            refused(status, &body, "username");
            let uri = format!("https://app.example/c{c}b");
            let client = json!({"client_id": "app", "redirect_uris": [uri], "grant_types": ["authorization_code"]});
            let Response { status, json: body, .. } =
                s.admin(Method::POST, "/admin/tenants/acme/clients", Some(client)).await;
            refused(status, &body, "redirect_uris");
        }
        let Response { status, json: body, .. } = s.admin(Method::GET, "/admin/tenants/acme/clients", None).await;
        assert_eq!(
            (status, body.as_array().map(Vec::len)),
            (200, Some(0)),
            "{backend}: nothing was created"
        );
        // Visible letters of any script are names.
        let Response { status, json: body, .. } = s
            .admin(
                Method::PATCH,
                "/admin/tenants/acme",
                Some(json!({"name": "Ácme Ωmega 株式会社"})),
            )
            .await;
        assert_eq!(status, 200, "{backend}: {body}");
    }
}
