//! The console (`/console`): server-rendered pages over the admin service, signed in through
//! Tessera's own authorization-code flow (`service::console`). Every page asks the service with
//! the signed-in user's [`Principal`], so it can do no more than the admin API allows that user.
//! These are pages, not API: they are routed here rather than documented in OpenAPI.

mod assets;
mod charts;
mod client;
mod form;
mod layout;
mod members;
mod overview;
mod signin;
mod store;
mod tenant;
mod tokens;
mod user;

use crate::service::admin::{AdminError, Principal};
use crate::service::console::ConsoleError;
use crate::service::Service;
use axum::extract::FromRequestParts;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use maud::Markup;
use std::sync::Arc;

pub use form::Form;

/// The session cookie: `HttpOnly`, `SameSite=Strict`, `Secure` under an https issuer, `/console` only.
const SESSION_COOKIE: &str = "tessera_console";

const CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
);

/// Every console page and its methods: routed by [`router`], and named to the route timers by
/// [`paths`] (so their requests are counted by route, not as `unmatched`).
fn routes() -> Vec<(&'static str, MethodRouter<Arc<Service>>)> {
    vec![
        ("/console", get(signin::home)),
        ("/console/callback", get(signin::callback)),
        ("/console/signout", post(signin::sign_out)),
        ("/console/assets/console.css", get(assets::css)),
        ("/console/assets/console.js", get(assets::js)),
        ("/console/overview", get(overview::page)),
        ("/console/tenants", post(overview::create_tenant)),
        ("/console/store", get(store::page)),
        ("/console/store/purge", post(store::purge)),
        ("/console/t/{tenant}", get(tenant::page)),
        ("/console/t/{tenant}/settings", post(tenant::update)),
        (
            "/console/t/{tenant}/clients",
            get(members::open_client).post(members::create_client),
        ),
        ("/console/t/{tenant}/users", post(members::create_user)),
        ("/console/t/{tenant}/clients/{client}", get(client::page)),
        ("/console/t/{tenant}/clients/{client}/secret", post(client::regenerate)),
        ("/console/t/{tenant}/clients/{client}/tokens", post(client::generate)),
        (
            "/console/t/{tenant}/clients/{client}/revoke-all",
            get(tokens::confirm_all).post(tokens::revoke_all),
        ),
        (
            "/console/t/{tenant}/tokens/{id}",
            get(tokens::edit).post(tokens::update),
        ),
        ("/console/t/{tenant}/tokens/{id}/revoke", post(tokens::revoke)),
        ("/console/t/{tenant}/users/{user}", get(user::page).post(user::update)),
        (
            "/console/t/{tenant}/users/{user}/authorizations/{client}",
            post(user::rescope),
        ),
        (
            "/console/t/{tenant}/users/{user}/authorizations/{client}/revoke",
            post(user::revoke),
        ),
    ]
}

pub fn router() -> Router<Arc<Service>> {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| router.route(path, methods))
}

pub fn paths() -> Vec<&'static str> {
    routes().into_iter().map(|(path, _)| path).collect()
}

/// A signed-in console request: the session id and the user as the admin API sees them.
pub struct Console {
    session: String,
    who: Principal,
}

impl Console {
    fn csrf(&self, service: &Service) -> String {
        service.console_csrf(&self.session)
    }

    /// The layout's header for this user: the forms' CSRF token, the current navigation entry,
    /// and the notice the last post left.
    fn chrome<'a>(&'a self, csrf: &'a str, current: &'a str, flash: Option<String>) -> layout::Chrome<'a> {
        layout::Chrome {
            who: &self.who,
            csrf,
            current,
            flash,
        }
    }
}

impl FromRequestParts<Arc<Service>> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Self, Response> {
        let Some(session) = session_id(&parts.headers) else {
            return Err(see_other("/console"));
        };
        match service.console_principal(session).await {
            Ok(who) => Ok(Console {
                session: session.to_string(),
                who,
            }),
            Err(ConsoleError::SignedOut) => Err(see_other("/console")),
            Err(e) => Err(error_page(e)),
        }
    }
}

fn session_id(headers: &HeaderMap) -> Option<&str> {
    crate::http::authorize::cookies::read(headers, SESSION_COOKIE).filter(|v| v.len() == 43)
}

fn session_cookie(service: &Service, value: &str, max_age: Option<i64>) -> HeaderValue {
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

fn html(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    harden(response.headers_mut());
    response
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    harden(response.headers_mut());
    response
}

/// The one table from errors to console answers: a row per case.
fn error_page(e: ConsoleError) -> Response {
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
fn words(e: &AdminError) -> String {
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

fn capitalise(text: &str) -> String {
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

type Page = Result<Response, Response>;
