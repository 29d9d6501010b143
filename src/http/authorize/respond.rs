//! How the authorization endpoints answer: pages, redirects and error pages, all with the
//! hardening headers (never cached, never framed).

use super::{cookies, pages};
use crate::service::authorize::AuthorizeError;
use crate::service::error::RETRY_AFTER_UNAVAILABLE;
use crate::store::StoreError;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::Markup;

const CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'",
);

/// Headers every answer of these endpoints carries: never cached, never framed.
fn harden(headers: &mut HeaderMap) {
    harden_with(headers, CSP);
}

/// [`harden`]'s headers with another page's Content-Security-Policy (the console's).
pub(in crate::http) fn harden_with(headers: &mut HeaderMap, csp: HeaderValue) {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    headers.insert(HeaderName::from_static("content-security-policy"), csp);
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
}

pub(super) fn page(status: StatusCode, markup: Markup, cookies: Vec<HeaderValue>) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    harden(headers);
    for cookie in cookies {
        cookies::set(headers, cookie);
    }
    response
}

/// `302` after the GET, `303` after a form POST (so the browser follows with a GET).
pub(super) fn redirect(status: StatusCode, url: &str, cookies: Vec<HeaderValue>) -> Response {
    let Ok(location) = HeaderValue::from_str(url) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The application's redirect URI cannot be used.",
        );
    };
    let mut response = status.into_response();
    response.headers_mut().insert(LOCATION, location);
    harden(response.headers_mut());
    for cookie in cookies {
        cookies::set(response.headers_mut(), cookie);
    }
    response
}

pub(super) fn error_page(status: StatusCode, message: &str) -> Response {
    page(status, pages::error(message), vec![])
}

pub(super) fn authorize_error(e: AuthorizeError, redirect_status: StatusCode) -> Response {
    match e {
        AuthorizeError::Page(message) => error_page(StatusCode::BAD_REQUEST, &message),
        AuthorizeError::Redirect(url) => redirect(redirect_status, &url, vec![]),
        // The store logged the failure with its operation (`store::metered`).
        AuthorizeError::Store(StoreError::Unreachable(_) | StoreError::Unavailable(_) | StoreError::Deadlock(_)) => {
            unavailable_page()
        }
        AuthorizeError::Store(StoreError::Conflict(_) | StoreError::Missing(_) | StoreError::Corrupt(_)) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please try again.",
        ),
    }
}

/// 503 with `Retry-After`: the store is down or cannot write for now.
fn unavailable_page() -> Response {
    let mut response = error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "The service is briefly unavailable. Please try again in a moment.",
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_UNAVAILABLE));
    response
}
