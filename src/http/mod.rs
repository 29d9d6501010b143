//! The HTTP layer (axum): routes, extraction and error mapping; no business rules here.

mod admin;
mod client_auth;
mod errors;
mod form;
mod meta;
mod oauth;

use crate::service::Service;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Bodies larger than this are refused (400 `invalid_request` under /oauth) before they are read.
pub const BODY_LIMIT: usize = 64 * 1024;

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({"error": "not_found", "error_description": "no such endpoint"})),
    )
}

pub fn router(service: Arc<Service>) -> Router {
    let admin = Router::new()
        .route("/tenants", post(admin::create_tenant).get(admin::list_tenants))
        .route(
            "/tenants/{tenant}",
            get(admin::get_tenant)
                .patch(admin::update_tenant)
                .delete(admin::delete_tenant),
        )
        .route(
            "/tenants/{tenant}/clients",
            post(admin::create_client).get(admin::list_clients),
        )
        .route(
            "/tenants/{tenant}/clients/{client}",
            get(admin::get_client)
                .patch(admin::update_client)
                .delete(admin::delete_client),
        )
        .route(
            "/tenants/{tenant}/clients/{client}/secret",
            post(admin::regenerate_secret),
        )
        .route(
            "/tenants/{tenant}/users",
            post(admin::create_user).get(admin::list_users),
        )
        .route(
            "/tenants/{tenant}/users/{user}",
            get(admin::get_user)
                .patch(admin::update_user)
                .delete(admin::delete_user),
        )
        .route(
            "/tenants/{tenant}/users/{user}/authorizations",
            get(admin::user_authorizations),
        )
        .route("/tenants/{tenant}/clients/{client}/tokens", get(admin::list_tokens))
        .route(
            "/tenants/{tenant}/clients/{client}/tokens/revoke",
            post(admin::revoke_tokens),
        )
        .route(
            "/tenants/{tenant}/clients/{client}/authorizations/{subject}",
            put(admin::put_authorization).delete(admin::delete_authorization),
        )
        .route(
            "/tokens/{id}",
            get(admin::get_token)
                .patch(admin::update_token)
                .delete(admin::delete_token),
        )
        .route("/tokens/lookup", post(admin::lookup_token));
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/introspect", post(oauth::introspect))
        .route(
            "/oauth/check_token",
            get(oauth::check_token_get).post(oauth::check_token_post),
        )
        .route("/oauth/revoke", post(oauth::revoke))
        .route("/oauth/revoke_token", post(oauth::revoke))
        .route("/.well-known/oauth-authorization-server", get(meta::metadata))
        .route("/healthz", get(meta::healthz))
        .route("/readyz", get(meta::readyz))
        .nest("/admin", admin)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // The span names the path only: query strings may carry tokens (`check_token?token=`).
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::debug_span!("request", method = %req.method(), path = req.uri().path(), request_id = id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(service)
}
