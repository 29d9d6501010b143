//! The end of the pages: whether consent must be asked, remembering it, and answering the
//! client with a one-use code (or `access_denied`).

use super::{Authorization, AuthorizeError};
use crate::model::{Consent, Lifetime, TokenId, TokenKind, TokenProfile, TokenRecord, User};
use crate::service::{defaults, Service};
use crate::store::StoreError;
use std::sync::Arc;

impl Service {
    /// True when the user allowed every requested scope for this client before.
    pub async fn consent_covers(&self, auth: &Authorization, user: &User) -> Result<bool, AuthorizeError> {
        // The console is first-party: its users are not asked to allow it.
        if self.is_console_client(&auth.client) {
            return Ok(true);
        }
        let remembered = self.store.get_consent(&auth.client.client_id, &user.username).await?;
        Ok(remembered.is_some_and(|c| auth.request.scopes.iter().all(|s| c.scopes.contains(s))))
    }

    /// The user allowed: remember it (added to what was allowed before) unless it was already
    /// covered, store a code, and return the redirect to the client.
    pub async fn approve(&self, auth: &Authorization, user: &User, remember: bool) -> Result<String, AuthorizeError> {
        let now = self.clock.now();
        let client = &auth.client;
        let request = &auth.request;
        let callback = request.callback(&self.issuer);
        let gone = || {
            AuthorizeError::Redirect(callback.error("access_denied", "the user or the client is no longer available"))
        };
        if remember {
            let consent = Consent {
                tenant: client.tenant.clone(),
                client_id: client.client_id.clone(),
                subject: user.username.to_string(),
                scopes: request.scopes.clone(),
                granted_at: now,
            };
            match self.store.grant_consent(consent).await {
                Ok(_) => {}
                Err(StoreError::Missing(_)) => return Err(gone()),
                Err(e) => return Err(e.into()),
            }
        }
        // Client, then tenant, then the default; a code that never expires would defeat its
        // purpose, so a `Never` setting does not count.
        let ttl = [client.settings.code_ttl, auth.tenant.settings.code_ttl]
            .into_iter()
            .flatten()
            .find(|ttl| *ttl != Lifetime::Never)
            .unwrap_or(defaults::CODE_TTL);
        let mut bindings = serde_json::Map::new();
        bindings.insert("redirect_uri".into(), request.redirect_uri.clone().into());
        bindings.insert("redirect_uri_given".into(), request.redirect_uri_given.into());
        if let Some(challenge) = &request.code_challenge {
            bindings.insert("code_challenge".into(), challenge.clone().into());
            bindings.insert("code_challenge_method".into(), "S256".into());
        }
        let id = TokenId::generate();
        let profile = Arc::new(TokenProfile {
            tenant: client.tenant.as_str().into(),
            client_id: client.client_id.as_str().into(),
            subject: Some(user.username.as_str().into()),
            scopes: request.scopes.as_slice().into(),
            authorities: user.authorities.as_slice().into(),
        });
        // Every token the code turns into carries its id, so a replay can revoke them all.
        let expires_at = ttl.expiry(now);
        let mut code = TokenRecord::new(id, TokenKind::Code, profile, now, expires_at, id);
        code.properties = Some(Arc::new(bindings));
        if !self.store.insert_code(code).await? {
            return Err(gone());
        }
        let value = self.keys.mint(TokenKind::Code, &id);
        Ok(callback.code(value.expose()))
    }

    /// The user said no (§4.1.2.1 `access_denied`).
    pub fn deny(&self, auth: &Authorization) -> String {
        auth.request
            .callback(&self.issuer)
            .error("access_denied", "the user denied the request")
    }
}
