//! Discovery (RFC 8414) and the liveness/readiness probes.

use crate::service::grants::SUPPORTED_GRANT_TYPES;
use crate::service::Service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;

pub async fn metadata(State(service): State<Arc<Service>>) -> Response {
    let base = &*service.issuer;
    let auth_methods = ["client_secret_basic", "client_secret_post"];
    Json(json!({
        "issuer": base,
        "token_endpoint": format!("{base}/oauth/token"),
        "introspection_endpoint": format!("{base}/oauth/introspect"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "grant_types_supported": SUPPORTED_GRANT_TYPES,
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
    }))
    .into_response()
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(service): State<Arc<Service>>) -> Response {
    match service.store.health().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response()
        }
    }
}
