//! How the console answers: its session cookie, the hardening headers and CSP, pages and
//! redirects, and the one table from errors to pages (in words for a person).

use super::layout;
use crate::service::admin::AdminError;
use crate::service::console::ConsoleError;
use crate::service::Service;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::Markup;

/// The session cookie: `HttpOnly`, `SameSite=Strict`, `Secure` under an https issuer, `/console` only.
const SESSION_COOKIE: &str = "tessera_console";

const CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
);

pub(super) fn session_id(headers: &HeaderMap) -> Option<&str> {
    crate::http::authorize::cookies::read(headers, SESSION_COOKIE).filter(|v| v.len() == 43)
}

pub(super) fn session_cookie(service: &Service, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut cookie = cookie::Cookie::build((SESSION_COOKIE, value.to_string()))
        .path("/console")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(service.issuer().starts_with("https://"))
        .build();
    if let Some(seconds) = max_age {
        cookie.set_max_age(cookie::time::Duration::seconds(seconds));
    }
    HeaderValue::from_str(&cookie.to_string()).expect("session ids are base64url")
}

/// Headers every console answer carries: the login pages' (never cached, never framed), with
/// the console's policy (scripts and styles only from here).
fn harden(headers: &mut HeaderMap) {
    crate::http::authorize::harden_with(headers, CSP);
}

pub(super) fn html(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    harden(response.headers_mut());
    response
}

pub(super) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    harden(response.headers_mut());
    response
}

/// The one table from errors to console answers: a row per case.
pub(super) fn error_page(e: ConsoleError) -> Response {
    let status = match &e {
        ConsoleError::SignedOut => return see_other("/console"),
        ConsoleError::NoTenant(_) => StatusCode::NOT_FOUND,
        ConsoleError::SignIn(_) => StatusCode::BAD_REQUEST,
        ConsoleError::Admin(a) => StatusCode::from_u16(a.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    };
    let message = match &e {
        ConsoleError::Admin(admin) => words(admin),
        other => capitalise(&other.to_string()),
    };
    let title = match status {
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        _ => "That did not work",
    };
    html(status, layout::bare(title, &message))
}

/// An admin error in words for a person at the console (the API's own text names tokens and
/// fields, which is right for programs).
pub(super) fn words(e: &AdminError) -> String {
    match e {
        AdminError::Forbidden(_) => "Your account may not see or do this.".into(),
        AdminError::NotFound(what) => format!("There is no such {what}."),
        AdminError::TooManyActiveTokens {
            retry_after: Some(seconds),
            limit,
        } => format!(
            "The client already holds its limit of {limit} active tokens. Try again in {seconds} s, when the \
             earliest expires, or revoke one below."
        ),
        AdminError::TooManyActiveTokens {
            retry_after: None,
            limit,
        } => format!(
            "The client already holds its limit of {limit} active tokens, and none of them expires. Revoke one below."
        ),
        AdminError::NoToken
        | AdminError::InvalidToken
        | AdminError::Invalid(_)
        | AdminError::Conflict(_)
        | AdminError::Unavailable
        | AdminError::NotActive(_)
        | AdminError::Internal => capitalise(&e.to_string()),
    }
}

pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl From<AdminError> for Response {
    fn from(e: AdminError) -> Response {
        error_page(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn service(issuer: &str) -> Service {
        let store = Arc::new(crate::store::embedded::EmbeddedStore::in_memory());
        let clock = Arc::new(crate::clock::ManualClock::new(0));
        Service::new(store, clock, Arc::new(crate::token::Keyring::random()), issuer)
    }

    #[test]
    fn the_session_cookie_is_strict_http_only_and_secure_under_https() {
        let https = session_cookie(&service("https://auth.example"), "v", None);
        let https = https.to_str().unwrap();
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console", "Secure"] {
            assert!(https.contains(attribute), "{https}");
        }
        let http = session_cookie(&service("http://127.0.0.1:8080"), "v", None);
        assert!(!http.to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn pages_allow_no_inline_script_and_are_never_framed() {
        let response = html(StatusCode::OK, maud::html! { p { "x" } });
        let csp = response.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(response.headers()["x-frame-options"], "DENY");
    }
}
