//! Signing in on the login page and the session cookie that remembers it: a signed, expiring
//! (tenant, username) pair, so any node sharing the token key accepts it.

use crate::model::{User, UsernameRef};
use crate::secret::Secret;
use crate::service::{passwords, Service};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How long a sign-in is remembered in the browser.
pub const SESSION_TTL: i64 = 8 * 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginSession {
    #[serde(rename = "t")]
    pub tenant: String,
    #[serde(rename = "u")]
    pub username: String,
    #[serde(rename = "e")]
    pub expires_at: i64,
}

#[derive(Debug)]
pub enum LoginError {
    /// Unknown user, wrong password or disabled user: the page says the same for each.
    Invalid,
    /// Too many recent failures for this username; try again after this many seconds.
    Throttled {
        retry_after: u64,
    },
    Store(StoreError),
    Internal,
}

impl Service {
    /// Checks a username and password of `tenant`; on success, the session cookie value.
    pub async fn sign_in(&self, tenant: &str, username: &str, password: Secret<String>) -> Result<String, LoginError> {
        let now = self.clock.now();
        // A name no user can have is not worth a throttle entry or an Argon2 run.
        if UsernameRef::parse(username).is_err() {
            return Err(LoginError::Invalid);
        }
        let attempt = match self
            .password_attempt(tenant, username)
            .await
            .map_err(LoginError::Store)?
        {
            Ok(attempt) => attempt,
            Err(retry_after) => return Err(LoginError::Throttled { retry_after }),
        };
        let user = crate::store::user_of(&*self.store, tenant, username)
            .await
            .map_err(LoginError::Store)?;
        let verified = passwords::verify(password, user.as_ref().map(|u| u.password_hash.clone()))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "password verification task failed");
                LoginError::Internal
            })?;
        let refused = passwords::refusal(user.as_deref(), verified);
        self.password_checked(tenant, username, attempt, refused)
            .await
            .map_err(LoginError::Store)?;
        let user = user.filter(|_| refused.is_none());
        match user {
            Some(user) => {
                let session = LoginSession {
                    tenant: tenant.to_string(),
                    username: user.username.to_string(),
                    expires_at: now.saturating_add(SESSION_TTL),
                };
                Ok(self
                    .keys
                    .sign("session", &serde_json::to_vec(&session).expect("plain data")))
            }
            None => Err(LoginError::Invalid),
        }
    }

    /// The signed-in user of `tenant` named by a session cookie, if it is valid, unexpired, and
    /// the user still exists and is enabled.
    pub async fn session_user(&self, cookie: &str, tenant: &str) -> Result<Option<Arc<User>>, StoreError> {
        let Some(payload) = self.keys.open_signed("session", cookie) else {
            return Ok(None);
        };
        let Ok(session) = serde_json::from_slice::<LoginSession>(&payload) else {
            return Ok(None);
        };
        if session.tenant != tenant || session.expires_at <= self.clock.now() {
            return Ok(None);
        }
        let user = crate::store::user_of(&*self.store, tenant, &session.username).await?;
        Ok(user.filter(|u| u.enabled))
    }
}
