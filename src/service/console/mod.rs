//! The console's sign-in and sessions. The console is an OAuth client of Tessera itself, one per
//! tenant (`tessera-console-{tenant}`: public, PKCE S256, redirect URI `{issuer}/console/callback`,
//! provisioned on first sign-in and brought back in line on every sign-in). It is first-party, so
//! the login page is shown and no consent page. The session holds the user's access token on the
//! server only; every page asks [`Service::principal`] with it, the same check as the admin API.

mod sessions;

use super::admin::{AdminError, Principal};
use super::grants::TokenRequest;
use super::Service;
use crate::model::{Client, ClientId, GrantType, Lifetime, TenantId, TenantIdRef, TokenSettings};
use crate::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

pub use sessions::Sessions;
use sessions::State;

/// How long a console session's token lives (the session ends with it).
pub const SESSION_SECONDS: u32 = 3600;

/// Why a console request cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No session, or it ended (signed out, token expired or revoked): sign in again.
    #[error("your session has ended; please sign in again")]
    SignedOut,
    #[error("there is no tenant {0:?}")]
    NoTenant(String),
    /// The sign-in came back without a matching pending session, or the exchange failed.
    #[error("the sign-in could not be completed ({0}); please try again")]
    SignIn(&'static str),
    #[error(transparent)]
    Admin(#[from] AdminError),
}

/// The console's client id in `tenant`.
/// What a console page's CSRF token is made from: SHA-256 of the session id, base64url.
fn session_digest(session: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(session.as_bytes()))
}

/// What every console client's id starts with (the tenant follows); the admin API refuses it.
pub const CLIENT_ID_PREFIX: &str = "tessera-console-";

pub fn console_client_id(tenant: &TenantIdRef) -> ClientId {
    ClientId::parse(format!("{CLIENT_ID_PREFIX}{}", tenant.as_str())).expect("a slug after a prefix is a client id")
}

fn random() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Service {
    fn console_redirect_uri(&self) -> String {
        format!("{}/console/callback", self.issuer)
    }

    fn console_client(&self, tenant: &TenantIdRef) -> Client {
        Client {
            client_id: console_client_id(tenant),
            tenant: tenant.to_owned(),
            name: "Tessera console".into(),
            secret_hash: None,
            grant_types: vec![GrantType::AuthorizationCode],
            scopes: vec![],
            redirect_uris: vec![self.console_redirect_uri()],
            authorities: vec![],
            public: true,
            settings: TokenSettings {
                user_access_token_ttl: Some(Lifetime::of_seconds(SESSION_SECONDS)),
                // Sign-ins of many admins must not meet a tenant's per-client limit.
                max_active_tokens: Some(100_000),
                ..TokenSettings::default()
            },
            allowed_origins: vec![],
        }
    }

    /// The first-party rule: the console's own client, with the console's own redirect URI, is
    /// not shown a consent page.
    pub(crate) fn is_console_client(&self, client: &Client) -> bool {
        client.public
            && client.client_id == console_client_id(&client.tenant)
            && client.redirect_uris == [self.console_redirect_uri()]
    }

    async fn provision_console_client(&self, tenant: &TenantIdRef) -> Result<(), ConsoleError> {
        let wanted = self.console_client(tenant);
        match self
            .store
            .get_client(&wanted.client_id)
            .await
            .map_err(AdminError::from)?
        {
            None => match self.store.create_client(wanted).await {
                Ok(()) | Err(crate::store::StoreError::Conflict(_)) => Ok(()),
                Err(e) => Err(AdminError::from(e).into()),
            },
            Some(existing) if *existing == wanted => Ok(()),
            Some(existing) if existing.tenant != tenant.as_str() => Err(ConsoleError::SignIn("client id taken")),
            Some(_) => {
                self.store.update_client(wanted).await.map_err(AdminError::from)?;
                Ok(())
            }
        }
    }

    /// Starts a sign-in to `tenant`: a pending session, and where to send the browser.
    pub async fn console_begin(&self, tenant: &str) -> Result<(String, String), ConsoleError> {
        let tenant = TenantId::parse(tenant.to_string()).map_err(|_| ConsoleError::NoTenant(tenant.into()))?;
        if self
            .store
            .get_tenant(&tenant)
            .await
            .map_err(AdminError::from)?
            .is_none()
        {
            return Err(ConsoleError::NoTenant(tenant.to_string()));
        }
        self.provision_console_client(&tenant).await?;
        let (verifier, state, session) = (random(), random(), random());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let url = format!(
            "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&state={state}\
             &code_challenge={challenge}&code_challenge_method=S256",
            self.issuer,
            console_client_id(&tenant).as_str(),
            form_urlencoded::byte_serialize(self.console_redirect_uri().as_bytes()).collect::<String>(),
        );
        let pending = State::Pending {
            tenant,
            verifier: Secret::new(verifier),
            state,
        };
        self.console.insert(&session, pending, self.clock.now());
        Ok((session, url))
    }

    /// The authorization server sent the browser back: exchange the code for the session's token.
    pub async fn console_finish(&self, session: &str, code: &str, state: &str) -> Result<TenantId, ConsoleError> {
        let Some(State::Pending {
            tenant,
            verifier,
            state: expected,
        }) = self.console.take(session)
        else {
            return Err(ConsoleError::SignIn("no sign-in was started in this browser"));
        };
        if !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), state.as_bytes())) {
            return Err(ConsoleError::SignIn("the state does not match"));
        }
        let client = self
            .store
            .get_client(&console_client_id(&tenant))
            .await
            .map_err(AdminError::from)?
            .ok_or(ConsoleError::SignIn("the console client is gone"))?;
        let request = TokenRequest::AuthorizationCode {
            code: Secret::new(code.to_string()),
            redirect_uri: Some(self.console_redirect_uri()),
            code_verifier: Some(verifier),
        };
        let issued = self
            .grant(client, request, None)
            .await
            .map_err(|_| ConsoleError::SignIn("the code was refused"))?;
        let now = self.clock.now();
        let signed_in = State::SignedIn {
            tenant: tenant.clone(),
            expires_at: issued.expires_in.map(|s| now + s),
            token: Secret::new(issued.access_token),
        };
        self.console.insert(session, signed_in, now);
        Ok(tenant)
    }

    /// The signed-in user behind a session, checked as the admin API checks a bearer token; an
    /// ended session is forgotten.
    pub async fn console_principal(&self, session: &str) -> Result<Principal, ConsoleError> {
        let token = self
            .console
            .token(session, self.clock.now())
            .ok_or(ConsoleError::SignedOut)?;
        match self.principal(token.expose()).await {
            Ok(who) => Ok(who),
            Err(AdminError::InvalidToken | AdminError::NoToken) => {
                self.console.take(session);
                Err(ConsoleError::SignedOut)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Signing out revokes the session's token (opaque or JWT) and forgets the session.
    pub async fn console_sign_out(&self, session: &str) -> Result<(), ConsoleError> {
        if let Some(State::SignedIn { token, tenant, .. }) = self.console.take(session) {
            if let Some((_, id)) = self.recognise(token.expose()) {
                let revoked = self.store.revoke_token(&id).await.map_err(AdminError::from)?;
                let revocation = crate::metrics::Revocation::Admin;
                self.metrics.tokens.revoked(&tenant, revocation, u64::from(revoked));
            }
        }
        Ok(())
    }

    /// The CSRF token of a session's forms: a digest of the session id, signed as the login page
    /// signs its CSRF cookie. A form from another site cannot know it, and the page does not show
    /// the session id (a signed value is readable, and the id is the sign-in).
    pub fn console_csrf(&self, session: &str) -> String {
        self.csrf_token(&session_digest(session))
    }

    pub fn console_csrf_ok(&self, session: &str, token: &str) -> bool {
        self.csrf_matches(token, &session_digest(session))
    }

    /// A one-time message for the session's next page.
    pub fn console_flash(&self, session: &str, message: String) {
        self.console.flash(session, message);
    }

    pub fn console_take_flash(&self, session: &str) -> Option<String> {
        self.console.take_flash(session)
    }
}

#[cfg(test)]
mod tests {
    use crate::service::grants::testing::fixture;

    #[tokio::test]
    async fn a_forms_csrf_token_matches_its_session_only_and_does_not_show_its_id() {
        use base64::Engine;
        let f = fixture().await;
        let session = "session-id-of-a-signed-in-browser";
        let token = f.service.console_csrf(session);
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(session);
        assert!(!token.contains(session) && !token.contains(&encoded), "{token}");
        assert!(f.service.console_csrf_ok(session, &token));
        assert!(!f.service.console_csrf_ok("another-session", &token));
        assert!(!f.service.console_csrf_ok(session, session));
    }
}
