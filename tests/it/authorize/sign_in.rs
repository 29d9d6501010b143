//! Signing in and consenting: tokens for the client, consent remembered or asked again, deny.

use crate::helpers::flow::*;
use crate::helpers::{spawn, Response};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_user_signs_in_allows_and_the_client_gets_tokens() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let browser = Browser::default();

    let page = browser.get(&authorize_url(&s, "web", &cb, Some("read write"))).await;
    assert_eq!(page.status, 200);
    assert!(page.is_login(), "{}", page.body);
    assert!(
        page.body.contains("Acme Corp") && page.body.contains("Acme Web"),
        "tenant and client named"
    );
    for (header, value) in [
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        ("content-type", "text/html; charset=utf-8"),
    ] {
        assert_eq!(page.headers[header], value, "{header}");
    }
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let csrf_cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(csrf_cookie.starts_with("tessera_csrf="), "{csrf_cookie}");
    assert!(
        csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"),
        "{csrf_cookie}"
    );
    assert!(!csrf_cookie.contains("Secure"), "http issuer: no Secure flag");

    let consent = browser.login(&s, &page, "alice", "wonderland").await;
    assert_eq!(consent.status, 200);
    assert!(consent.is_consent(), "{}", consent.body);
    assert!(consent.body.contains("<code>read</code>") && consent.body.contains("<code>write</code>"));
    assert!(
        !consent.body.contains("<code>admin</code>"),
        "only the requested scopes are listed"
    );
    let session = consent.headers["set-cookie"].to_str().unwrap();
    assert!(
        session.starts_with("tessera_session=") && session.contains("HttpOnly") && session.contains("SameSite=Lax")
    );

    let landed = browser.decide(&s, &consent, "allow").await;
    assert_eq!(landed.status, 200);
    assert_eq!(landed.body, "signed in");
    assert!(landed.url.as_str().starts_with(&cb), "{}", landed.url);
    assert_eq!(landed.param("state").as_deref(), Some("xyz"));
    let code = landed.param("code").expect("a code");
    assert!(code.starts_with("tsc_"));

    let (status, tokens) = exchange(
        &s,
        "web",
        Some(&secret),
        &[("code", &code), ("redirect_uri", &cb), ("code_verifier", VERIFIER)],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read write");
    assert_eq!(tokens["token_type"], "Bearer");
    let access = tokens["access_token"].as_str().unwrap();
    let about = s.introspect(("web", &secret), access).await.json;
    assert_eq!(about["active"], true);
    assert_eq!(about["sub"], "alice");
    assert_eq!(about["authorities"], json!(["ROLE_USER"]));

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let Response {
        status,
        json: refreshed,
        ..
    } = s
        .token(
            ("web", &secret),
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["scope"], "read write");
}

#[tokio::test]
async fn consent_is_remembered_asked_again_for_more_and_after_it_is_withdrawn() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", &cb, Some("read write"))).await;
    let consent = browser.login(&s, &page, "alice", "wonderland").await;
    assert!(browser.decide(&s, &consent, "allow").await.param("code").is_some());

    // Same scopes, then fewer: signed in and consented, so straight back with a code.
    for scope in ["read write", "read"] {
        let again = browser.get(&authorize_url(&s, "web", &cb, Some(scope))).await;
        assert!(again.param("code").is_some(), "{scope}: {}", again.body);
    }
    // More than was allowed: asked again, and only then remembered for all three.
    let more = browser
        .get(&authorize_url(&s, "web", &cb, Some("read write admin")))
        .await;
    assert!(more.is_consent(), "{}", more.body);
    assert!(browser.decide(&s, &more, "allow").await.param("code").is_some());

    let Response {
        status, json: found, ..
    } = s
        .admin(Method::GET, "/admin/tenants/acme/users/alice/authorizations", None)
        .await;
    assert_eq!(status, 200);
    let web = found
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == "web")
        .unwrap()
        .clone();
    assert_eq!(web["consent"]["scopes"], json!(["admin", "read", "write"]));

    let Response { status, .. } = s
        .admin(
            Method::DELETE,
            "/admin/tenants/acme/users/alice/authorizations/web",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let Response { json: found, .. } = s
        .admin(Method::GET, "/admin/tenants/acme/users/alice/authorizations", None)
        .await;
    assert!(
        found.as_array().unwrap().iter().all(|a| a["client_id"] != "web"),
        "{found}"
    );
    let after = browser.get(&authorize_url(&s, "web", &cb, Some("read"))).await;
    assert!(after.is_consent(), "withdrawn consent is asked again: {}", after.body);
}

#[tokio::test]
async fn deny_sends_access_denied_back_with_the_state() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let page = browser.get(&authorize_url(&s, "web", &cb, None)).await;
    let consent = browser.login(&s, &page, "alice", "wonderland").await;
    let landed = browser.decide(&s, &consent, "deny").await;
    assert_eq!(landed.param("error").as_deref(), Some("access_denied"));
    assert_eq!(landed.param("state").as_deref(), Some("xyz"));
    assert_eq!(landed.param("code"), None);
    let Response { json: found, .. } = s
        .admin(Method::GET, "/admin/tenants/acme/users/alice/authorizations", None)
        .await;
    assert_eq!(found, json!([]), "nothing remembered");
}
