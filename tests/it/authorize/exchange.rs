//! The code exchange: replay, verifier, redirect URI, client, expiry and lifetime, public clients with PKCE, and the metadata.

use crate::helpers::flow::*;
use crate::helpers::{spawn, Response};
use reqwest::Method;
use serde_json::json;

/// Logs alice in, allows, and returns the code.
async fn code_for(s: &crate::helpers::TestApp, browser: &Browser, client: &str, cb: &str) -> String {
    let landed = through_pages(s, browser, &authorize_url(s, client, cb, Some("read"))).await;
    landed
        .param("code")
        .unwrap_or_else(|| panic!("no code: {} {}", landed.url, landed.body))
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_what_it_issued() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let code = code_for(&s, &Browser::default(), "web", &cb).await;
    let params = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = exchange(&s, "web", Some(&secret), &params).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, again) = exchange(&s, "web", Some(&secret), &params).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant")),
        "{again}"
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(s.introspect(("web", &secret), access).await.json["active"], false);
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let Response { status, json: body, .. } = s
        .token(
            ("web", &secret),
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn the_exchange_checks_verifier_redirect_uri_client_and_expiry() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let other = s
        .create_client(
            "acme",
            json!({"client_id": "other", "grant_types": ["authorization_code"], "redirect_uris": [cb]}),
        )
        .await;
    let browser = Browser::default();
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str);
    let cases: [Case; 5] = [
        (
            "wrong verifier",
            vec![("redirect_uri", cb.clone()), ("code_verifier", "x".repeat(43))],
            "invalid_grant",
        ),
        ("no verifier", vec![("redirect_uri", cb.clone())], "invalid_grant"),
        (
            "malformed verifier",
            vec![("redirect_uri", cb.clone()), ("code_verifier", "short".into())],
            "invalid_request",
        ),
        (
            "other redirect_uri",
            vec![("redirect_uri", format!("{cb}x")), ("code_verifier", VERIFIER.into())],
            "invalid_grant",
        ),
        (
            "no redirect_uri",
            vec![("code_verifier", VERIFIER.into())],
            "invalid_request",
        ),
    ];
    for (what, extra, error) in cases {
        let code = code_for(&s, &browser, "web", &cb).await;
        let mut params: Vec<(&str, &str)> = vec![("code", &code)];
        params.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        let (status, body) = exchange(&s, "web", Some(&secret), &params).await;
        assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{what}: {body}");
    }
    let code = code_for(&s, &browser, "web", &cb).await;
    let good = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = exchange(&s, "other", Some(&other), &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "another client's code"
    );
    s.clock.advance(61);
    let (status, body) = exchange(&s, "web", Some(&secret), &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "expired after 60 s: {body}"
    );
}

#[tokio::test]
async fn the_code_lifetime_follows_the_tenant_setting() {
    let s = spawn().await;
    let cb = callback_server().await;
    let secret = world(&s, &cb).await;
    let Response { status, .. } = s
        .admin(Method::PATCH, "/admin/tenants/acme", Some(json!({"code_ttl": 5})))
        .await;
    assert_eq!(status, 200);
    let code = code_for(&s, &Browser::default(), "web", &cb).await;
    s.clock.advance(6);
    let params = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = exchange(&s, "web", Some(&secret), &params).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn a_public_client_needs_pkce_and_exchanges_with_its_id_alone() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::default();
    let bare = format!(
        "{}/oauth/authorize?response_type=code&client_id=mobile&redirect_uri={}&state=s1",
        s.base, cb
    );
    let refused = browser.get(&bare).await;
    assert_eq!(
        refused.param("error").as_deref(),
        Some("invalid_request"),
        "{}",
        refused.body
    );
    assert_eq!(refused.param("state").as_deref(), Some("s1"));

    let code = code_for(&s, &browser, "mobile", &cb).await;
    let (status, body) = exchange(&s, "mobile", None, &[("code", &code), ("redirect_uri", &cb)]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "verifier required: {body}"
    );
    let code = code_for(&s, &browser, "mobile", &cb).await;
    let params = [
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, tokens) = exchange(&s, "mobile", None, &params).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["refresh_token"].is_string());
}

#[tokio::test]
async fn metadata_lists_the_authorization_endpoint_and_pkce() {
    let s = spawn().await;
    let doc = s.metadata().await.json;
    assert_eq!(doc["authorization_endpoint"], format!("{}/oauth/authorize", s.base));
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert!(doc["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("authorization_code")));
}
