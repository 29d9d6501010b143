//! CORS for browser apps (single-page apps, mostly public PKCE clients) on the token endpoints:
//! the preflights, and the `Access-Control-Allow-Origin` of an actual answer, which names the
//! request's origin only when the client that authenticated (or named itself) allows it.
//!
//! A refused preflight (an origin no client allows, a method other than POST) is answered like a
//! plain `OPTIONS`: 204 with `Allow` and no CORS header. That is a complete HTTP answer (RFC 9110
//! §9.3.7), and a browser fails the preflight on the missing `Access-Control-Allow-Origin`. No
//! answer carries `Access-Control-Allow-Credentials`: these endpoints use no cookies.

use crate::model::{Client, Origin};
use crate::service::{OAuthError, Service};
use axum::extract::State;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ALLOW, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

const POST: HeaderValue = HeaderValue::from_static("POST");
const GET: HeaderValue = HeaderValue::from_static("GET");
const ANY: HeaderValue = HeaderValue::from_static("*");
const ORIGIN_NAME: HeaderValue = HeaderValue::from_static("origin");
/// Client authentication (Basic), the form body's type, and a caller's request id, which the
/// server keeps and echoes for tracing.
const ALLOWED_HEADERS: HeaderValue = HeaderValue::from_static("authorization, content-type, x-request-id");
/// What a browser app may read besides the safelisted headers: when to retry a 429 or 503, and
/// the request id to quote in a support request.
const EXPOSED_HEADERS: HeaderValue = HeaderValue::from_static("retry-after, x-request-id");
/// Seconds a browser may keep a preflight's answer: ten minutes. Removing an origin from a
/// client takes effect at once anyway, since every actual answer checks its client.
const MAX_AGE: HeaderValue = HeaderValue::from_static("600");

/// The CORS part of an actual answer from a token endpoint, decided once the client is known.
pub struct Cors(Option<HeaderValue>);

impl Cors {
    /// The request's `Origin` if `client` allows it. A request without one (every request that
    /// is not from a browser) costs one header lookup: no parsing, no allocation.
    pub fn for_client(headers: &HeaderMap, client: &Client) -> Self {
        let Some(value) = headers.get(ORIGIN) else {
            return Cors(None);
        };
        let allowed = value
            .to_str()
            .ok()
            .and_then(|v| Origin::parse(v).ok())
            .is_some_and(|origin| client.allows_origin(&origin));
        Cors(allowed.then(|| value.clone()))
    }

    /// The answer, success or error, with `Access-Control-Allow-Origin` when the origin is allowed.
    pub fn answer(self, answer: Result<Response, OAuthError>) -> Response {
        let mut response = answer.into_response();
        if let Some(origin) = self.0 {
            let headers = response.headers_mut();
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED_HEADERS);
            headers.append(VARY, ORIGIN_NAME);
        }
        response
    }
}

/// The preflight of a POST to a token endpoint, allowed for an origin some client allows.
async fn preflight(service: &Service, headers: &HeaderMap) -> Result<Response, OAuthError> {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("OPTIONS, POST"));
    let Some(value) = headers.get(ORIGIN) else {
        return Ok(response);
    };
    response.headers_mut().insert(VARY, ORIGIN_NAME);
    let post = headers.get(ACCESS_CONTROL_REQUEST_METHOD) == Some(&POST);
    let origin = value.to_str().ok().and_then(|v| Origin::parse(v).ok());
    let Some(origin) = origin.filter(|_| post) else {
        return Ok(response);
    };
    if service.origin_allowed(&origin).await? {
        let h = response.headers_mut();
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value.clone());
        h.insert(ACCESS_CONTROL_ALLOW_METHODS, POST);
        h.insert(ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
        h.insert(ACCESS_CONTROL_MAX_AGE, MAX_AGE);
    }
    Ok(response)
}

/// The metadata is public: any origin may read it, and may preflight a GET of it.
pub fn public(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
    response
}

macro_rules! preflights {
    ($($name:ident $path:literal),* $(,)?) => {$(
        #[utoipa::path(options, path = $path, tag = "oauth",
            description = "CORS preflight of a POST from a browser app. With an `Origin` that some client allows \
                (one of its `allowed_origins` or the origin of one of its redirect URIs) and \
                `Access-Control-Request-Method: POST`: the `Access-Control-Allow-*` headers. Otherwise the same \
                204 without them, which the browser takes as a refusal.",
            params(
                ("Origin" = Option<String>, Header, description = "The browser app's origin"),
                ("Access-Control-Request-Method" = Option<String>, Header, description = "`POST`"),
            ),
            responses(
                (status = 204, description = "The methods this endpoint allows; the CORS headers when allowed",
                    headers(
                        ("Access-Control-Allow-Origin" = String, description = "The request's origin, when allowed"),
                        ("Access-Control-Allow-Methods" = String, description = "`POST`"),
                        ("Access-Control-Allow-Headers" = String, description = "`authorization, content-type, x-request-id`"),
                        ("Access-Control-Max-Age" = String, description = "`600`"),
                    )),
            ))]
        pub async fn $name(State(service): State<Arc<Service>>, headers: HeaderMap) -> Result<Response, OAuthError> {
            preflight(&service, &headers).await
        }
    )*};
}

preflights! {
    token_preflight "/oauth/token",
    introspect_preflight "/oauth/introspect",
    revoke_preflight "/oauth/revoke",
    revoke_token_preflight "/oauth/revoke_token",
}

#[utoipa::path(options, path = "/.well-known/oauth-authorization-server", tag = "meta",
    description = "CORS preflight of a GET: allowed from any origin.",
    responses((status = 204, description = "`Access-Control-Allow-Origin: *` and the allowed method")))]
pub async fn metadata_preflight() -> Response {
    let mut response = public(StatusCode::NO_CONTENT);
    let h = response.headers_mut();
    h.insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    h.insert(ACCESS_CONTROL_ALLOW_METHODS, GET);
    h.insert(ACCESS_CONTROL_MAX_AGE, MAX_AGE);
    response
}
