//! Every error code of RFC 6749 §5.2, with its status and headers.

use super::assertions::{assert_error, forge};
use super::requests::{basic, encode};
use super::{harness, APP, PASSWORD, SECRET, USER, WEB};
use axum::http::header::WWW_AUTHENTICATE;

#[tokio::test]
async fn missing_grant_type_is_invalid_request() {
    let h = harness().await;
    let reply = h.token(APP, &[("scope", "read")]).await;
    assert_error(&reply, 400, "invalid_request");
    assert!(reply.json.clone()["error_description"]
        .as_str()
        .unwrap()
        .contains("grant_type"));
}

#[tokio::test]
async fn missing_password_is_invalid_request() {
    let h = harness().await;
    let reply = h.token(WEB, &[("grant_type", "password"), ("username", USER)]).await;
    assert_error(&reply, 400, "invalid_request");
    assert!(reply.json.clone()["error_description"]
        .as_str()
        .unwrap()
        .contains("password"));
}

#[tokio::test]
async fn wrong_secret_via_basic_is_401_with_www_authenticate() {
    let h = harness().await;
    let body = encode(&[("grant_type", "client_credentials")]);
    for auth in [basic(APP, "wrong-secret"), basic("ghost", SECRET)] {
        let reply = h.token_raw(Some(&auth), body.clone()).await;
        assert_error(&reply, 401, "invalid_client");
        let challenge = reply.header(WWW_AUTHENTICATE).expect("WWW-Authenticate");
        assert!(challenge.starts_with("Basic"), "{challenge}");
    }
}

#[tokio::test]
async fn wrong_secret_via_client_secret_post_is_401_with_the_basic_challenge() {
    let h = harness().await;
    let body = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", "wrong-secret"),
    ]);
    let reply = h.token_raw(None, body).await;
    assert_error(&reply, 401, "invalid_client");
    assert_eq!(reply.header(WWW_AUTHENTICATE), Some("Basic realm=\"tessera\""));
}

#[tokio::test]
async fn no_client_authentication_is_invalid_client() {
    let h = harness().await;
    let reply = h.token_raw(None, encode(&[("grant_type", "client_credentials")])).await;
    assert_error(&reply, 401, "invalid_client");
    let id_only = encode(&[("grant_type", "client_credentials"), ("client_id", APP)]);
    let reply = h.token_raw(None, id_only).await;
    assert_error(&reply, 401, "invalid_client");
}

#[tokio::test]
async fn wrong_user_password_is_invalid_grant() {
    let h = harness().await;
    for (user, password) in [(USER, "not-wonderland"), ("nobody", PASSWORD)] {
        let reply = h
            .token(
                WEB,
                &[("grant_type", "password"), ("username", user), ("password", password)],
            )
            .await;
        assert_error(&reply, 400, "invalid_grant");
    }
}

#[tokio::test]
async fn bad_refresh_tokens_are_invalid_grant() {
    let h = harness().await;
    let login = h.login().await;
    let refresh = login["refresh_token"].as_str().unwrap();
    let access = login["access_token"].as_str().unwrap();
    let bad = [
        "garbage".to_string(),
        forge(refresh),
        access.to_string(), // an access token is not a refresh token
    ];
    for presented in &bad {
        let reply = h
            .token(WEB, &[("grant_type", "refresh_token"), ("refresh_token", presented)])
            .await;
        assert_error(&reply, 400, "invalid_grant");
    }
    // Used once, then replayed: the replay is refused.
    let exchange = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    assert_eq!(h.token(WEB, &exchange).await.status, 200);
    assert_error(&h.token(WEB, &exchange).await, 400, "invalid_grant");
}

#[tokio::test]
async fn grant_not_allowed_for_client_is_unauthorized_client() {
    let h = harness().await;
    let reply = h
        .token(
            APP,
            &[("grant_type", "password"), ("username", USER), ("password", PASSWORD)],
        )
        .await;
    assert_error(&reply, 400, "unauthorized_client");
    let reply = h.token(WEB, &[("grant_type", "client_credentials")]).await;
    assert_error(&reply, 400, "unauthorized_client");
}

#[tokio::test]
async fn implicit_is_unsupported_grant_type() {
    let h = harness().await;
    let reply = h.token(APP, &[("grant_type", "implicit")]).await;
    assert_error(&reply, 400, "unsupported_grant_type");
}

#[tokio::test]
async fn scope_not_allowed_is_invalid_scope() {
    let h = harness().await;
    let reply = h
        .token(APP, &[("grant_type", "client_credentials"), ("scope", "read admin")])
        .await;
    assert_error(&reply, 400, "invalid_scope");
}
