//! `client_credentials` (RFC 6749 §4.4): an application token carrying the client's authorities.

use super::Requested;
use crate::model::{Client, GrantType};
use crate::service::issue::{Issuance, Issued, TokenResponse};
use crate::service::{scopes, OAuthError, Service};
use std::sync::Arc;

impl Service {
    pub(super) async fn client_credentials(
        &self,
        client: Arc<Client>,
        scope: Option<&str>,
        audience: Requested,
    ) -> Result<TokenResponse, OAuthError> {
        if client.public {
            return Err(OAuthError::UnauthorizedClient(
                "public clients cannot use client_credentials".into(),
            ));
        }
        let scopes = scopes::resolve(scope, &client.scopes)?;
        let authorities: Arc<[String]> = Arc::from(client.authorities.as_slice());
        let grant = Issuance {
            audience,
            client,
            subject: None,
            scopes,
            refresh_scopes: None,
            authorities,
            grant_id: None,
            consume: None,
            grant_type: GrantType::ClientCredentials,
            lifetime: None,
        };
        match self.issue(grant).await? {
            Issued::Tokens(response) => Ok(response),
            Issued::ConsumedAlready { .. } => Err(OAuthError::ServerError),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{TokenPolicy, TokenSettings};
    use crate::service::grants::testing::*;
    use crate::service::grants::TokenRequest;
    use crate::service::OAuthError;

    fn request(scope: Option<&str>) -> TokenRequest {
        TokenRequest::ClientCredentials {
            scope: scope.map(Into::into),
        }
    }

    #[tokio::test]
    async fn issues_an_application_token_with_the_clients_authorities() {
        let f = fixture().await;
        let creds = f.client("app", &["client_credentials"], TokenSettings::default()).await;
        let r = f.service.token(creds, request(Some("read"))).await.unwrap();
        assert!(r.access_token.starts_with("tsa_"));
        assert_eq!(r.token_type, "Bearer");
        assert_eq!(r.expires_in, Some(3600));
        assert_eq!(r.scope, "read");
        assert!(r.refresh_token.is_none());
        assert_eq!(&*r.authorities, &["ROLE_APP"]);
    }

    #[tokio::test]
    async fn unknown_scope_is_invalid_scope() {
        let f = fixture().await;
        let creds = f.client("app", &["client_credentials"], TokenSettings::default()).await;
        assert!(matches!(
            f.service.token(creds, request(Some("admin"))).await,
            Err(OAuthError::InvalidScope(_))
        ));
    }

    #[tokio::test]
    async fn limit_answers_too_many_active_tokens_with_retry_after() {
        let f = fixture().await;
        let settings = TokenSettings {
            max_active_tokens: Some(2),
            access_token_ttl: Some(crate::model::Lifetime::of_seconds(100)),
            ..Default::default()
        };
        f.client("app", &["client_credentials"], settings).await;
        f.service.token(credentials("app"), request(None)).await.unwrap();
        f.clock.advance(30);
        f.service.token(credentials("app"), request(None)).await.unwrap();
        match f.service.token(credentials("app"), request(None)).await {
            Err(OAuthError::TooManyActiveTokens { retry_after, limit }) => {
                assert_eq!(retry_after, Some(70));
                assert_eq!(limit, 2);
            }
            other => panic!("expected 429, got {other:?}"),
        }
        f.clock.advance(70);
        f.service.token(credentials("app"), request(None)).await.unwrap();
    }

    #[tokio::test]
    async fn retry_after_stays_within_a_lifetime_whatever_the_stored_expiry() {
        let f = fixture().await;
        let settings = TokenSettings {
            max_active_tokens: Some(1),
            ..Default::default()
        };
        f.client("app", &["client_credentials"], settings).await;
        let issued = f.service.token(credentials("app"), request(None)).await.unwrap();
        let (_, id) = f.service.keys.verify(&issued.access_token).unwrap();
        // Written straight to the store, as an expiry set before they were bounded.
        let far = crate::store::TokenPatch {
            expires_at: Some(Some(i64::MAX - 1)),
            ..Default::default()
        };
        f.service.store.update_token(&id, far, NOW).await.unwrap().unwrap();
        match f.service.token(credentials("app"), request(None)).await {
            Err(OAuthError::TooManyActiveTokens { retry_after, .. }) => {
                assert_eq!(retry_after, Some(crate::model::MAX_LIFETIME as u64));
            }
            other => panic!("expected 429, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn reuse_returns_the_same_token_with_its_remaining_lifetime() {
        let f = fixture().await;
        let settings = TokenSettings {
            token_policy: Some(TokenPolicy::Reuse),
            ..Default::default()
        };
        f.client("app", &["client_credentials"], settings).await;
        let first = f.service.token(credentials("app"), request(None)).await.unwrap();
        f.clock.advance(100);
        let second = f.service.token(credentials("app"), request(None)).await.unwrap();
        assert_eq!(first.access_token, second.access_token);
        assert_eq!(second.expires_in, Some(3500));
        let device = f
            .service
            .token(credentials("app"), request(Some("read device_ipad")))
            .await
            .unwrap();
        assert_ne!(device.access_token, first.access_token);
    }

    #[tokio::test]
    async fn negative_lifetime_has_no_expires_in() {
        let f = fixture().await;
        let settings = TokenSettings {
            access_token_ttl: Some(crate::model::Lifetime::Never),
            ..Default::default()
        };
        f.client("app", &["client_credentials"], settings).await;
        let r = f.service.token(credentials("app"), request(None)).await.unwrap();
        assert_eq!(r.expires_in, None);
        let json = serde_json::to_value(&r).unwrap();
        assert!(json.get("expires_in").is_none());
    }
}
