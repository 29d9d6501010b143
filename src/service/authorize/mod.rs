//! The authorization endpoint's rules (RFC 6749 §4.1, RFC 7636 PKCE): which bad requests get an
//! error page and which are sent back to the client, and the pending request the login and
//! consent pages carry, signed, so that any node can continue it without server-side state.

mod approve;
mod callback;
mod csrf;
pub mod login;

pub use callback::Callback;
pub use login::{LoginError, LoginSession};

use super::{scopes, Service};
use crate::model::{redirect_uri, Client, ClientId, GrantType, Tenant};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// How long a user has to get through the login and consent pages.
const PENDING_TTL: i64 = 600;
/// Longer `state` values are refused: the value travels in the signed pending request.
const MAX_STATE: usize = 1024;

/// The query of `GET /oauth/authorize`, as received.
#[derive(Debug, Default, Clone)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// A validated request on its way through the pages. Short field names keep the form small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingRequest {
    #[serde(rename = "c")]
    pub client_id: String,
    #[serde(rename = "r")]
    pub redirect_uri: String,
    /// Whether the request named the redirect URI: then the token request must repeat it (§4.1.3).
    #[serde(rename = "g")]
    pub redirect_uri_given: bool,
    #[serde(rename = "s")]
    pub scopes: Vec<String>,
    #[serde(rename = "st", default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// S256 challenge.
    #[serde(rename = "pk", default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(rename = "e")]
    pub expires_at: i64,
}

impl PendingRequest {
    /// How to answer this request, for the server known as `issuer`.
    pub fn callback<'a>(&'a self, issuer: &'a str) -> Callback<'a> {
        Callback {
            redirect_uri: &self.redirect_uri,
            state: self.state.as_deref(),
            issuer,
        }
    }
}

#[derive(Debug)]
pub enum AuthorizeError {
    /// Unknown client or unregistered redirect URI: shown to the user, never redirected (§4.1.2.1).
    Page(Cow<'static, str>),
    /// An error answer for the client: the full redirect URL.
    Redirect(String),
    Store(StoreError),
}

impl From<StoreError> for AuthorizeError {
    fn from(e: StoreError) -> Self {
        AuthorizeError::Store(e)
    }
}

/// A request the pages can act on, with the client and tenant it names.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub client: Arc<Client>,
    pub tenant: Arc<Tenant>,
    pub request: PendingRequest,
}

/// No redirect URI to send the user back to, so the error is shown here (RFC 6749 §4.1.2.1).
/// The page names only what the client's own setup lacks; the log says which client and tenant.
fn no_redirect_uri(client: &Client) -> AuthorizeError {
    let message = if !client.allows_grant(GrantType::AuthorizationCode) {
        "This application is not set up for sign-in here: it may not use the authorization_code grant."
    } else if client.redirect_uris.is_empty() {
        "This application is not set up for sign-in here: it has no registered redirect URIs."
    } else {
        return AuthorizeError::Page("The request must name one of the application's registered redirect URIs.".into());
    };
    tracing::info!(client_id = %client.client_id, tenant = %client.tenant, reason = message, "authorization request refused");
    AuthorizeError::Page(message.into())
}

/// RFC 7636 §4.2: an S256 challenge is base64url(SHA-256), always 43 characters; anything else
/// could never match a verifier.
fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

impl Service {
    /// Checks a fresh `GET /oauth/authorize`.
    pub async fn start_authorization(&self, params: AuthorizeParams) -> Result<Authorization, AuthorizeError> {
        let client_id = params.client_id.ok_or(AuthorizeError::Page(
            "The request names no client (client_id is missing).".into(),
        ))?;
        let unknown = || AuthorizeError::Page("The application that sent you here is not known.".into());
        // An id no client can have (a NUL byte, a space, …) is not looked up.
        let client_id = ClientId::parse(client_id).map_err(|_| unknown())?;
        let client = self.store.get_client(&client_id).await?.ok_or_else(unknown)?;
        let given = params.redirect_uri.is_some();
        let redirect_uri = match params.redirect_uri {
            Some(uri) if redirect_uri::is_registered(&client.redirect_uris, &uri) => uri,
            Some(_) if client.redirect_uris.is_empty() => return Err(no_redirect_uri(&client)),
            Some(_) => {
                return Err(AuthorizeError::Page(
                    "The redirect_uri is not registered for this application.".into(),
                ))
            }
            None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
            None => return Err(no_redirect_uri(&client)),
        };
        let callback = Callback {
            redirect_uri: &redirect_uri,
            state: params.state.as_deref(),
            issuer: &self.issuer,
        };
        let fail = |error: &str, description: &str| AuthorizeError::Redirect(callback.error(error, description));
        if params.state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
            return Err(fail("invalid_request", "state is longer than 1024 characters"));
        }
        match params.response_type.as_deref() {
            None => return Err(fail("invalid_request", "missing parameter response_type")),
            Some("code") => {}
            Some(_) => {
                return Err(fail(
                    "unsupported_response_type",
                    "only response_type=code is supported",
                ))
            }
        }
        if !client.allows_grant(GrantType::AuthorizationCode) {
            return Err(fail(
                "unauthorized_client",
                "the client may not use the authorization_code grant",
            ));
        }
        let code_challenge = match (params.code_challenge, params.code_challenge_method.as_deref()) {
            (None, None) if client.public => {
                return Err(fail(
                    "invalid_request",
                    "public clients must send a PKCE code_challenge (S256)",
                ))
            }
            (None, None) => None,
            (Some(_), Some("plain")) | (None, Some("plain")) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method plain is not allowed; use S256",
                ))
            }
            (Some(challenge), Some("S256")) if valid_challenge(&challenge) => Some(challenge),
            (Some(_), Some("S256")) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge must be the base64url SHA-256 of the code_verifier",
                ))
            }
            (None, Some(_)) => return Err(fail("invalid_request", "code_challenge_method without code_challenge")),
            (Some(_), None) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method is required and must be S256",
                ))
            }
            (_, Some(_)) => return Err(fail("invalid_request", "code_challenge_method must be S256")),
        };
        let scopes = scopes::resolve(params.scope.as_deref(), &client.scopes)
            .map_err(|e| fail("invalid_scope", &e.description()))?;
        let tenant = self.store.get_tenant(&client.tenant).await?.ok_or_else(unknown)?;
        let request = PendingRequest {
            client_id: client.client_id.to_string(),
            redirect_uri: redirect_uri.clone(),
            redirect_uri_given: given,
            scopes: scopes.to_vec(),
            state: params.state,
            code_challenge,
            expires_at: self.clock.now().saturating_add(PENDING_TTL),
        };
        Ok(Authorization {
            client,
            tenant,
            request,
        })
    }

    /// The signed form of a pending request, for the pages' hidden field.
    pub fn seal_request(&self, request: &PendingRequest) -> String {
        let payload = serde_json::to_vec(request).expect("plain data serializes");
        self.keys.sign("authorize", &payload)
    }

    /// A pending request back from a form: signature, expiry, and that the client still exists
    /// with that redirect URI.
    pub async fn resume_authorization(&self, sealed: &str) -> Result<Authorization, AuthorizeError> {
        let expired = || AuthorizeError::Page("This sign-in page has expired.".into());
        let payload = self.keys.open_signed("authorize", sealed).ok_or_else(expired)?;
        let request: PendingRequest = serde_json::from_slice(&payload).map_err(|_| expired())?;
        if request.expires_at <= self.clock.now() {
            return Err(expired());
        }
        let client = crate::store::client_of(&*self.store, &request.client_id)
            .await?
            .filter(|c| redirect_uri::is_registered(&c.redirect_uris, &request.redirect_uri))
            .ok_or(AuthorizeError::Page(
                "The application that sent you here is no longer known.".into(),
            ))?;
        let tenant = self
            .store
            .get_tenant(&client.tenant)
            .await?
            .ok_or(AuthorizeError::Page(
                "The application that sent you here is no longer known.".into(),
            ))?;
        Ok(Authorization {
            client,
            tenant,
            request,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_43_base64url_characters() {
        assert!(valid_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!valid_challenge("short"));
        assert!(!valid_challenge(&"a".repeat(44)));
        assert!(!valid_challenge(&format!("{}~", "a".repeat(42))));
    }

    #[test]
    fn a_pending_request_survives_signing_but_not_tampering() {
        let keys = crate::token::Keyring::random();
        let request = PendingRequest {
            client_id: "web".into(),
            redirect_uri: "https://app.example/cb".into(),
            redirect_uri_given: true,
            scopes: vec!["read".into()],
            state: Some("s".into()),
            code_challenge: None,
            expires_at: 10,
        };
        let sealed = keys.sign("authorize", &serde_json::to_vec(&request).unwrap());
        let back: PendingRequest = serde_json::from_slice(&keys.open_signed("authorize", &sealed).unwrap()).unwrap();
        assert_eq!(back, request);
        assert_eq!(keys.open_signed("session", &sealed), None, "not usable as a session");
    }
}
