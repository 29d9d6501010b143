//! Bad input: always 4xx JSON, never 5xx.

use super::assertions::{assert_4xx_json, assert_error};
use super::requests::{basic, encode, form_post};
use super::{harness, APP, FORM, SECRET, WEB};
use axum::body::{Body, Bytes};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Request};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

#[tokio::test]
async fn malformed_percent_encoding_is_4xx_json() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    for body in [
        "a=%ZZ",
        "%ZZ=%ZZ",
        "grant_type=%ZZ",
        "grant_type=client_credentials%",
        "grant_type=client_credentials&scope=%",
        "&&&==&=",
    ] {
        let reply = h.token_raw(Some(&auth), body).await;
        assert_4xx_json(&reply, body);
    }
    // Well-formed escapes that decode to bytes that are not UTF-8.
    for body in [
        "grant_type=client_credentials&scope=%FF",
        "grant_type=%C3",
        "%FF=client_credentials",
    ] {
        let reply = h.token_raw(Some(&auth), body).await;
        assert_error(&reply, 400, "invalid_request");
    }
}

#[tokio::test]
async fn raw_non_utf8_body_is_invalid_request() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    let body: &[u8] = b"grant_type=client_credentials&scope=\xff\xfe";
    let reply = h.token_raw(Some(&auth), Bytes::from_static(body)).await;
    assert_error(&reply, 400, "invalid_request");
    let reply = h
        .send(form_post(
            "/oauth/introspect",
            Some(&auth),
            Bytes::from_static(b"token=\xc3"),
        ))
        .await;
    assert_error(&reply, 400, "invalid_request");
}

/// A form body just over `BODY_LIMIT` (64 KiB).
fn oversized_form() -> String {
    format!("grant_type=client_credentials&pad={}", "x".repeat(64 * 1024))
}

#[tokio::test]
async fn body_over_64_kib_is_4xx_never_5xx() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    for uri in [
        "/oauth/token",
        "/oauth/introspect",
        "/oauth/check_token",
        "/oauth/revoke",
        "/oauth/revoke_token",
    ] {
        let reply = h.send(form_post(uri, Some(&auth), oversized_form())).await;
        assert!(
            reply.status == 413 || reply.status == 400,
            "{uri}: {} {:?}",
            reply.status,
            reply.text
        );
    }
    // The form endpoints answer in OAuth JSON.
    for uri in ["/oauth/token", "/oauth/introspect", "/oauth/check_token"] {
        let reply = h.send(form_post(uri, Some(&auth), oversized_form())).await;
        assert_4xx_json(&reply, uri);
    }
}

/// Revocation reads its body with axum's plain `Bytes` extractor, whose rejection is not
/// mapped to OAuth JSON (docs/concepts.md: the http layer maps every error to OAuth JSON once).
#[tokio::test]
async fn body_over_64_kib_on_revoke_is_oauth_json() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    for uri in ["/oauth/revoke", "/oauth/revoke_token"] {
        let reply = h.send(form_post(uri, Some(&auth), oversized_form())).await;
        assert_4xx_json(&reply, uri);
    }
}

#[tokio::test]
async fn json_body_is_invalid_request() {
    let h = harness().await;
    let json_body = json!({"grant_type": "client_credentials"}).to_string();
    let request = Request::post("/oauth/token")
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::from(json_body.clone()))
        .unwrap();
    assert_error(&h.send(request).await, 400, "invalid_request");
    // No content type at all.
    let request = Request::post("/oauth/token")
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::from("grant_type=client_credentials"))
        .unwrap();
    assert_error(&h.send(request).await, 400, "invalid_request");
    // Revocation with a JSON body.
    let request = Request::post("/oauth/revoke")
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::from(json!({"token": "x"}).to_string()))
        .unwrap();
    assert_error(&h.send(request).await, 400, "invalid_request");
}

#[tokio::test]
async fn duplicated_parameter_is_invalid_request() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    for body in [
        "grant_type=client_credentials&grant_type=client_credentials",
        "grant_type=client_credentials&scope=read&scope=write",
    ] {
        assert_error(&h.token_raw(Some(&auth), body).await, 400, "invalid_request");
    }
    // The same name in the query and in the body of check_token.
    let token = h.app_token(APP).await;
    let uri = format!("/oauth/check_token?{}", encode(&[("token", &token)]));
    let reply = h.send(form_post(&uri, Some(&auth), encode(&[("token", &token)]))).await;
    assert_error(&reply, 400, "invalid_request");
}

/// A 64 KB form of ~8 000 distinct names (quadratic duplicate checks took 85-210 ms on it) is
/// refused at the cap, before client authentication; `MAX_PARAMS` names still pass.
#[tokio::test]
async fn too_many_parameters_is_invalid_request() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let names = |n: usize| (0..n).map(|i| format!("p{i}=v")).collect::<Vec<_>>().join("&");
    let flood = format!("token={token}&{}", names(8_000));
    for auth in [Some(basic(APP, SECRET)), None] {
        for uri in [
            "/oauth/token",
            "/oauth/introspect",
            "/oauth/check_token",
            "/oauth/revoke",
        ] {
            let reply = h.send(form_post(uri, auth.as_deref(), flood.clone())).await;
            assert_error(&reply, 400, "invalid_request");
            let description = reply.json.clone()["error_description"].clone();
            assert_eq!(description, "too many parameters: at most 64", "{uri}");
        }
    }
    // The query and the body count together.
    let uri = format!("/oauth/check_token?{}", names(40));
    let body = format!("token={token}&{}", names(30).replace('p', "q"));
    assert_error(
        &h.send(form_post(&uri, Some(&basic(APP, SECRET)), body)).await,
        400,
        "invalid_request",
    );
    let at_the_cap = format!("token={token}&{}", names(63));
    let reply = h
        .send(form_post("/oauth/introspect", Some(&basic(APP, SECRET)), at_the_cap))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json.clone()["active"], json!(true));
}

#[tokio::test]
async fn malformed_authorization_headers_are_4xx() {
    let h = harness().await;
    let body = encode(&[("grant_type", "client_credentials")]);
    let no_colon = format!("Basic {}", STANDARD.encode("app-without-colon"));
    let not_utf8 = format!("Basic {}", STANDARD.encode(b"\xff\xfe:\xff"));
    for header in ["Basic !!!", "Basic", "Basic ", &no_colon, &not_utf8] {
        let reply = h.token_raw(Some(header), body.clone()).await;
        assert_error(&reply, 401, "invalid_client");
        assert!(reply.header(WWW_AUTHENTICATE).unwrap().starts_with("Basic"));
    }
    // Another scheme is a failed client authentication too, a bearer token above all.
    for header in ["Bearer x", "Digest username=app", "x"] {
        assert_error(&h.token_raw(Some(header), body.clone()).await, 401, "invalid_client");
    }
    // Bytes that are not visible ASCII in the header value.
    let request = Request::post("/oauth/token")
        .header(CONTENT_TYPE, FORM)
        .header(AUTHORIZATION, HeaderValue::from_bytes(b"Basic \xc3\xa9\xff").unwrap())
        .body(Body::from(body))
        .unwrap();
    let reply = h.send(request).await;
    assert_4xx_json(&reply, "non-ASCII Authorization");
    assert_error(&reply, 401, "invalid_client");
}

#[tokio::test]
async fn basic_and_client_secret_together_is_invalid_request() {
    let h = harness().await;
    let body = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", SECRET),
    ]);
    let reply = h.token_raw(Some(&basic(APP, SECRET)), body).await;
    assert_error(&reply, 400, "invalid_request");
    // A client_id in the form that contradicts the Basic credentials is refused too.
    let body = encode(&[("grant_type", "client_credentials"), ("client_id", WEB)]);
    let reply = h.token_raw(Some(&basic(APP, SECRET)), body).await;
    assert_error(&reply, 400, "invalid_request");
}
