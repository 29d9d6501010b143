//! Handlers for what the server admin watches: request stats, tenants' token counts, the store.

use super::*;
use crate::service::admin::operations::{PurgeRun, RequestStats, StoreStatus, TenantStats};

#[utoipa::path(get, path = "/stats/requests", tag = "operations",
    description = "Requests per second and p50/p99 latency of the token, introspect and check_token routes, \
        per 10-second interval over the last ten minutes [ROLE_ADMIN of system].",
    responses(
        (status = 200, description = "Samples per route", body = RequestStats),
        (status = 403, response = crate::http::openapi::Forbidden),
    ))]
pub async fn request_stats(State(s): Svc, Caller(who): Caller) -> Res {
    Ok(Json(s.request_stats(&who)?).into_response())
}

#[utoipa::path(get, path = "/stats/tenants", tag = "operations",
    description = "Every tenant with its active access tokens now [ROLE_ADMIN of system].",
    responses(
        (status = 200, description = "The tenants", body = Vec<TenantStats>),
        (status = 403, response = crate::http::openapi::Forbidden),
    ))]
pub async fn tenant_stats(State(s): Svc, Caller(who): Caller) -> Res {
    Ok(Json(s.tenant_stats(&who).await?).into_response())
}

#[utoipa::path(get, path = "/store", tag = "operations",
    description = "The store backend and this node's last purge run [ROLE_ADMIN of system].",
    responses(
        (status = 200, description = "The store", body = StoreStatus),
        (status = 403, response = crate::http::openapi::Forbidden),
    ))]
pub async fn store_status(State(s): Svc, Caller(who): Caller) -> Res {
    Ok(Json(s.store_status(&who)?).into_response())
}

#[utoipa::path(post, path = "/store/purge", tag = "operations",
    description = "Runs the expiry purge once now, under the same lease as the job [ROLE_ADMIN of system].",
    responses(
        (status = 200, description = "What the run did", body = PurgeRun),
        (status = 403, response = crate::http::openapi::Forbidden),
    ))]
pub async fn purge_now(State(s): Svc, Caller(who): Caller) -> Res {
    Ok(Json(s.purge_now(&who).await?).into_response())
}
