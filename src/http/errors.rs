//! Mapping service errors to HTTP once: OAuth JSON with the right status and headers.

use crate::service::admin::AdminError;
use crate::service::OAuthError;
use axum::http::header::{CACHE_CONTROL, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
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
