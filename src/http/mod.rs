//! The HTTP layer (axum): routes, extraction and error mapping; no business rules here.

mod admin;
mod authorize;
mod client_auth;
mod client_request;
mod console;
mod cors;
mod deadline;
mod errors;
mod form;
pub mod limits;
mod meta;
mod metrics;
mod oauth;
mod openapi;
pub mod serve;

use crate::service::Service;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode};
use axum::response::IntoResponse;
use axum::{Json, Router};
use std::sync::Arc;
use tower::util::MapRequestLayer;
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
/// `openapi()` cannot disagree. One `routes!` call per path. `/metrics` is not among them: it is
/// served on the management listener only ([`management_router`]).
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
        .routes(routes!(admin::list_tokens, admin::create_token))
        .routes(routes!(admin::revoke_tokens))
        .routes(routes!(admin::put_authorization, admin::delete_authorization))
        .routes(routes!(admin::get_token, admin::update_token, admin::delete_token))
        .routes(routes!(admin::lookup_token))
        .routes(routes!(admin::backup))
        .routes(routes!(admin::request_stats))
        .routes(routes!(admin::tenant_stats))
        .routes(routes!(admin::store_status))
        .routes(routes!(admin::purge_now))
        .routes(routes!(
            admin::signing_keys::list_signing_keys,
            admin::signing_keys::rotate_signing_key
        ));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(oauth::token, cors::token_preflight))
        .routes(routes!(authorize::authorize))
        .routes(routes!(authorize::login))
        .routes(routes!(authorize::consent))
        .routes(routes!(oauth::introspect, cors::introspect_preflight))
        .routes(routes!(oauth::check_token_get, oauth::check_token_post))
        .routes(routes!(oauth::revoke, cors::revoke_preflight))
        .routes(routes!(oauth::revoke_token, cors::revoke_token_preflight))
        .routes(routes!(meta::metadata, cors::metadata_preflight))
        .routes(routes!(meta::jwks))
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::readyz))
        .routes(routes!(meta::openapi_json))
        .nest("/admin", admin)
}

/// The OpenAPI 3.1 document of every route of [`router`], as served at `GET /openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::finish(api().into_openapi())
}

/// The main (public) listener's routes.
pub fn router(service: Arc<Service>) -> Router {
    let (routes, doc) = api().split_for_parts();
    let routes = routes.merge(console::router());
    let console = console::paths();
    let timers = metrics::RouteTimers::new(
        service.metrics().http.clone(),
        doc.paths.paths.keys().map(String::as_str).chain(console),
    );
    finish(routes, service, timers)
}

/// The management listener's routes (`management_listen`): `/metrics`, and the health checks,
/// which thus stay answerable when the main listener has all the connections it may take.
pub fn management_router(service: Arc<Service>) -> Router {
    const PATHS: [&str; 3] = ["/metrics", "/healthz", "/readyz"];
    let routes = Router::new()
        .route(PATHS[0], axum::routing::get(metrics::metrics))
        .route(PATHS[1], axum::routing::get(meta::healthz))
        .route(PATHS[2], axum::routing::get(meta::readyz));
    let timers = metrics::RouteTimers::new(service.metrics().http.clone(), PATHS);
    finish(routes, service, timers)
}

/// The layers every listener shares. Only the timing sits inside the router, where it sees the
/// matched route; the others wrap the whole router once. `Router::layer` wraps every route on its
/// own, which costs a boxed clone of the service and a boxed future per layer and request: with
/// five layers there, that was a sixth of the CPU of an introspection.
///
/// Outside, outermost first: a caller's unusable `x-request-id` is dropped, one is generated when
/// missing (a UUID) and echoed in the response; the trace span reads it; the body limit applies.
fn finish(routes: Router<Arc<Service>>, service: Arc<Service>, timers: metrics::RouteTimers) -> Router {
    let routes = routes
        .fallback(not_found)
        .layer(metrics::TimingLayer(Arc::new(timers)))
        .with_state(service);
    let shared = tower::ServiceBuilder::new()
        .layer(MapRequestLayer::new(drop_unusable_request_id))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // The span names the path only: query strings may carry tokens (`check_token?token=`).
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::debug_span!("request", method = %req.method(), path = req.uri().path(), request_id = id)
        }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .service(routes);
    // Back into a `Router` (one boxed route), which is what the server and the tests take.
    Router::new().fallback_service(shared)
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest caller-chosen request id kept; longer ones are replaced rather than logged and echoed.
const MAX_REQUEST_ID: usize = 128;

/// A caller's `x-request-id` is kept only if it is short printable ASCII; otherwise it is removed
/// so that `SetRequestIdLayer` generates one.
fn drop_unusable_request_id<B>(mut req: Request<B>) -> Request<B> {
    let usable = |v: &HeaderValue| {
        let bytes = v.as_bytes();
        !bytes.is_empty() && bytes.len() <= MAX_REQUEST_ID && bytes.iter().all(|b| b.is_ascii_graphic())
    };
    if req.headers().get(REQUEST_ID).is_some_and(|v| !usable(v)) {
        req.headers_mut().remove(REQUEST_ID);
    }
    req
}
