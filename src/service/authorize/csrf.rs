//! The authorization pages' CSRF tokens: a browser's cookie secret, signed with the server key
//! into the token its forms carry. The pages hold the cookie; the service holds the key. And the
//! user a signed-in page speaks for.

use super::Authorization;
use crate::model::User;
use crate::service::Service;
use crate::store::StoreError;
use std::sync::Arc;

impl Service {
    /// The token a page's forms carry for the browser whose CSRF cookie holds `secret`.
    pub fn csrf_token(&self, secret: &str) -> String {
        self.keys.sign("csrf", secret.as_bytes())
    }

    /// The user a login session belongs to, if it may still sign in (exists, enabled).
    pub async fn signed_in_user(&self, auth: &Authorization, username: &str) -> Result<Option<Arc<User>>, StoreError> {
        Ok(crate::store::user_of(&*self.store, &auth.client.tenant, username)
            .await?
            .filter(|u| u.enabled))
    }

    /// Whether a form's `token` was made by [`Service::csrf_token`] for this browser's `cookie`.
    pub fn csrf_matches(&self, token: &str, cookie: &str) -> bool {
        self.keys
            .open_signed("csrf", token)
            .is_some_and(|secret| subtle::ConstantTimeEq::ct_eq(secret.as_slice(), cookie.as_bytes()).into())
    }
}
