//! `/admin/keys/signing`: the JWT signing keys, listed and rotated (server admins only).

use super::{created, AdminJson, Caller, Res, Svc};
use crate::service::admin::signing_keys::RotateSigning;
use crate::service::signing::SigningKeyInfo;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Json;

#[utoipa::path(get, path = "/keys/signing", tag = "keys",
    description = "The JWT signing keys, oldest first: kid, alg, when each was added, when it signs from, and \
        how long it stays published (the latest expiry of a token it signed). Never private material. Server \
        admins only (`ROLE_ADMIN` of tenant `system`).",
    responses(
        (status = 200, description = "The keys", body = Vec<SigningKeyInfo>),
        (status = 403, response = crate::http::openapi::Forbidden),
    ))]
pub async fn list_signing_keys(State(s): Svc, Caller(who): Caller) -> Res {
    Ok(Json(s.list_signing_keys(&who).await?).into_response())
}

#[utoipa::path(post, path = "/keys/signing", tag = "keys",
    description = "Rotation: adds a new signing key, in the JWK Set at once (on other nodes within a minute), \
        signing from `jwt_key_publish_delay` seconds on. The keys before it stay published until every token \
        they signed has expired. Server admins only.",
    request_body(content = Option<RotateSigning>, description = "Optional: without a body (and `Content-Type`) \
        the new key has the server's `jwt_signing_alg`."),
    responses(
        (status = 201, description = "The new key", body = SigningKeyInfo),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
    ))]
pub async fn rotate_signing_key(State(s): Svc, Caller(who): Caller, req: Request) -> Res {
    // As `revoke_tokens`: no body (and no `Content-Type`) takes the defaults.
    let request = if req.headers().contains_key(CONTENT_TYPE) {
        AdminJson::<RotateSigning>::from_request(req, &()).await?.0
    } else {
        RotateSigning::default()
    };
    Ok(created(s.add_signing_key(&who, request).await?))
}
