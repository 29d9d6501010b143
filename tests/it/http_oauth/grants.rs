//! Grants that succeed: client credentials (Basic and post), password, refresh.

use super::assertions::assert_token_response;
use super::requests::encode;
use super::{harness, APP, PASSWORD, SECRET, USER, WEB};
use serde_json::json;

#[tokio::test]
async fn client_credentials_with_basic_auth() {
    let h = harness().await;
    let reply = h
        .token(APP, &[("grant_type", "client_credentials"), ("scope", "read")])
        .await;
    let body = assert_token_response(&reply, json!(["ROLE_APP"]));
    assert_eq!(body["scope"], json!("read"));
    assert!(
        body.get("refresh_token").is_none(),
        "client_credentials gives no refresh token"
    );
}

#[tokio::test]
async fn client_credentials_with_client_secret_post() {
    let h = harness().await;
    let body = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", SECRET),
    ]);
    let reply = h.token_raw(None, body).await;
    let body = assert_token_response(&reply, json!(["ROLE_APP"]));
    assert_eq!(
        body["scope"],
        json!("read write"),
        "no scope asked: every allowed scope"
    );
}

#[tokio::test]
async fn password_grant_issues_access_and_refresh_tokens() {
    let h = harness().await;
    let reply = h
        .token(
            WEB,
            &[
                ("grant_type", "password"),
                ("username", USER),
                ("password", PASSWORD),
                ("scope", "write"),
            ],
        )
        .await;
    let body = assert_token_response(&reply, json!(["ROLE_USER"]));
    assert_eq!(body["scope"], json!("write"));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("tsr_"));
}

#[tokio::test]
async fn refresh_token_grant_rotates_the_refresh_token() {
    let h = harness().await;
    let first = h.login().await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let reply = h
        .token(WEB, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    let body = assert_token_response(&reply, json!(["ROLE_USER"]));
    let rotated = body["refresh_token"].as_str().unwrap();
    assert!(rotated.starts_with("tsr_"));
    assert_ne!(rotated, refresh, "the refresh token is rotated");
    assert_ne!(body["access_token"], first["access_token"]);
    assert_eq!(body["scope"], json!("read write"));
}
