//! Mapping service errors to HTTP once: OAuth JSON with the right status and headers.

use crate::service::admin::AdminError;
use crate::service::OAuthError;
use axum::http::header::{CACHE_CONTROL, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Every error answer, under `/oauth` (RFC 6749 §5.2) and `/admin` alike.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ErrorBody<'a> {
    /// A machine-readable code: `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `invalid_token`,
    /// `too_many_active_tokens`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `server_error`.
    #[schema(example = "invalid_request")]
    error: &'a str,
    /// What went wrong, for a person; names the field or parameter at fault.
    #[schema(example = "scopes[1]: invalid type: integer `1`, expected a string")]
    error_description: &'a str,
}

pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
pub const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let description = self.description();
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.code(),
                error_description: &description,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, NO_STORE);
        headers.insert(PRAGMA, NO_CACHE);
        match self {
            OAuthError::InvalidClient { basic: true } => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"tessera\""));
            }
            OAuthError::TooManyActiveTokens {
                retry_after: Some(seconds),
                ..
            } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            _ => {}
        }
        response
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let description = self.to_string();
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.code(),
                error_description: &description,
            }),
        )
            .into_response();
        if matches!(self, AdminError::Unauthorized) {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"tessera\""));
        }
        response
    }
}
