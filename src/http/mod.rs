//! The HTTP layer (axum): routes, extraction and error mapping; no business rules here.

mod admin;
mod authorize;
mod client_auth;
mod errors;
mod form;
mod meta;
mod oauth;
mod openapi;

use crate::service::Service;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::{Json, Router};
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Bodies larger than this are refused (400 `invalid_request` under /oauth) before they are read.
pub const BODY_LIMIT: usize = 64 * 1024;

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({"error": "not_found", "error_description": "no such endpoint"})),
    )
}

/// Every route, each registered together with its documentation: a handler is routed only through
/// `routes!`, which reads the method and path from its `#[utoipa::path]`, so the router and
/// `openapi()` cannot disagree. One `routes!` call per path.
fn api() -> OpenApiRouter<Arc<Service>> {
    let admin = OpenApiRouter::new()
        .routes(routes!(admin::create_tenant, admin::list_tenants))
        .routes(routes!(admin::get_tenant, admin::update_tenant, admin::delete_tenant))
        .routes(routes!(admin::create_client, admin::list_clients))
        .routes(routes!(admin::get_client, admin::update_client, admin::delete_client))
        .routes(routes!(admin::regenerate_secret))
        .routes(routes!(admin::create_user, admin::list_users))
        .routes(routes!(admin::get_user, admin::update_user, admin::delete_user))
        .routes(routes!(admin::user_authorizations))
        .routes(routes!(admin::delete_user_authorization))
        .routes(routes!(admin::list_tokens))
        .routes(routes!(admin::revoke_tokens))
        .routes(routes!(admin::put_authorization, admin::delete_authorization))
        .routes(routes!(admin::get_token, admin::update_token, admin::delete_token))
        .routes(routes!(admin::lookup_token));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(oauth::token))
        .routes(routes!(authorize::authorize))
        .routes(routes!(authorize::login))
        .routes(routes!(authorize::consent))
        .routes(routes!(oauth::introspect))
        .routes(routes!(oauth::check_token_get, oauth::check_token_post))
        .routes(routes!(oauth::revoke))
        .routes(routes!(oauth::revoke_token))
        .routes(routes!(meta::metadata))
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::readyz))
        .routes(routes!(meta::openapi_json))
        .nest("/admin", admin)
}

/// The OpenAPI 3.1 document of every route of [`router`], as served at `GET /openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::finish(api().into_openapi())
}

pub fn router(service: Arc<Service>) -> Router {
    let (routes, _) = api().split_for_parts();
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    routes
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
