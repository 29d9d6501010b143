//! Revocation: always 200 for what it cannot find, never across clients, and through a grant.

use super::assertions::{assert_error, forge};
use super::requests::{basic, encode, form_post};
use super::{harness, APP, FOREIGN, INTRUDER, SECRET, TTL, WEB};
use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL};
use axum::http::Request;
use serde_json::json;

#[tokio::test]
async fn revoke_answers_200_for_unknown_garbage_and_already_revoked_tokens() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    for presented in [
        "garbage".to_string(),
        forge(&token),
        format!("tsa_{}", "A".repeat(44)),
        token.clone(),
        token.clone(),
    ] {
        let reply = h.revoke(APP, &presented).await;
        assert_eq!(reply.status, 200, "{presented}");
        assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
    }
    assert!(!h.is_active(&token).await);
}

#[tokio::test]
async fn revoke_still_authenticates_the_client() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let body = encode(&[("token", &token)]);
    let reply = h
        .send(form_post("/oauth/revoke", Some(&basic(APP, "wrong")), body.clone()))
        .await;
    assert_error(&reply, 401, "invalid_client");
    assert_error(
        &h.send(form_post("/oauth/revoke", None, body)).await,
        401,
        "invalid_client",
    );
    assert!(h.is_active(&token).await);
}

#[tokio::test]
async fn revoke_token_alias_with_query_parameter() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let uri = format!("/oauth/revoke_token?{}", encode(&[("token", &token)]));
    let request = Request::post(uri)
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::empty())
        .unwrap();
    let reply = h.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(!h.is_active(&token).await);
    // The alias also takes a form body.
    let token = h.app_token(APP).await;
    let reply = h
        .send(form_post(
            "/oauth/revoke_token",
            Some(&basic(APP, SECRET)),
            encode(&[("token", &token)]),
        ))
        .await;
    assert_eq!(reply.status, 200);
    assert!(!h.is_active(&token).await);
}

#[tokio::test]
async fn revoke_of_an_expired_token_is_200() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    h.clock.advance(TTL + 1);
    assert_eq!(h.revoke(APP, &token).await.status, 200);
}

#[tokio::test]
async fn a_client_revoking_another_clients_token_is_refused_and_leaves_it_active() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    // RFC 7009 §2.1: the client is told its request was refused.
    assert_error(&h.revoke(INTRUDER, &token).await, 400, "unauthorized_client");
    assert!(h.is_active(&token).await);
    // To a client of another tenant the token is unknown: 200, and nothing revoked.
    assert_eq!(h.revoke(FOREIGN, &token).await.status, 200);
    assert!(h.is_active(&token).await);
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_the_access_token_of_its_grant() {
    let h = harness().await;
    let login = h.login().await;
    let access = login["access_token"].as_str().unwrap();
    let refresh = login["refresh_token"].as_str().unwrap();
    let other = h.login().await;
    let other_access = other["access_token"].as_str().unwrap();
    assert!(h.is_active(access).await);
    assert_eq!(h.introspect_ok(WEB, refresh).await["active"], json!(true));
    assert_eq!(h.revoke(WEB, refresh).await.status, 200);
    assert!(!h.is_active(access).await);
    assert_eq!(h.introspect_ok(WEB, refresh).await, json!({"active": false}));
    assert!(h.is_active(other_access).await, "another grant is untouched");
    let reply = h
        .token(WEB, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_error(&reply, 400, "invalid_grant");
}
