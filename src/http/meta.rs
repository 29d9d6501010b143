//! Discovery (RFC 8414), the liveness/readiness probes and the OpenAPI document.

use crate::model::GrantType;
use crate::service::error::RETRY_AFTER_UNAVAILABLE;
use crate::service::signing::JWKS_CACHE_CONTROL;
use crate::service::Service;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use utoipa::ToSchema;

const AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];
/// Public clients authenticate at the token endpoint (plus PKCE) and at revocation with their
/// `client_id` alone.
const PUBLIC_AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];

/// RFC 8414 authorization server metadata; every endpoint URL is absolute.
#[derive(Serialize, ToSchema)]
pub struct ServerMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    introspection_endpoint: String,
    revocation_endpoint: String,
    grant_types_supported: Vec<GrantType>,
    response_types_supported: Vec<&'static str>,
    code_challenge_methods_supported: Vec<&'static str>,
    token_endpoint_auth_methods_supported: Vec<&'static str>,
    introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// RFC 9207: every authorization response, success or error, carries `iss`.
    authorization_response_iss_parameter_supported: bool,
    /// The public keys JWT access tokens (RFC 9068) are signed with.
    jwks_uri: String,
}

#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "meta",
    responses((status = 200, description = "RFC 8414 metadata", body = ServerMetadata)))]
pub async fn metadata(State(service): State<Arc<Service>>) -> Response {
    let base = service.issuer();
    super::cors::public(Json(ServerMetadata {
        issuer: base.to_string(),
        authorization_endpoint: format!("{base}/oauth/authorize"),
        token_endpoint: format!("{base}/oauth/token"),
        introspection_endpoint: format!("{base}/oauth/introspect"),
        revocation_endpoint: format!("{base}/oauth/revoke"),
        grant_types_supported: GrantType::ALL.to_vec(),
        response_types_supported: vec!["code"],
        code_challenge_methods_supported: vec!["S256"],
        token_endpoint_auth_methods_supported: PUBLIC_AUTH_METHODS.to_vec(),
        introspection_endpoint_auth_methods_supported: AUTH_METHODS.to_vec(),
        revocation_endpoint_auth_methods_supported: PUBLIC_AUTH_METHODS.to_vec(),
        authorization_response_iss_parameter_supported: true,
        jwks_uri: format!("{base}/.well-known/jwks.json"),
    }))
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "meta",
    description = "The JWK Set (RFC 7517) of the keys JWT access tokens are signed with: public keys only, each \
        with `kid`, `alg` and `use: sig`. A new key appears here `jwt_key_publish_delay` seconds before it \
        signs; a retired key stays until every token it signed has expired. Cacheable (`Cache-Control`).",
    responses((status = 200, description = "The JWK Set", body = Object, content_type = "application/json")))]
pub async fn jwks(State(service): State<Arc<Service>>) -> Response {
    let body = service.signing_keys().current().jwks_json().clone();
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        (CACHE_CONTROL, HeaderValue::from_static(JWKS_CACHE_CONTROL)),
    ];
    super::cors::public((headers, body))
}

#[utoipa::path(get, path = "/healthz", tag = "meta",
    responses((status = 200, description = "The process is up", body = String, content_type = "text/plain",
        example = "ok")))]
pub async fn healthz() -> &'static str {
    "ok"
}

#[utoipa::path(get, path = "/readyz", tag = "meta",
    responses(
        (status = 200, description = "The store is reachable", body = String, content_type = "text/plain",
            example = "ready"),
        (status = 503, description = "The store is unreachable", body = String, content_type = "text/plain",
            example = "store unavailable"),
    ))]
pub async fn readyz(State(service): State<Arc<Service>>) -> Response {
    let unready = |why: &dyn std::fmt::Display| {
        tracing::debug!(error = %why, "readiness check failed");
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response();
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_UNAVAILABLE));
        response
    };
    // A store that takes longer than this to show it can work is as good as down to a load
    // balancer; the answer must come before the balancer's own probe gives up.
    match tokio::time::timeout(READINESS_LIMIT, service.store_health()).await {
        Ok(Ok(())) => "ready".into_response(),
        Ok(Err(e)) => unready(&e),
        Err(_) => unready(&"the store did not answer within a second"),
    }
}

/// The longest `/readyz` waits for the store.
pub const READINESS_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "This OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json() -> Response {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let text = DOCUMENT.get_or_init(|| super::openapi().to_json().expect("the OpenAPI document serializes"));
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        text.as_str(),
    )
        .into_response()
}
