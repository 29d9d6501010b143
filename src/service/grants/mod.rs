//! The token endpoint's grants: the request enum and the dispatch to one file per grant.

mod authorization_code;
mod client_credentials;
mod password;
mod refresh_token;
mod resource;

pub use resource::{requested, Requested};

use super::issue::TokenResponse;
use super::{OAuthError, Service};
use crate::model::{Client, GrantType, Username};
use crate::secret::Secret;
use serde::{Deserialize, Deserializer};
use std::sync::Arc;

/// A token request, parsed by its `grant_type` (RFC 6749 §4).
#[derive(Debug, Deserialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
pub enum TokenRequest {
    ClientCredentials {
        scope: Option<String>,
    },
    Password {
        #[serde(deserialize_with = "username")]
        username: Username,
        password: Secret<String>,
        scope: Option<String>,
    },
    RefreshToken {
        refresh_token: Secret<String>,
        scope: Option<String>,
    },
    AuthorizationCode {
        code: Secret<String>,
        redirect_uri: Option<String>,
        code_verifier: Option<Secret<String>>,
    },
}

impl TokenRequest {
    /// Builds the request from form pairs (client authentication parameters already removed).
    pub fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Result<Self, OAuthError> {
        let grant_type = pairs
            .clone()
            .find(|(k, _)| *k == "grant_type")
            .map(|(_, v)| v)
            .ok_or(OAuthError::InvalidRequest("missing parameter grant_type".into()))?;
        if GrantType::parse(grant_type).is_none() {
            return Err(OAuthError::UnsupportedGrantType(
                format!("grant_type {grant_type:?} is not supported").into(),
            ));
        }
        let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(pairs);
        TokenRequest::deserialize(de).map_err(|e| OAuthError::InvalidRequest(describe(e).into()))
    }

    pub fn grant_type(&self) -> GrantType {
        match self {
            TokenRequest::ClientCredentials { .. } => GrantType::ClientCredentials,
            TokenRequest::Password { .. } => GrantType::Password,
            TokenRequest::RefreshToken { .. } => GrantType::RefreshToken,
            TokenRequest::AuthorizationCode { .. } => GrantType::AuthorizationCode,
        }
    }
}

/// A name no user can have (a NUL byte, a space, …) is a malformed request: refused here, before
/// any store lookup, rather than looked up and not found.
fn username<'de, D: Deserializer<'de>>(d: D) -> Result<Username, D::Error> {
    Username::parse(String::deserialize(d)?).map_err(|e| serde::de::Error::custom(format!("username: {e}")))
}

fn describe(e: serde::de::value::Error) -> String {
    let text = e.to_string();
    match text.strip_prefix("missing field `") {
        Some(rest) => format!("missing parameter {}", rest.trim_end_matches('`')),
        None => text,
    }
}

impl Service {
    /// Authenticate the client, then [`Service::grant`]: the one-call form the unit tests use
    /// (the handler authenticates first, to know which client's CORS origins apply).
    #[cfg(test)]
    pub async fn token(
        &self,
        credentials: super::client_auth::ClientCredentials,
        request: TokenRequest,
    ) -> Result<TokenResponse, OAuthError> {
        let client = self.authenticate_client(&credentials).await?;
        self.grant(client, request, None).await
    }

    /// The token endpoint after client authentication: run the request's grant for `client`, for
    /// the audiences it asked for ([`requested`]).
    pub async fn grant(
        &self,
        client: Arc<Client>,
        request: TokenRequest,
        audience: Requested,
    ) -> Result<TokenResponse, OAuthError> {
        if !client.allows_grant(request.grant_type()) {
            return Err(OAuthError::UnauthorizedClient(
                format!("the client may not use the {} grant", request.grant_type()).into(),
            ));
        }
        match request {
            TokenRequest::ClientCredentials { scope } => {
                self.client_credentials(client, scope.as_deref(), audience).await
            }
            TokenRequest::Password {
                username,
                password,
                scope,
            } => {
                self.password(client, &username, password, scope.as_deref(), audience)
                    .await
            }
            TokenRequest::RefreshToken { refresh_token, scope } => {
                self.refresh_token(client, refresh_token.expose(), scope.as_deref(), audience)
                    .await
            }
            TokenRequest::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                let request = (redirect_uri.as_deref(), code_verifier.as_ref());
                self.authorization_code(client, code.expose(), request, audience).await
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClientId;
    use crate::service::client_auth::ClientCredentials;

    fn parse(pairs: &[(&str, &str)]) -> Result<TokenRequest, OAuthError> {
        TokenRequest::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn parses_each_grant_by_its_type() {
        assert!(matches!(
            parse(&[("grant_type", "client_credentials")]),
            Ok(TokenRequest::ClientCredentials { scope: None })
        ));
        let p = parse(&[
            ("grant_type", "password"),
            ("username", "a"),
            ("password", "b"),
            ("scope", "read"),
        ])
        .unwrap();
        assert!(matches!(p, TokenRequest::Password { ref username, scope: Some(_), .. } if username.as_str() == "a"));
        assert!(matches!(
            parse(&[("refresh_token", "x"), ("grant_type", "refresh_token")]),
            Ok(TokenRequest::RefreshToken { .. })
        ));
    }

    #[test]
    fn names_what_is_wrong() {
        assert!(matches!(parse(&[]), Err(OAuthError::InvalidRequest(m)) if m.contains("grant_type")));
        assert!(matches!(
            parse(&[("grant_type", "implicit")]),
            Err(OAuthError::UnsupportedGrantType(_))
        ));
        assert!(
            matches!(parse(&[("grant_type", "password"), ("username", "a")]), Err(OAuthError::InvalidRequest(m)) if m == "missing parameter password")
        );
        for bad in ["alice\0", "alice ", "al\u{200B}ice"] {
            let login = parse(&[("grant_type", "password"), ("username", bad), ("password", "b")]);
            assert!(
                matches!(login, Err(OAuthError::InvalidRequest(ref m)) if m.starts_with("username: must be")),
                "{bad:?}: {login:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_grant_the_client_is_not_allowed_is_unauthorized_client() {
        let f = testing::fixture().await;
        let creds = f.client("app", &["client_credentials"], Default::default()).await;
        let req = parse(&[("grant_type", "password"), ("username", "a"), ("password", "b")]).unwrap();
        assert!(matches!(
            f.service.token(creds, req).await,
            Err(OAuthError::UnauthorizedClient(_))
        ));
    }

    #[tokio::test]
    async fn wrong_secret_or_unknown_client_is_invalid_client() {
        let f = testing::fixture().await;
        f.client("app", &["client_credentials"], Default::default()).await;
        let wrong = ClientCredentials::Post {
            client_id: ClientId::parse("app".into()).unwrap(),
            secret: Secret::new("nope".into()),
        };
        let req = || parse(&[("grant_type", "client_credentials")]).unwrap();
        assert!(matches!(
            f.service.token(wrong, req()).await,
            Err(OAuthError::InvalidClient)
        ));
        let unknown = testing::credentials("ghost");
        assert!(matches!(
            f.service.token(unknown, req()).await,
            Err(OAuthError::InvalidClient)
        ));
        let id_only = ClientCredentials::IdOnly {
            client_id: ClientId::parse("app".into()).unwrap(),
        };
        assert!(matches!(
            f.service.token(id_only, req()).await,
            Err(OAuthError::InvalidClient)
        ));
    }
}
