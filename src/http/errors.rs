//! Mapping service errors to HTTP once: OAuth JSON with the right status and headers.

use crate::service::admin::AdminError;
use crate::service::error::RETRY_AFTER_UNAVAILABLE;
use crate::service::OAuthError;
use axum::http::header::{CACHE_CONTROL, CONNECTION, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Every error answer, under `/oauth` (RFC 6749 §5.2) and `/admin` alike.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ErrorBody<'a> {
    /// A machine-readable code: `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `invalid_token`,
    /// `too_many_active_tokens`, `too_many_attempts`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `temporarily_unavailable`, `request_timeout`, `server_error`.
    #[schema(example = "invalid_request")]
    error: &'a str,
    /// What went wrong, for a person; names the field or parameter at fault.
    #[schema(example = "scopes[1]: invalid type: integer `1`, expected a string")]
    error_description: &'a str,
}

pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
pub const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// The JSON error answer shared by both error enums.
fn error_response(status: u16, error: &str, error_description: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        Json(ErrorBody {
            error,
            error_description,
        }),
    )
        .into_response()
}

/// 408 (RFC 9110 §15.5.9) for a request that did not arrive in full within `request_timeout`;
/// `Connection: close`, since the rest of its body may still be on the way.
pub(super) fn request_timeout(seconds: u64) -> Response {
    let description = format!("the request did not arrive in full within {seconds} s");
    let mut response = error_response(408, "request_timeout", &description);
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = error_response(self.status(), self.code(), &self.description());
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
            OAuthError::TooManyAttempts { retry_after } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(retry_after));
            }
            OAuthError::TemporarilyUnavailable => {
                headers.insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_UNAVAILABLE));
            }
            _ => {}
        }
        response
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let mut response = error_response(self.status(), self.code(), &self.to_string());
        match self {
            AdminError::Unauthorized => {
                response
                    .headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"tessera\""));
            }
            AdminError::Unavailable => {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_UNAVAILABLE));
            }
            _ => {}
        }
        response
    }
}
