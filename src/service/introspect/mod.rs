//! "Is this token good?": introspection (RFC 7662), Spring-style check_token [O], revocation (RFC 7009).

use super::client_auth::ClientCredentials;
use super::{OAuthError, Service};
use crate::model::{Client, TokenKind, TokenRecord};
use crate::store::StoreResult;
use std::sync::Arc;

mod answer;

pub use answer::{CheckToken, Introspection};

/// Whether `record` was issued to `client`: the one rule behind refresh-token introspection and
/// revocation (RFC 7009 §2.1). Client ids are unique across tenants.
fn issued_to(record: &TokenRecord, client: &Client) -> bool {
    *record.client_id() == *client.client_id
}

impl Service {
    /// The record of a usable access or refresh token; `None` for anything else. Forged or
    /// malformed values are refused by the MAC before any store I/O.
    pub async fn introspect_token(&self, token: &str) -> StoreResult<Option<Arc<TokenRecord>>> {
        self.live_token(token, None).await
    }

    /// As [`Service::introspect_token`]; with a `caller`, only what the caller may see: tokens of
    /// its tenant, and of those refresh tokens only when they were issued to it (to anyone else a
    /// refresh token is no credential: a resource server must not take it for an access token).
    /// Deleting a client revokes its tokens, and no store issues one for a client that is gone,
    /// so the token's own state says all; its client is not looked up again.
    async fn live_token(&self, token: &str, caller: Option<&Client>) -> StoreResult<Option<Arc<TokenRecord>>> {
        let Some((kind, id)) = self.recognise(token) else {
            return Ok(None);
        };
        if kind == TokenKind::Code {
            return Ok(None);
        }
        let record = self.store.get_token(&id).await?;
        let now = self.clock.now();
        let in_scope = |t: &TokenRecord| {
            caller.is_none_or(|c| *t.tenant() == *c.tenant && (t.kind == TokenKind::Access || issued_to(t, c)))
        };
        let Some(record) = record.filter(|t| t.kind == kind && t.is_active(now) && in_scope(t)) else {
            return Ok(None);
        };
        Ok(Some(record))
    }

    /// A caller allowed to ask about tokens: an authenticated confidential client.
    fn resource_client(client: &Client) -> Result<&Client, OAuthError> {
        if client.public {
            return Err(OAuthError::UnauthorizedClient(
                "public clients cannot introspect tokens".into(),
            ));
        }
        Ok(client)
    }

    /// Authenticate, then [`Service::introspect_as`]: the one-call form the unit tests use (the
    /// handler authenticates first, to know which client's CORS origins apply).
    #[cfg(test)]
    pub async fn introspect(&self, credentials: ClientCredentials, token: &str) -> Result<Introspection, OAuthError> {
        let caller = self.authenticate_client(&credentials).await?;
        self.introspect_as(&caller, token).await
    }

    /// `POST /oauth/introspect` for a client already authenticated: only tokens of the caller's
    /// own tenant are ever described.
    pub async fn introspect_as(&self, caller: &Client, token: &str) -> Result<Introspection, OAuthError> {
        let caller = Self::resource_client(caller)?;
        let record = self.live_token(token, Some(caller)).await?;
        Ok(Introspection {
            record,
            issuer: self.issuer.clone(),
        })
    }

    /// `/oauth/check_token`: access tokens only; anything else is `invalid_token`.
    pub async fn check_token(&self, credentials: ClientCredentials, token: &str) -> Result<CheckToken, OAuthError> {
        let caller = self.authenticate_client(&credentials).await?;
        match self.live_token(token, Some(Self::resource_client(&caller)?)).await? {
            Some(t) if t.kind == TokenKind::Access => Ok(CheckToken(t)),
            _ => Err(OAuthError::InvalidToken(
                "token is not recognised, expired or revoked".into(),
            )),
        }
    }

    /// Authenticate, then [`Service::revoke_as`]: the one-call form the unit tests use.
    #[cfg(test)]
    pub async fn revoke(&self, credentials: ClientCredentials, token: &str) -> Result<(), OAuthError> {
        let caller = self.authenticate_client(&credentials).await?;
        self.revoke_as(&caller, token).await
    }

    /// `POST /oauth/revoke` (RFC 7009) for a client already authenticated: succeeds for a token
    /// the server does not know, which includes one of another tenant (nothing leaks across
    /// tenants); refuses one issued to another client of the tenant (§2.1) and leaves it alone.
    /// A refresh token takes its whole grant with it.
    pub async fn revoke_as(&self, caller: &Client, token: &str) -> Result<(), OAuthError> {
        let Some((kind, id)) = self.recognise(token) else {
            return Ok(());
        };
        let record = self.store.get_token(&id).await?;
        let Some(record) = record.filter(|t| t.kind == kind && *t.tenant() == *caller.tenant) else {
            return Ok(());
        };
        if !issued_to(&record, caller) {
            return Err(OAuthError::UnauthorizedClient(
                "the token was issued to another client".into(),
            ));
        }
        let revoked = match kind {
            TokenKind::Refresh => self.store.revoke_grant(&record.grant_id).await?,
            _ => u64::from(self.store.revoke_token(&id).await?),
        };
        self.metrics
            .tokens
            .revoked(record.tenant(), crate::metrics::Revocation::Endpoint, revoked);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Tenant, TokenSettings};
    use crate::service::grants::testing::*;
    use crate::service::grants::TokenRequest;
    use crate::service::OAuthError;
    use serde_json::json;

    async fn issued(f: &Fixture, client: &str) -> String {
        let request = TokenRequest::ClientCredentials { scope: None };
        f.service
            .token(credentials(client), request)
            .await
            .unwrap()
            .access_token
    }

    #[tokio::test]
    async fn introspection_describes_an_active_token() {
        let f = fixture().await;
        f.client("app", &["client_credentials"], TokenSettings::default()).await;
        let token = issued(&f, "app").await;
        let answer = serde_json::to_value(f.service.introspect(credentials("app"), &token).await.unwrap()).unwrap();
        assert_eq!(answer["active"], json!(true));
        assert_eq!(answer["scope"], json!("read write"));
        assert_eq!(answer["client_id"], json!("app"));
        assert_eq!(answer["sub"], json!("app"));
        assert_eq!(answer["token_type"], json!("Bearer"));
        assert_eq!(answer["exp"], json!(NOW + 3600));
        assert_eq!(answer["iat"], json!(NOW));
        assert_eq!(answer["iss"], json!("http://tessera.test"));
        assert_eq!(answer["authorities"], json!(["ROLE_APP"]));
    }

    #[tokio::test]
    async fn expired_revoked_forged_and_foreign_tokens_are_inactive() {
        let f = fixture().await;
        f.client(
            "app",
            &["client_credentials"],
            TokenSettings {
                access_token_ttl: Some(crate::model::Lifetime::of_seconds(60)),
                ..Default::default()
            },
        )
        .await;
        f.service
            .store
            .create_tenant(Tenant {
                id: crate::model::tid("other").to_owned(),
                name: "Other".into(),
                settings: TokenSettings::default(),
            })
            .await
            .unwrap();
        let token = issued(&f, "app").await;
        let inactive = json!({"active": false});
        let ask = |t: String| {
            let s = &f.service;
            async move { serde_json::to_value(s.introspect(credentials("app"), &t).await.unwrap()).unwrap() }
        };
        // The last character changed (to one it is not), so the MAC no longer matches.
        let last = if token.ends_with('A') { "B" } else { "A" };
        assert_eq!(ask(format!("{}{last}", &token[..token.len() - 1])).await, inactive);
        assert_eq!(ask("not-a-token".into()).await, inactive);
        f.clock.advance(60);
        assert_eq!(ask(token.clone()).await, inactive, "expired");
        f.clock.advance(-60);
        f.service.revoke(credentials("app"), &token).await.unwrap();
        assert_eq!(ask(token).await, inactive, "revoked");
    }

    #[tokio::test]
    async fn check_token_answers_spring_style() {
        let f = fixture().await;
        f.client("app", &["client_credentials"], TokenSettings::default()).await;
        let token = issued(&f, "app").await;
        let answer = serde_json::to_value(f.service.check_token(credentials("app"), &token).await.unwrap()).unwrap();
        assert_eq!(
            answer,
            json!({"active": true, "exp": NOW + 3600, "client_id": "app", "authorities": ["ROLE_APP"], "scope": ["read", "write"]})
        );
        f.service.revoke(credentials("app"), &token).await.unwrap();
        assert!(matches!(
            f.service.check_token(credentials("app"), &token).await,
            Err(OAuthError::InvalidToken(_))
        ));
    }

    #[tokio::test]
    async fn a_refresh_token_is_active_only_for_the_client_it_was_issued_to() {
        let f = fixture().await;
        let r = f.logged_in().await;
        f.client("api", &["client_credentials"], TokenSettings::default()).await;
        let refresh = r.refresh_token.as_deref().unwrap();
        let ask = |client: &'static str, t: &str| {
            let (s, t) = (&f.service, t.to_string());
            async move { serde_json::to_value(s.introspect(credentials(client), &t).await.unwrap()).unwrap() }
        };
        assert_eq!(ask("web", refresh).await["token_type"], json!("refresh_token"));
        assert_eq!(ask("api", refresh).await, json!({"active": false}));
        assert_eq!(ask("api", &r.access_token).await["active"], json!(true));
    }

    #[tokio::test]
    async fn revoking_another_clients_token_is_refused_and_changes_nothing() {
        let f = fixture().await;
        let r = f.logged_in().await;
        f.client("intruder", &["client_credentials"], TokenSettings::default())
            .await;
        for token in [r.access_token.as_str(), r.refresh_token.as_deref().unwrap()] {
            let refused = f.service.revoke(credentials("intruder"), token).await;
            assert!(matches!(refused, Err(OAuthError::UnauthorizedClient(_))), "{refused:?}");
            assert!(f.service.introspect_token(token).await.unwrap().is_some());
        }
    }

    #[tokio::test]
    async fn another_tenants_token_is_unknown_to_revocation() {
        let f = fixture().await;
        let token = issued_in_other_tenant(&f).await;
        f.service.revoke(credentials("intruder"), &token).await.unwrap();
        assert!(f.service.introspect_token(&token).await.unwrap().is_some());
    }

    /// A token of client `globex-app` in tenant `globex`, and client `intruder` in `acme`.
    async fn issued_in_other_tenant(f: &Fixture) -> String {
        f.client("intruder", &["client_credentials"], TokenSettings::default())
            .await;
        let store = &f.service.store;
        let settings = TokenSettings::default();
        let tenant = Tenant {
            id: crate::model::tid("globex").to_owned(),
            name: "Globex".into(),
            settings,
        };
        store.create_tenant(tenant).await.unwrap();
        let mut client = (*store.get_client(crate::model::cid("intruder")).await.unwrap().unwrap()).clone();
        (client.client_id, client.tenant) = (
            crate::model::cid("globex-app").to_owned(),
            crate::model::tid("globex").to_owned(),
        );
        store.create_client(client).await.unwrap();
        issued(f, "globex-app").await
    }

    #[tokio::test]
    async fn revoking_a_refresh_token_revokes_its_grants_access_tokens() {
        let f = fixture().await;
        let r = f.logged_in().await;
        f.service
            .revoke(credentials("web"), r.refresh_token.as_deref().unwrap())
            .await
            .unwrap();
        assert!(f.service.introspect_token(&r.access_token).await.unwrap().is_none());
    }
}
