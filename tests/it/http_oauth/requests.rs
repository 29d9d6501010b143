//! The fixture's requests: form helpers, and one `Harness` method per endpoint.

use super::{Harness, APP, FOREIGN, FOREIGN_SECRET, FORM, PASSWORD, SECRET, USER, WEB};
use crate::helpers::Response;
use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::Request;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

pub(super) fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// The secret of a client of this fixture.
fn secret_of(id: &str) -> &'static str {
    if id == FOREIGN {
        FOREIGN_SECRET
    } else {
        SECRET
    }
}

pub(super) fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A form POST with an optional raw `Authorization` header.
pub(super) fn form_post(uri: &str, authorization: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::post(uri).header(CONTENT_TYPE, FORM);
    if let Some(value) = authorization {
        builder = builder.header(AUTHORIZATION, value);
    }
    builder.body(body.into()).unwrap()
}

impl Harness {
    pub(super) async fn send(&self, request: Request<Body>) -> Response {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Response::new(status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub(super) async fn get(&self, uri: &str) -> Response {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    /// `POST /oauth/token` as `client` with HTTP Basic.
    pub(super) async fn token(&self, client: &str, params: &[(&str, &str)]) -> Response {
        let auth = basic(client, secret_of(client));
        self.send(form_post("/oauth/token", Some(&auth), encode(params))).await
    }

    /// `POST /oauth/token` with a raw body and an optional raw `Authorization` header.
    pub(super) async fn token_raw(&self, authorization: Option<&str>, body: impl Into<Body>) -> Response {
        self.send(form_post("/oauth/token", authorization, body)).await
    }

    /// A client-credentials access token for `client`.
    pub(super) async fn app_token(&self, client: &str) -> String {
        let reply = self.token(client, &[("grant_type", "client_credentials")]).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json.clone()["access_token"].as_str().unwrap().to_string()
    }

    /// A password-grant answer for alice through `web` (access and refresh tokens).
    pub(super) async fn login(&self) -> Value {
        let reply = self
            .token(
                WEB,
                &[("grant_type", "password"), ("username", USER), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json.clone()
    }

    pub(super) async fn introspect(&self, client: &str, token: &str) -> Response {
        let auth = basic(client, secret_of(client));
        let body = encode(&[("token", token)]);
        self.send(form_post("/oauth/introspect", Some(&auth), body)).await
    }

    /// The introspection answer, asserting the call itself succeeded.
    pub(super) async fn introspect_ok(&self, client: &str, token: &str) -> Value {
        let reply = self.introspect(client, token).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
        reply.json.clone()
    }

    pub(super) async fn is_active(&self, token: &str) -> bool {
        self.introspect_ok(APP, token).await["active"] == json!(true)
    }

    pub(super) async fn check_token_get(&self, client: &str, token: &str) -> Response {
        let uri = format!("/oauth/check_token?{}", encode(&[("token", token)]));
        let request = Request::get(uri)
            .header(AUTHORIZATION, basic(client, secret_of(client)))
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub(super) async fn check_token_post(&self, client: &str, token: &str) -> Response {
        let auth = basic(client, secret_of(client));
        let body = encode(&[("token", token)]);
        self.send(form_post("/oauth/check_token", Some(&auth), body)).await
    }

    pub(super) async fn revoke(&self, client: &str, token: &str) -> Response {
        let auth = basic(client, secret_of(client));
        let body = encode(&[("token", token)]);
        self.send(form_post("/oauth/revoke", Some(&auth), body)).await
    }
}
