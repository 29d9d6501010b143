//! `/oauth/authorize` and its two forms: the login page, the consent page, and the redirects
//! back to the client. Thin: parse, check the CSRF token, call the service, render.

pub(super) mod cookies;
mod pages;
mod render;
mod respond;

pub(super) use respond::harden_with;

use super::form::{self, Pairs};
use crate::secret::Secret;
use crate::service::authorize::{Authorization, AuthorizeParams, LoginError};
use crate::service::Service;
use axum::extract::{RawQuery, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use render::{after_login, csrf, login_page};
use respond::{authorize_error, error_page, redirect};
use std::sync::Arc;

type Svc = State<Arc<Service>>;

fn take(pairs: &mut Pairs<'_>, name: &str) -> Option<String> {
    form::take(pairs, name).map(|v| v.into_owned())
}

#[utoipa::path(get, path = "/oauth/authorize", tag = "authorize",
    description = "RFC 6749 §4.1 with PKCE (RFC 7636, `S256` only; required for public clients). Shows \
        the login page, then the consent page unless the user allowed these scopes before, then \
        redirects to the client with `code`, `state` and `iss` (RFC 9207). An unknown client or unregistered \
        `redirect_uri` gets an error page, never a redirect; other errors go back to the client.",
    params(
        ("response_type" = String, Query, description = "`code`"),
        ("client_id" = String, Query),
        ("redirect_uri" = Option<String>, Query, description = "Exactly as registered, except that a registered \
            `http://127.0.0.1` or `http://[::1]` URI admits any port; optional when the client has one"),
        ("scope" = Option<String>, Query, description = "Space-separated; defaults to all the client's scopes"),
        ("state" = Option<String>, Query, description = "Returned unchanged"),
        ("code_challenge" = Option<String>, Query, description = "base64url(SHA-256(code_verifier))"),
        ("code_challenge_method" = Option<String>, Query, description = "`S256`"),
    ),
    responses(
        (status = 200, description = "Login or consent page", content_type = "text/html", body = String),
        (status = 302, description = "Back to the client with `code` or `error`, `state` and `iss`"),
        (status = 400, description = "Error page: unknown client or redirect URI", content_type = "text/html", body = String),
    ))]
pub async fn authorize(State(s): Svc, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let mut pairs = match form::parse(query.as_bytes()) {
        Ok(pairs) => pairs,
        Err(e) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                &format!("The request is malformed: {}.", e.description()),
            )
        }
    };
    let params = AuthorizeParams {
        response_type: take(&mut pairs, "response_type"),
        client_id: take(&mut pairs, "client_id"),
        redirect_uri: take(&mut pairs, "redirect_uri"),
        scope: take(&mut pairs, "scope"),
        state: take(&mut pairs, "state"),
        code_challenge: take(&mut pairs, "code_challenge"),
        code_challenge_method: take(&mut pairs, "code_challenge_method"),
    };
    let auth = match s.start_authorization(params).await {
        Ok(auth) => auth,
        Err(e) => return authorize_error(e, StatusCode::FOUND),
    };
    let csrf = csrf(&s, &headers);
    let signed_in = match signed_in(&s, &headers, &auth).await {
        Ok(user) => user,
        Err(e) => return authorize_error(e.into(), StatusCode::FOUND),
    };
    match signed_in {
        Some(user) => after_login(&s, &auth, &user.username, &csrf, vec![], StatusCode::FOUND).await,
        None => login_page(&s, &auth, &csrf, StatusCode::OK, None, None),
    }
}

/// The user this browser is signed in as, in the request's tenant.
async fn signed_in(
    s: &Service,
    headers: &HeaderMap,
    auth: &Authorization,
) -> Result<Option<Arc<crate::model::User>>, crate::store::StoreError> {
    match cookies::read(headers, cookies::SESSION) {
        Some(cookie) => s.session_user(cookie, &auth.client.tenant).await,
        None => Ok(None),
    }
}

/// The form fields every page posts, after the CSRF check and with the request resumed.
async fn resume(s: &Service, headers: &HeaderMap, body: &[u8]) -> Result<(Authorization, Pairs<'static>), Response> {
    let mut pairs: Pairs<'static> = match form::parse(body) {
        Ok(pairs) => pairs
            .into_iter()
            .map(|(k, v)| (k.into_owned().into(), v.into_owned().into()))
            .collect(),
        Err(e) => {
            return Err(error_page(
                StatusCode::BAD_REQUEST,
                &format!("The form is malformed: {}.", e.description()),
            ))
        }
    };
    if !cookies::csrf_ok(s, headers, form::get(&pairs, "csrf")) {
        return Err(error_page(
            StatusCode::FORBIDDEN,
            "This form has expired or was not sent from this site.",
        ));
    }
    let sealed = take(&mut pairs, "request").unwrap_or_default();
    match s.resume_authorization(&sealed).await {
        Ok(auth) => Ok((auth, pairs)),
        Err(e) => Err(authorize_error(e, StatusCode::SEE_OTHER)),
    }
}

#[utoipa::path(post, path = "/oauth/authorize/login", tag = "authorize",
    description = "The login form. The same message for an unknown user, a wrong password and a disabled \
        account; repeated failures for one username make it wait (429 with `Retry-After`).",
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "`request`, `csrf`, `username`, `password`"),
    responses(
        (status = 200, description = "Consent page, or the login page again with an error", content_type = "text/html", body = String),
        (status = 303, description = "Back to the client with `code`, `state` and `iss` (consent given before)"),
        (status = 400, description = "Error page", content_type = "text/html", body = String),
        (status = 403, description = "CSRF check failed", content_type = "text/html", body = String),
        (status = 429, description = "Too many failed attempts for this username", content_type = "text/html", body = String),
    ))]
pub async fn login(State(s): Svc, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let (auth, mut pairs) = match resume(&s, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let csrf = csrf(&s, &headers);
    let username = take(&mut pairs, "username");
    let password = take(&mut pairs, "password");
    let (Some(username), Some(password)) = (username.as_deref(), password) else {
        let error = "Enter your username and password.";
        return login_page(
            &s,
            &auth,
            &csrf,
            StatusCode::BAD_REQUEST,
            username.as_deref(),
            Some(error),
        );
    };
    match s.sign_in(&auth.client.tenant, username, Secret::new(password)).await {
        Ok(session) => {
            let cookies = vec![cookies::session(&s, session)];
            after_login(&s, &auth, username, &csrf, cookies, StatusCode::SEE_OTHER).await
        }
        Err(LoginError::Invalid) => login_page(
            &s,
            &auth,
            &csrf,
            StatusCode::OK,
            Some(username),
            Some("Invalid username or password."),
        ),
        Err(LoginError::Throttled { retry_after }) => {
            let unit = if retry_after == 1 { "second" } else { "seconds" };
            let error = format!("Too many failed attempts. Try again in {retry_after} {unit}.");
            let mut response = login_page(
                &s,
                &auth,
                &csrf,
                StatusCode::TOO_MANY_REQUESTS,
                Some(username),
                Some(&error),
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
            response
        }
        Err(LoginError::Store(e)) => authorize_error(e.into(), StatusCode::SEE_OTHER),
        Err(LoginError::Internal) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please try again.",
        ),
    }
}

#[utoipa::path(post, path = "/oauth/authorize/consent", tag = "authorize",
    description = "The consent form: `decision=allow` remembers the consent and redirects with a code; \
        `decision=deny` redirects with `error=access_denied`.",
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "`request`, `csrf`, `decision` (`allow` or `deny`)"),
    responses(
        (status = 303, description = "Back to the client with `code` or `error=access_denied`, `state` and `iss`"),
        (status = 200, description = "Login page, when the session has ended", content_type = "text/html", body = String),
        (status = 400, description = "Error page", content_type = "text/html", body = String),
        (status = 403, description = "CSRF check failed", content_type = "text/html", body = String),
    ))]
pub async fn consent(State(s): Svc, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let (auth, mut pairs) = match resume(&s, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let csrf = csrf(&s, &headers);
    let user = match signed_in(&s, &headers, &auth).await {
        Ok(user) => user,
        Err(e) => return authorize_error(e.into(), StatusCode::SEE_OTHER),
    };
    let Some(user) = user else {
        return login_page(
            &s,
            &auth,
            &csrf,
            StatusCode::OK,
            None,
            Some("Sign in again to continue."),
        );
    };
    match take(&mut pairs, "decision").as_deref() {
        Some("allow") => match s.approve(&auth, &user, true).await {
            Ok(url) => redirect(StatusCode::SEE_OTHER, &url, vec![]),
            Err(e) => authorize_error(e, StatusCode::SEE_OTHER),
        },
        Some("deny") => redirect(StatusCode::SEE_OTHER, &s.deny(&auth), vec![]),
        _ => error_page(StatusCode::BAD_REQUEST, "Choose Allow or Deny."),
    }
}
