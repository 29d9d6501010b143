//! The token endpoint's grants: the request enum and the dispatch to one file per grant.

mod authorization_code;
mod client_credentials;
mod password;
mod refresh_token;

use super::client_auth::ClientCredentials;
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
    /// `POST /oauth/token`: authenticate the client, then run its grant.
    pub async fn token(
        &self,
        credentials: ClientCredentials,
        request: TokenRequest,
    ) -> Result<TokenResponse, OAuthError> {
        let client = self.authenticate_client(&credentials).await?;
        self.grant(client, request).await
    }

    /// The token endpoint after client authentication: run the request's grant for `client`.
    pub async fn grant(&self, client: Arc<Client>, request: TokenRequest) -> Result<TokenResponse, OAuthError> {
        if !client.allows_grant(request.grant_type()) {
            return Err(OAuthError::UnauthorizedClient(
                format!("the client may not use the {} grant", request.grant_type()).into(),
            ));
        }
        match request {
            TokenRequest::ClientCredentials { scope } => self.client_credentials(client, scope.as_deref()).await,
            TokenRequest::Password {
                username,
                password,
                scope,
            } => self.password(client, &username, password, scope.as_deref()).await,
            TokenRequest::RefreshToken { refresh_token, scope } => {
                self.refresh_token(client, refresh_token.expose(), scope.as_deref())
                    .await
            }
            TokenRequest::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                self.authorization_code(client, code.expose(), redirect_uri.as_deref(), code_verifier.as_ref())
                    .await
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A service on a memory store with a manual clock, one tenant and a few clients.
    use crate::clock::ManualClock;
    use crate::model::*;
    use crate::secret::Secret;
    use crate::service::client_auth::ClientCredentials;
    use crate::service::Service;
    use crate::store::embedded::EmbeddedStore;
    use crate::token::{hash_client_secret, Keyring};
    use std::sync::Arc;

    pub const NOW: i64 = 1_700_000_000;
    pub const SECRET: &str = "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret";

    pub struct Fixture {
        pub service: Service,
        pub clock: Arc<ManualClock>,
    }

    pub async fn fixture() -> Fixture {
        let clock = Arc::new(ManualClock::new(NOW));
        let store = Arc::new(EmbeddedStore::in_memory());
        let service = Service::new(store, clock.clone(), Arc::new(Keyring::random()), "http://tessera.test");
        service
            .store
            .create_tenant(Tenant {
                id: "acme".into(),
                name: "Acme".into(),
                settings: TokenSettings::default(),
            })
            .await
            .unwrap();
        Fixture { service, clock }
    }

    impl Fixture {
        pub async fn client(&self, id: &str, grants: &[&str], settings: TokenSettings) -> ClientCredentials {
            self.service
                .store
                .create_client(Client {
                    client_id: id.into(),
                    tenant: "acme".into(),
                    name: id.into(),
                    secret_hash: Some(hash_client_secret(SECRET)),
                    grant_types: grants.iter().map(|g| GrantType::parse(g).unwrap()).collect(),
                    scopes: vec!["read".into(), "write".into()],
                    redirect_uris: vec![],
                    authorities: vec!["ROLE_APP".into()],
                    public: false,
                    settings,
                    allowed_origins: vec![],
                })
                .await
                .unwrap();
            credentials(id)
        }

        pub async fn user(&self, name: &str, password: &str) {
            let hash = crate::service::passwords::hash(Secret::new(password.into()))
                .await
                .unwrap();
            self.service
                .store
                .create_user(User {
                    tenant: "acme".into(),
                    username: name.into(),
                    password_hash: hash,
                    authorities: vec!["ROLE_USER".into()],
                    enabled: true,
                })
                .await
                .unwrap();
        }

        /// Client `web` (password and refresh grants) and user `alice`, signed in once.
        pub async fn logged_in(&self) -> crate::service::issue::TokenResponse {
            self.client("web", &["password", "refresh_token"], TokenSettings::default())
                .await;
            self.user("alice", "wonderland").await;
            let login = super::TokenRequest::Password {
                username: Username::parse("alice".into()).unwrap(),
                password: Secret::new("wonderland".into()),
                scope: None,
            };
            self.service.token(credentials("web"), login).await.unwrap()
        }
    }

    pub fn credentials(id: &str) -> ClientCredentials {
        ClientCredentials::Basic {
            client_id: ClientId::parse(id.into()).unwrap(),
            secret: Secret::new(SECRET.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClientId;

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
