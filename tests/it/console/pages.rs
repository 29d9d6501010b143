//! The console's pages over HTTP, past the journey: token paging, a token's edit, settings errors
//! by their field, a user's account and authorizations (rescope, revoke).

use super::{sign_in, with_root, ROOT};
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

/// acme with `app` (client_credentials) and `web` (password), alice, and root signed in.
async fn world() -> (TestApp, String, String) {
    let s = spawn().await;
    with_root(&s).await;
    s.create_tenant(json!({"id": "acme"})).await;
    let app = s
        .create_client("acme", json!({"client_id": "app", "scopes": ["read", "write"]}))
        .await;
    let body = json!({"client_id": "web", "grant_types": ["password"], "scopes": ["read", "write"]});
    let web = s.create_client("acme", body).await;
    s.create_user("acme", "alice", "alice-password-1", &[]).await;
    (s, app, web)
}

#[tokio::test]
async fn tokens_come_a_page_at_a_time_and_one_can_be_edited() {
    let (s, app, _) = world().await;
    for _ in 0..21 {
        s.token_cc("app", &app, Some("read write")).await;
    }
    let (browser, _) = sign_in(&s, "system", ROOT).await;
    let first = browser.get(&s.url("/console/t/acme/clients/app")).await;
    assert_eq!(
        first.body.matches("aria-label=\"Revoke token").count(),
        20,
        "a page of 20"
    );
    let marker = "href=\"/console/t/acme/clients/app?cursor=";
    let at = first.body.find(marker).expect("a next page link") + "href=\"".len();
    let next = &first.body[at..at + first.body[at..].find('"').unwrap()];
    let second = browser.get(&s.url(next)).await;
    assert_eq!(second.body.matches("aria-label=\"Revoke token").count(), 1);
    assert!(!second.body.contains(marker), "the last page");

    let list = s
        .admin(Method::GET, "/admin/tenants/acme/clients/app/tokens?limit=1", None)
        .await;
    let id = list.json["tokens"][0]["id"].as_str().unwrap().to_string();
    let edit = browser.get(&s.url(&format!("/console/t/acme/tokens/{id}"))).await;
    let csrf = edit.field("_csrf");
    let url = s.url(&format!("/console/t/acme/tokens/{id}"));
    let bad = browser
        .post(&url, &[("_csrf", &csrf), ("scopes", "read"), ("properties", "[1]")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("id=\"properties-error\""), "{}", bad.body);
    let form = [
        ("_csrf", csrf.as_str()),
        ("scopes", "read"),
        ("expires_at", ""),
        ("properties", r#"{"team":"ops"}"#),
    ];
    let saved = browser.post(&url, &form).await;
    assert!(saved.body.contains("Token saved."), "{}", saved.body);
    let token = s.admin(Method::GET, &format!("/admin/tokens/{id}"), None).await.json;
    assert_eq!(
        (token["scopes"].clone(), token["properties"].clone()),
        (json!(["read"]), json!({"team": "ops"}))
    );
    assert_eq!(
        token["expires_at"], list.json["tokens"][0]["expires_at"],
        "an empty expiry keeps it"
    );
}

#[tokio::test]
async fn settings_errors_stand_next_to_their_field() {
    let (s, _, _) = world().await;
    let (browser, overview) = sign_in(&s, "system", ROOT).await;
    let url = s.url("/console/t/acme/settings");
    let csrf = overview.field("_csrf");
    for (value, words) in [("0", "must be at least 1"), ("many", "must be a whole number")] {
        let page = browser
            .post(&url, &[("_csrf", &csrf), ("max_active_tokens_per_client", value)])
            .await;
        assert_eq!(page.status, 400);
        let at = page
            .body
            .find("id=\"max_active_tokens_per_client-error\">")
            .expect("the field's error");
        let error = &page.body[at..at + page.body[at..].find("</p>").unwrap()];
        assert!(error.contains(words), "{value}: {error}");
    }
    let saved = browser
        .post(&url, &[("_csrf", &csrf), ("max_active_tokens_per_client", "7")])
        .await;
    assert!(saved.body.contains("Settings saved."));
    let tenant = s.admin(Method::GET, "/admin/tenants/acme", None).await.json;
    assert_eq!(tenant["max_active_tokens_per_client"], 7);
    // JWT access tokens and their audience are chosen on the same form, and emptied back.
    let jwt = [
        ("_csrf", csrf.as_str()),
        ("access_token_format", "jwt"),
        ("audience", "https://api.acme.test"),
    ];
    assert!(browser.post(&url, &jwt).await.body.contains("Settings saved."));
    let tenant = s.admin(Method::GET, "/admin/tenants/acme", None).await.json;
    assert_eq!(
        (&tenant["access_token_format"], &tenant["audience"]),
        (&json!("jwt"), &json!("https://api.acme.test"))
    );
    let page = browser.get(&s.url("/console/t/acme")).await;
    assert!(page.body.contains(r#"<option value="jwt" selected>"#), "{}", page.body);
    assert!(browser
        .post(&url, &[("_csrf", &csrf)])
        .await
        .body
        .contains("Settings saved."));
    let tenant = s.admin(Method::GET, "/admin/tenants/acme", None).await.json;
    assert_eq!(
        (&tenant["access_token_format"], &tenant["audience"]),
        (&json!(null), &json!(null))
    );
}

#[tokio::test]
async fn a_users_account_and_authorizations_are_managed_on_its_page() {
    let (s, _, web) = world().await;
    s.login(("web", &web), "alice", "alice-password-1").await;
    let (browser, overview) = sign_in(&s, "system", ROOT).await;
    let csrf = overview.field("_csrf");
    let page = browser.get(&s.url("/console/t/acme/users/alice")).await;
    assert!(
        page.body.contains("<code>web</code>"),
        "the authorization is listed: {}",
        page.body
    );
    let rescope = s.url("/console/t/acme/users/alice/authorizations/web");
    let done = browser.post(&rescope, &[("_csrf", &csrf), ("scopes", "read")]).await;
    assert!(done.body.contains("Scopes set on 1 tokens."), "{}", done.body);
    let revoked = browser.post(&format!("{rescope}/revoke"), &[("_csrf", &csrf)]).await;
    assert!(
        revoked.body.contains("Authorization withdrawn; 1 tokens revoked."),
        "{}",
        revoked.body
    );

    let user = s.url("/console/t/acme/users/alice");
    let form = [
        ("_csrf", csrf.as_str()),
        ("authorities", "ROLE_USER"),
        ("password", "a-new-password-2"),
    ];
    let saved = browser.post(&user, &form).await;
    assert!(saved.body.contains("User saved."), "{}", saved.body);
    let alice = s.admin(Method::GET, "/admin/tenants/acme/users/alice", None).await.json;
    assert_eq!(
        (alice["enabled"].clone(), alice["authorities"].clone()),
        (json!(false), json!(["ROLE_USER"]))
    );
    assert_eq!(
        s.login(("web", &web), "alice", "a-new-password-2").await.status,
        400,
        "disabled"
    );
}
