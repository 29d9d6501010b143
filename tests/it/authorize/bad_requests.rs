//! Bad authorization requests: back to the client with an error where that is safe, else a page.

use crate::helpers::flow::*;
use crate::helpers::{spawn, Response};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn bad_requests_go_back_to_the_client_with_error_and_state() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::new(false);
    let base = format!("{}/oauth/authorize?client_id=web&redirect_uri={}&state=st", s.base, cb);
    let pkce = format!("code_challenge={}", challenge(VERIFIER));
    let cases = [
        (
            "missing response_type",
            format!("{base}&{pkce}&code_challenge_method=S256"),
            "invalid_request",
        ),
        (
            "token",
            format!("{base}&response_type=token"),
            "unsupported_response_type",
        ),
        (
            "plain",
            format!("{base}&response_type=code&{pkce}&code_challenge_method=plain"),
            "invalid_request",
        ),
        (
            "no method",
            format!("{base}&response_type=code&{pkce}"),
            "invalid_request",
        ),
        (
            "bad challenge",
            format!("{base}&response_type=code&code_challenge=abc&code_challenge_method=S256"),
            "invalid_request",
        ),
        (
            "unknown scope",
            format!("{base}&response_type=code&scope=root"),
            "invalid_scope",
        ),
    ];
    for (what, url, error) in cases {
        let answer = browser.get(&url).await;
        assert_eq!(answer.status, 302, "{what}: {}", answer.body);
        let location = reqwest::Url::parse(answer.headers["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with(&cb), "{what}: {location}");
        let param = |n: &str| {
            location
                .query_pairs()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(param("error").as_deref(), Some(error), "{what}");
        assert_eq!(param("state").as_deref(), Some("st"), "{what}");
        assert!(param("error_description").is_some(), "{what}");
    }
    let Response { status, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/web",
            Some(json!({"grant_types": ["refresh_token"]})),
        )
        .await;
    assert_eq!(status, 200);
    let answer = browser.get(&format!("{base}&response_type=code")).await;
    assert!(answer.headers["location"]
        .to_str()
        .unwrap()
        .contains("error=unauthorized_client"));
}

#[tokio::test]
async fn an_unknown_client_or_unregistered_redirect_uri_gets_a_page_not_a_redirect() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let browser = Browser::new(false);
    for url in [
        format!(
            "{}/oauth/authorize?response_type=code&client_id=ghost&redirect_uri={cb}",
            s.base
        ),
        format!(
            "{}/oauth/authorize?response_type=code&client_id=web&redirect_uri=https://evil.example/cb",
            s.base
        ),
        format!(
            "{}/oauth/authorize?response_type=code&client_id=web&redirect_uri={cb}/",
            s.base
        ),
        format!("{}/oauth/authorize?response_type=code&redirect_uri={cb}", s.base),
        format!("{}/oauth/authorize?client_id=web&client_id=web", s.base),
    ] {
        let answer = browser.get(&url).await;
        assert_eq!(answer.status, 400, "{url}");
        assert!(answer.headers.get("location").is_none(), "{url}");
        assert!(answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(answer.body.contains("role=\"alert\""), "{}", answer.body);
    }
}

#[tokio::test]
async fn a_client_not_set_up_for_sign_in_gets_a_page_saying_why() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    s.create_client(
        "acme",
        json!({"client_id": "batch", "grant_types": ["client_credentials"]}),
    )
    .await;
    s.create_client(
        "acme",
        json!({"client_id": "bare", "grant_types": ["authorization_code"]}),
    )
    .await;
    let browser = Browser::new(false);
    for (client, says) in [
        ("batch", "it may not use the authorization_code grant."),
        ("bare", "it has no registered redirect URIs."),
    ] {
        for redirect in ["", "&redirect_uri=https://app.example/cb"] {
            let url = format!(
                "{}/oauth/authorize?response_type=code&client_id={client}{redirect}",
                s.base
            );
            let answer = browser.get(&url).await;
            assert_eq!(answer.status, 400, "{url}");
            assert!(answer.headers.get("location").is_none(), "{url}");
            assert!(answer.body.contains(says), "{url}: {}", answer.body);
            assert!(!answer.body.contains("must name one of"), "{url}");
        }
    }
}
