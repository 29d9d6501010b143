//! The console (`/console`): server-rendered pages over the admin service, signed in through
//! Tessera's own authorization-code flow (`service::console`). Every page asks the service with
//! the signed-in user's [`Principal`], so it can do no more than the admin API allows that user.
//! These are pages, not API: they are routed here rather than documented in OpenAPI.

mod answers;
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

use crate::service::admin::Principal;
use crate::service::console::ConsoleError;
use crate::service::Service;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use std::sync::Arc;

use answers::{error_page, html, see_other, session_cookie, session_id, words};
pub use form::Form;

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

type Page = Result<Response, Response>;
