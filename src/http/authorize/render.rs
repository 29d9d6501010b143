//! What a request to `/oauth/authorize` gets back: the login page, or after login the consent page
//! or the redirect, each with the browser's CSRF token for its form.

use super::cookies;
use super::pages::{self, FormContext};
use super::respond::{authorize_error, error_page, page, redirect};
use crate::service::authorize::Authorization;
use crate::service::Service;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

/// The browser's CSRF secret and the cookie to set if it is new.
pub(super) struct Csrf {
    token: String,
    cookie: Option<HeaderValue>,
}

pub(super) fn csrf(service: &Service, headers: &HeaderMap) -> Csrf {
    let (secret, fresh) = cookies::csrf_secret(headers);
    Csrf {
        token: cookies::csrf_token(service, &secret),
        cookie: fresh.then(|| cookies::csrf_cookie(service, &secret)),
    }
}

/// Renders the consent page or, when the user allowed these scopes before, goes straight back.
pub(super) async fn after_login(
    service: &Service,
    auth: &Authorization,
    username: &str,
    csrf: &Csrf,
    mut cookies: Vec<HeaderValue>,
    redirect_status: StatusCode,
) -> Response {
    let user = match service.signed_in_user(auth, username).await {
        Ok(Some(user)) => user,
        Ok(None) => return error_page(StatusCode::BAD_REQUEST, "This account is no longer available."),
        Err(e) => return authorize_error(e.into(), redirect_status),
    };
    match service.consent_covers(auth, &user).await {
        Ok(true) => {
            return match service.approve(auth, &user, false).await {
                Ok(url) => redirect(redirect_status, &url, cookies),
                Err(e) => authorize_error(e, redirect_status),
            }
        }
        Ok(false) => {}
        Err(e) => return authorize_error(e, redirect_status),
    }
    cookies.extend(csrf.cookie.clone());
    let sealed = service.seal_request(&auth.request);
    let ctx = form_context(auth, &sealed, &csrf.token);
    page(
        StatusCode::OK,
        pages::consent(&ctx, &user.username, &auth.request.scopes),
        cookies,
    )
}

fn form_context<'a>(auth: &'a Authorization, sealed: &'a str, csrf: &'a str) -> FormContext<'a> {
    FormContext {
        tenant_name: &auth.tenant.name,
        client_name: &auth.client.name,
        request: sealed,
        csrf,
    }
}

pub(super) fn login_page(
    service: &Service,
    auth: &Authorization,
    csrf: &Csrf,
    status: StatusCode,
    username: Option<&str>,
    error: Option<&str>,
) -> Response {
    let sealed = service.seal_request(&auth.request);
    let ctx = form_context(auth, &sealed, &csrf.token);
    page(
        status,
        pages::login(&ctx, username, error),
        csrf.cookie.clone().into_iter().collect(),
    )
}
