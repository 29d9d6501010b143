//! Signing in and out: the tenant chooser, the start of Tessera's own authorization-code flow
//! (PKCE S256), its callback, and sign-out (which revokes the session's token).

use super::layout::standalone;
use super::{error_page, html, see_other, session_cookie, session_id, Console, Form};
use crate::service::console::ConsoleError;
use crate::service::Service;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
pub struct Chooser {
    tenant: Option<String>,
}

/// `GET /console`: signed in, the user's start page; otherwise the tenant chooser (a plain GET
/// form that leads to `/console/t/{tenant}`).
pub async fn home(State(s): State<Arc<Service>>, headers: HeaderMap, Query(q): Query<Chooser>) -> Response {
    if let Some(tenant) = q.tenant.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let encoded: String = form_urlencoded::byte_serialize(tenant.as_bytes()).collect();
        return see_other(&format!("/console/t/{encoded}"));
    }
    if let Some(session) = session_id(&headers) {
        if let Ok(who) = s.console_principal(session).await {
            return if who.is_server_admin() {
                see_other("/console/overview")
            } else {
                see_other(&format!("/console/t/{}", who.tenant))
            };
        }
    }
    html(
        StatusCode::OK,
        standalone(
            "Sign in",
            html! {
                div.card {
                    h1 { "Sign in to the console" }
                    p { "Choose the tenant your account belongs to. Server administrators sign in to "
                        code { "system" } "." }
                    form method="get" action="/console" {
                        label for="tenant" { "Tenant" }
                        input type="text" id="tenant" name="tenant" required autocomplete="organization"
                            autocapitalize="none" spellcheck="false";
                        div.actions { button type="submit" { "Continue to sign-in" } }
                    }
                }
            },
        ),
    )
}

/// Starts the flow for `tenant`: a pending session in a new cookie, then the authorization page.
pub async fn begin(s: &Service, tenant: &str) -> Response {
    match s.console_begin(tenant).await {
        Ok((session, url)) => {
            let mut response = see_other(&url);
            response
                .headers_mut()
                .append(SET_COOKIE, session_cookie(s, &session, None));
            response
        }
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /console/callback`: the authorization server's answer to the console's request.
pub async fn callback(State(s): State<Arc<Service>>, headers: HeaderMap, Query(q): Query<Callback>) -> Response {
    let Some(session) = session_id(&headers) else {
        return error_page(ConsoleError::SignIn("no sign-in was started in this browser"));
    };
    let (Some(code), Some(state)) = (q.code, q.state) else {
        let why = if q.error.is_some() {
            "sign-in was cancelled"
        } else {
            "the answer had no code"
        };
        return error_page(ConsoleError::SignIn(why));
    };
    match s.console_finish(session, &code, &state).await {
        Ok(_) => see_other("/console"),
        Err(e) => error_page(e),
    }
}

/// `POST /console/signout`: revokes the token, forgets the session, clears the cookie.
pub async fn sign_out(State(s): State<Arc<Service>>, console: Console, form: Form) -> Response {
    if let Err(refused) = form.checked(&s, &console) {
        return refused.into();
    }
    if let Err(e) = s.console_sign_out(&console.session).await {
        return error_page(e);
    }
    let mut response = html(
        StatusCode::OK,
        standalone(
            "Signed out",
            html! {
                div.card {
                    h1 { "You are signed out" }
                    p { "Your session token was revoked, and the login page will ask for your password again." }
                    p { a href="/console" { "Sign in again" } }
                }
            },
        ),
    );
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, session_cookie(&s, "", Some(0)));
    headers.append(SET_COOKIE, crate::http::authorize::cookies::end_session(&s));
    response
}
