//! `password` (RFC 6749 §4.3) [O]: a user token carrying the user's authorities, with a refresh
//! token when the client may refresh.

use super::Requested;
use crate::model::{Client, GrantType, Username};
use crate::secret::Secret;
use crate::service::issue::{Issuance, Issued, TokenResponse};
use crate::service::{passwords, scopes, OAuthError, Service};
use std::sync::Arc;

const BAD_LOGIN: &str = "invalid username or password";

impl Service {
    pub(super) async fn password(
        &self,
        client: Arc<Client>,
        username: &Username,
        password: Secret<String>,
        scope: Option<&str>,
        audience: Requested,
    ) -> Result<TokenResponse, OAuthError> {
        let scopes = scopes::resolve(scope, &client.scopes)?;
        // The login page's throttle: a lockout there holds here, and guesses here count there.
        let attempt = match self.password_attempt(&client.tenant, username.as_str()).await? {
            Ok(attempt) => attempt,
            Err(retry_after) => return Err(OAuthError::TooManyAttempts { retry_after }),
        };
        let user = self.store.get_user(&client.tenant, username).await?;
        let verified = passwords::verify(password, user.as_ref().map(|u| u.password_hash.clone()))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "password verification task failed");
                OAuthError::ServerError
            })?;
        // One message for unknown user, wrong password and disabled user: none is revealed.
        let refused = passwords::refusal(user.as_deref(), verified);
        self.password_checked(&client.tenant, username.as_str(), attempt, refused)
            .await?;
        let user = user.filter(|_| refused.is_none());
        let Some(user) = user else {
            return Err(OAuthError::InvalidGrant(BAD_LOGIN.into()));
        };
        let refresh_scopes = client.allows_grant(GrantType::RefreshToken).then(|| scopes.clone());
        let grant = Issuance {
            audience,
            subject: Some(user.username.as_str().into()),
            scopes,
            refresh_scopes,
            authorities: Arc::from(user.authorities.as_slice()),
            grant_id: None,
            consume: None,
            grant_type: GrantType::Password,
            lifetime: None,
            client,
        };
        match self.issue(grant).await? {
            Issued::Tokens(response) => Ok(response),
            Issued::ConsumedAlready { .. } => Err(OAuthError::ServerError),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::TokenSettings;
    use crate::model::{User, Username};
    use crate::secret::Secret;
    use crate::service::grants::testing::*;
    use crate::service::grants::TokenRequest;
    use crate::service::OAuthError;

    fn login(user: &str, password: &str) -> TokenRequest {
        TokenRequest::Password {
            username: Username::parse(user.into()).unwrap(),
            password: Secret::new(password.into()),
            scope: None,
        }
    }

    #[tokio::test]
    async fn issues_a_user_token_and_a_refresh_token() {
        let f = fixture().await;
        let settings = TokenSettings {
            user_access_token_ttl: Some(crate::model::Lifetime::of_seconds(900)),
            access_token_ttl: Some(crate::model::Lifetime::of_seconds(60)),
            ..Default::default()
        };
        let creds = f.client("web", &["password", "refresh_token"], settings).await;
        f.user("alice", "wonderland").await;
        let r = f.service.token(creds, login("alice", "wonderland")).await.unwrap();
        assert_eq!(r.expires_in, Some(900), "user tokens use the user lifetime");
        assert_eq!(&*r.authorities, &["ROLE_USER"]);
        assert!(r.refresh_token.as_deref().is_some_and(|t| t.starts_with("tsr_")));
    }

    #[tokio::test]
    async fn no_refresh_token_without_the_refresh_grant() {
        let f = fixture().await;
        let creds = f.client("web", &["password"], TokenSettings::default()).await;
        f.user("alice", "wonderland").await;
        let r = f.service.token(creds, login("alice", "wonderland")).await.unwrap();
        assert!(r.refresh_token.is_none());
    }

    #[tokio::test]
    async fn wrong_password_unknown_and_disabled_users_look_the_same() {
        let f = fixture().await;
        f.client("web", &["password"], TokenSettings::default()).await;
        f.user("alice", "wonderland").await;
        f.user("carol", "christmas").await;
        let mut carol = User::clone(
            &f.service
                .store
                .get_user(crate::model::tid("acme"), crate::model::uid("carol"))
                .await
                .unwrap()
                .unwrap(),
        );
        carol.enabled = false;
        f.service.store.update_user(carol, NOW).await.unwrap();
        let mut messages = Vec::new();
        for (u, p) in [("alice", "nope"), ("mallory", "x"), ("carol", "christmas")] {
            match f.service.token(credentials("web"), login(u, p)).await {
                Err(OAuthError::InvalidGrant(m)) => messages.push(m),
                other => panic!("{u}: expected invalid_grant, got {other:?}"),
            }
        }
        assert!(messages.windows(2).all(|w| w[0] == w[1]));
    }
}
