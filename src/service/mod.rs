//! The service layer: grants, policies, lifetimes, token minting and admin rules; no HTTP or SQL.

pub mod admin;
pub mod authorize;
pub mod bootstrap;
pub mod client_auth;
pub mod error;
pub mod grants;
pub mod introspect;
pub mod issue;
pub mod passwords;
pub mod scopes;

use crate::clock::Clock;
use crate::store::Store;
use crate::token::Keyring;
use std::sync::Arc;

pub use error::OAuthError;

/// Built-in lifetimes (seconds) when neither client nor tenant sets one.
pub mod defaults {
    pub const ACCESS_TOKEN_TTL: i64 = 3600;
    pub const USER_ACCESS_TOKEN_TTL: i64 = 3600;
    pub const REFRESH_TOKEN_TTL: i64 = 1_209_600;
    pub const CODE_TTL: i64 = 60;
}

pub struct Service {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub keys: Arc<Keyring>,
    /// Public base URL, without a trailing slash; `iss` of introspection answers.
    pub issuer: Arc<str>,
    /// Failed logins on the authorization pages, per username.
    pub login_throttle: authorize::LoginThrottle,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, keys: Arc<Keyring>, issuer: &str) -> Self {
        Self {
            store,
            clock,
            keys,
            issuer: issuer.trim_end_matches('/').into(),
            login_throttle: authorize::LoginThrottle::default(),
        }
    }
}
