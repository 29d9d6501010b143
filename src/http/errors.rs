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
    /// `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `invalid_token`, `invalid_target`,
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

// The `WWW-Authenticate` challenges, decided here only: every 401 names how to authenticate
// (RFC 9110 §15.5.2), and a 403 of the admin API says its token lacks the authority (RFC 6750 §3).

/// RFC 6749 §5.2: client authentication failed, however it was tried; Basic is the scheme the
/// server asks for (`client_secret_post` has no challenge of its own).
const BASIC_CHALLENGE: HeaderValue = HeaderValue::from_static("Basic realm=\"tessera\"");
/// RFC 6750 §3.1: no bearer token at all, so no error code.
const BEARER_CHALLENGE: HeaderValue = HeaderValue::from_static("Bearer realm=\"tessera\"");
const INVALID_TOKEN_CHALLENGE: HeaderValue =
    HeaderValue::from_static("Bearer realm=\"tessera\", error=\"invalid_token\"");
const INSUFFICIENT_SCOPE_CHALLENGE: HeaderValue =
    HeaderValue::from_static("Bearer realm=\"tessera\", error=\"insufficient_scope\"");

fn oauth_challenge(error: &OAuthError) -> Option<HeaderValue> {
    match error {
        OAuthError::InvalidClient => Some(BASIC_CHALLENGE),
        OAuthError::InvalidRequest(_)
        | OAuthError::InvalidGrant(_)
        | OAuthError::UnauthorizedClient(_)
        | OAuthError::UnsupportedGrantType(_)
        | OAuthError::InvalidScope(_)
        | OAuthError::InvalidToken(_)
        | OAuthError::InvalidTarget(_)
        | OAuthError::TooManyActiveTokens { .. }
        | OAuthError::TooManyAttempts { .. }
        | OAuthError::TemporarilyUnavailable
        | OAuthError::ServerError => None,
    }
}

fn admin_challenge(error: &AdminError) -> Option<HeaderValue> {
    match error {
        AdminError::NoToken => Some(BEARER_CHALLENGE),
        AdminError::InvalidToken => Some(INVALID_TOKEN_CHALLENGE),
        AdminError::Forbidden(_) => Some(INSUFFICIENT_SCOPE_CHALLENGE),
        AdminError::NotFound(_)
        | AdminError::Invalid(_)
        | AdminError::Conflict(_)
        | AdminError::Unavailable
        | AdminError::NotActive(_)
        | AdminError::TooManyActiveTokens { .. }
        | AdminError::Internal => None,
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = error_response(self.status(), self.code(), &self.description());
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, NO_STORE);
        headers.insert(PRAGMA, NO_CACHE);
        if let Some(challenge) = oauth_challenge(&self) {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        match self {
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
        if let Some(challenge) = admin_challenge(&self) {
            response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
        let retry_after = match self {
            AdminError::Unavailable => Some(RETRY_AFTER_UNAVAILABLE),
            AdminError::TooManyActiveTokens { retry_after, .. } => retry_after,
            AdminError::NoToken
            | AdminError::InvalidToken
            | AdminError::Forbidden(_)
            | AdminError::NotFound(_)
            | AdminError::Invalid(_)
            | AdminError::Conflict(_)
            | AdminError::NotActive(_)
            | AdminError::Internal => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(response: Response) -> (u16, Option<String>) {
        let value = response.headers().get(WWW_AUTHENTICATE);
        let value = value.map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), value)
    }

    #[test]
    fn every_oauth_401_and_only_it_carries_the_basic_challenge() {
        let errors = [
            OAuthError::InvalidRequest("x".into()),
            OAuthError::InvalidClient,
            OAuthError::InvalidGrant("x".into()),
            OAuthError::UnauthorizedClient("x".into()),
            OAuthError::UnsupportedGrantType("x".into()),
            OAuthError::InvalidScope("x".into()),
            OAuthError::InvalidToken("x".into()),
            OAuthError::InvalidTarget("x".into()),
            OAuthError::TooManyActiveTokens {
                retry_after: None,
                limit: 1,
            },
            OAuthError::TooManyAttempts { retry_after: 1 },
            OAuthError::TemporarilyUnavailable,
            OAuthError::ServerError,
        ];
        for error in errors {
            let code = error.code();
            match challenge(error.into_response()) {
                (401, Some(c)) => assert_eq!(c, "Basic realm=\"tessera\"", "{code}"),
                (401, None) => panic!("{code}: a 401 without WWW-Authenticate"),
                (status, c) => assert_eq!(c, None, "{code}: {status}"),
            }
        }
    }

    #[test]
    fn admin_challenges_follow_rfc_6750() {
        let bearer = |e: AdminError| challenge(e.into_response());
        let realm = "Bearer realm=\"tessera\"";
        assert_eq!(bearer(AdminError::NoToken), (401, Some(realm.into())));
        let invalid = format!("{realm}, error=\"invalid_token\"");
        assert_eq!(bearer(AdminError::InvalidToken), (401, Some(invalid)));
        let insufficient = format!("{realm}, error=\"insufficient_scope\"");
        assert_eq!(bearer(AdminError::Forbidden("no")), (403, Some(insufficient)));
        for other in [
            AdminError::NotFound("x"),
            AdminError::Invalid("x".into()),
            AdminError::Conflict("x"),
            AdminError::Unavailable,
            AdminError::NotActive("x"),
            AdminError::Internal,
        ] {
            assert_eq!(bearer(other).1, None);
        }
    }
}
