//! The console's sign-in and session over HTTP: PKCE and no consent page, the cookie's
//! attributes, the CSP, CSRF on forms, sign-out revoking the token, the session ending with its
//! token, and another tenant's pages refused.

use super::{sign_in, with_root, ROOT};
use crate::helpers::flow::Browser;
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn sign_in_runs_the_code_flow_with_pkce_and_a_strict_http_only_cookie() {
    let s = spawn().await;
    with_root(&s).await;
    let start = Browser::new(false).get(&s.url("/console/t/system")).await;
    assert_eq!(start.status, 303);
    let location = start.headers["location"].to_str().unwrap();
    assert!(location.starts_with(&s.url("/oauth/authorize?response_type=code&client_id=tessera-console-system")));
    assert!(
        location.contains("code_challenge_method=S256") && location.contains("code_challenge="),
        "{location}"
    );
    let cookie = start.headers["set-cookie"].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "an http issuer: {cookie}");

    let (_, landed) = sign_in(&s, "system", ROOT).await;
    assert_eq!(landed.status, 200, "{}", landed.body);
    assert_eq!(landed.url.path(), "/console/overview", "first-party: no consent page");
    assert!(
        !landed.url.as_str().contains("tsa_") && !landed.body.contains("tsa_"),
        "no token in the URL or page"
    );
    let csp = landed.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(landed.headers["cache-control"], "no-store");
    let metrics = s.metrics().await.text;
    assert!(
        metrics.contains("route=\"/console/overview\""),
        "console pages are timed by route"
    );
}

#[tokio::test]
async fn forms_need_the_sessions_csrf_token() {
    let s = spawn().await;
    with_root(&s).await;
    let (browser, overview) = sign_in(&s, "system", ROOT).await;
    let url = s.url("/console/tenants");
    let forged = browser.post(&url, &[("id", "acme")]).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let wrong = browser.post(&url, &[("id", "acme"), ("_csrf", "x")]).await;
    assert_eq!(wrong.status, 403);
    assert_eq!(s.admin(Method::GET, "/admin/tenants/acme", None).await.status, 404);
    let csrf = overview.field("_csrf");
    let made = browser
        .post(
            &url,
            &[("id", "acme"), ("max_active_tokens_per_client", "2"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(made.url.path(), "/console/t/acme", "{}", made.body);
    assert!(made.body.contains("Tenant acme created"));
    let bad = browser.post(&url, &[("id", "Not A Slug"), ("_csrf", &csrf)]).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("class=\"field-error\" id=\"id-error\""),
        "the error is next to its field: {}",
        bad.body
    );
}

async fn active(s: &TestApp) -> serde_json::Value {
    let path = "/admin/tenants/system/clients/tessera-console-system/tokens";
    s.admin(Method::GET, path, None).await.json["active_count"].clone()
}

#[tokio::test]
async fn sign_out_revokes_the_token_and_the_session_ends_with_its_token() {
    let s = spawn().await;
    with_root(&s).await;
    let (browser, overview) = sign_in(&s, "system", ROOT).await;
    assert_eq!(active(&s).await, json!(1));
    let out = browser
        .post(&s.url("/console/signout"), &[("_csrf", &overview.field("_csrf"))])
        .await;
    assert!(out.body.contains("You are signed out"), "{}", out.body);
    let cleared: Vec<&str> = out
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("tessera_console=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("tessera_session=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let login = browser.get(&s.url("/console/t/system")).await;
    assert!(login.is_login(), "the next sign-in asks for the password again");
    assert_eq!(active(&s).await, json!(0), "the token is revoked");
    let again = browser.get(&s.url("/console/overview")).await;
    assert!(again.body.contains("Sign in to the console"), "signed out");

    let (browser, _) = sign_in(&s, "system", ROOT).await;
    s.clock.advance(3600);
    let expired = browser.get(&s.url("/console/overview")).await;
    assert_eq!(expired.url.path(), "/console");
    assert!(
        expired.body.contains("Sign in to the console"),
        "the session ended with its token"
    );
}

#[tokio::test]
async fn a_tenant_admin_sees_only_its_tenant() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme"})).await;
    s.create_tenant(json!({"id": "globex"})).await;
    s.create_user("acme", "boss", "boss-password-1", &["ROLE_ADMIN_CUSTOMER"])
        .await;
    let (browser, landed) = sign_in(&s, "acme", ("boss", "boss-password-1")).await;
    assert_eq!(landed.url.path(), "/console/t/acme");
    assert!(
        !landed.body.contains("href=\"/console/overview\""),
        "no server pages in the navigation"
    );
    for path in [
        "/console/t/globex",
        "/console/overview",
        "/console/store",
        "/console/t/globex/clients/x",
    ] {
        let page = browser.get(&s.url(path)).await;
        assert!([403, 404].contains(&page.status), "{path}: {}", page.status);
    }
    let purge = browser
        .post(&s.url("/console/store/purge"), &[("_csrf", &landed.field("_csrf"))])
        .await;
    assert_eq!(purge.status, 403);
}

#[tokio::test]
async fn a_callback_must_match_the_sign_in_this_browser_started() {
    let s = spawn().await;
    with_root(&s).await;
    let stranger = Browser::new(false)
        .get(&s.url("/console/callback?code=c&state=s"))
        .await;
    assert_eq!(stranger.status, 400);
    assert!(stranger.body.contains("no sign-in was started in this browser"));
    let browser = Browser::new(false);
    browser.get(&s.url("/console/t/system")).await;
    let forged = browser.get(&s.url("/console/callback?code=c&state=forged")).await;
    assert_eq!(forged.status, 400);
    assert!(forged.body.contains("the state does not match"), "{}", forged.body);
    let unknown = browser.get(&s.url("/console/t/nope")).await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn sign_out_revokes_a_jwt_session_token_too() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme", "access_token_format": "jwt"}))
        .await;
    s.create_user("acme", "boss", "boss-password-1", &["ROLE_ADMIN_CUSTOMER"])
        .await;
    let (browser, landed) = sign_in(&s, "acme", ("boss", "boss-password-1")).await;
    let path = "/admin/tenants/acme/clients/tessera-console-acme/tokens";
    let tokens = s.admin(Method::GET, path, None).await.json;
    assert_eq!(tokens["active_count"], json!(1));
    assert_eq!(tokens["tokens"][0]["format"], json!("jwt"), "{tokens}");
    browser
        .post(&s.url("/console/signout"), &[("_csrf", &landed.field("_csrf"))])
        .await;
    assert_eq!(
        s.admin(Method::GET, path, None).await.json["active_count"],
        json!(0),
        "the JWT is revoked"
    );
}
