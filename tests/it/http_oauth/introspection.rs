//! Introspection and check_token on valid, revoked, expired, forged and other-tenant tokens.

use super::assertions::{assert_error, forge};
use super::requests::{basic, encode, form_post};
use super::{harness, APP, FOREIGN, FORM, INTRUDER, ISSUER, SECRET, START, TTL, USER, WEB};
use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::Request;
use serde_json::json;

#[tokio::test]
async fn introspect_describes_a_valid_token() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let answer = h.introspect_ok(INTRUDER, &token).await;
    assert_eq!(
        answer,
        json!({
            "active": true,
            "scope": "read write",
            "client_id": APP,
            "sub": APP,
            "token_type": "Bearer",
            "exp": START + TTL,
            "iat": START,
            "iss": ISSUER,
            "authorities": ["ROLE_APP"],
            "user_type": "application",
        })
    );
    let login = h.login().await;
    let answer = h.introspect_ok(APP, login["access_token"].as_str().unwrap()).await;
    assert_eq!(answer["active"], json!(true));
    assert_eq!(answer["username"], json!(USER));
    assert_eq!(answer["sub"], json!(USER));
    assert_eq!(answer["client_id"], json!(WEB));
    assert_eq!(answer["authorities"], json!(["ROLE_USER"]));
}

#[tokio::test]
async fn introspect_requires_client_authentication() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let reply = h
        .send(form_post("/oauth/introspect", None, encode(&[("token", &token)])))
        .await;
    assert_error(&reply, 401, "invalid_client");
    let reply = h
        .send(form_post(
            "/oauth/introspect",
            Some(&basic(APP, "wrong")),
            encode(&[("token", &token)]),
        ))
        .await;
    assert_error(&reply, 401, "invalid_client");
    let reply = h
        .send(form_post("/oauth/introspect", Some(&basic(APP, SECRET)), ""))
        .await;
    assert_error(&reply, 400, "invalid_request");
}

#[tokio::test]
async fn introspect_answers_inactive_for_revoked_expired_forged_and_foreign_tokens() {
    let h = harness().await;
    let inactive = json!({"active": false});

    let revoked = h.app_token(APP).await;
    assert_eq!(h.revoke(APP, &revoked).await.status, 200);
    assert_eq!(h.introspect_ok(APP, &revoked).await, inactive, "revoked");

    let valid = h.app_token(APP).await;
    assert_eq!(h.introspect_ok(APP, &forge(&valid)).await, inactive, "forged");
    assert_eq!(h.introspect_ok(APP, "garbage").await, inactive, "garbage");

    // Tenant A's token, asked about by tenant B's client.
    assert_eq!(h.introspect_ok(FOREIGN, &valid).await, inactive, "other tenant");
    assert_eq!(h.introspect_ok(APP, &valid).await["active"], json!(true));

    h.clock.advance(TTL);
    assert_eq!(h.introspect_ok(APP, &valid).await, inactive, "expired");
}

#[tokio::test]
async fn check_token_on_a_valid_token_get_and_post() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let expected = json!({
        "active": true,
        "exp": START + TTL,
        "client_id": APP,
        "authorities": ["ROLE_APP"],
        "scope": ["read", "write"],
    });
    for reply in [
        h.check_token_get(APP, &token).await,
        h.check_token_post(APP, &token).await,
    ] {
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
        assert_eq!(reply.json.clone(), expected);
    }
    let login = h.login().await;
    let reply = h
        .check_token_get(INTRUDER, login["access_token"].as_str().unwrap())
        .await;
    assert_eq!(reply.status, 200);
    let answer = reply.json.clone();
    assert_eq!(answer["user_name"], json!(USER));
    assert_eq!(answer["client_id"], json!(WEB));
    assert_eq!(answer["authorities"], json!(["ROLE_USER"]));
    assert!(answer["scope"].is_array());
}

#[tokio::test]
async fn check_token_post_takes_the_token_from_the_query_without_a_body() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let post = |body: &'static str, content_type: Option<&str>| {
        let mut builder = Request::post(format!("/oauth/check_token?{}", encode(&[("token", &token)])))
            .header(AUTHORIZATION, basic(APP, SECRET));
        if let Some(value) = content_type {
            builder = builder.header(CONTENT_TYPE, value);
        }
        builder.body(Body::from(body)).unwrap()
    };
    let reply = h.send(post("", None)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json.clone()["client_id"], json!(APP));
    assert_eq!(h.send(post("", Some(FORM))).await.status, 200, "empty form");
    // A body in another format is still refused, with or without a content type.
    for (body, content_type) in [("x", None), ("{}", Some("application/json"))] {
        let reply = h.send(post(body, content_type)).await;
        assert_error(&reply, 400, "invalid_request");
        assert!(reply.json.clone()["error_description"]
            .as_str()
            .unwrap()
            .contains("x-www-form-urlencoded"));
    }
}

#[tokio::test]
async fn check_token_refuses_revoked_expired_forged_foreign_and_refresh_tokens() {
    let h = harness().await;
    let revoked = h.app_token(APP).await;
    h.revoke(APP, &revoked).await;
    let valid = h.app_token(APP).await;
    let login = h.login().await;
    let refresh = login["refresh_token"].as_str().unwrap().to_string();
    let cases = [
        (APP, revoked.clone(), "revoked"),
        (APP, forge(&valid), "forged"),
        (APP, "garbage".to_string(), "garbage"),
        (FOREIGN, valid.clone(), "other tenant"),
        (APP, refresh, "refresh token"),
    ];
    for (caller, token, what) in &cases {
        for reply in [
            h.check_token_get(caller, token).await,
            h.check_token_post(caller, token).await,
        ] {
            assert_eq!(reply.status, 400, "{what}");
            assert_error(&reply, 400, "invalid_token");
        }
    }
    h.clock.advance(TTL + 1);
    assert_error(&h.check_token_get(APP, &valid).await, 400, "invalid_token");
    assert_error(&h.check_token_post(APP, &valid).await, 400, "invalid_token");
}

#[tokio::test]
async fn check_token_without_token_or_credentials() {
    let h = harness().await;
    let request = Request::get("/oauth/check_token")
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::empty())
        .unwrap();
    assert_error(&h.send(request).await, 400, "invalid_request");
    let token = h.app_token(APP).await;
    let uri = format!("/oauth/check_token?{}", encode(&[("token", &token)]));
    assert_error(&h.get(&uri).await, 401, "invalid_client");
}
