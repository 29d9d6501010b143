//! `refresh_token` (RFC 6749 §6) [O]: one use, rotated; a replay revokes the whole lineage,
//! unless it comes within the refresh grace of the first use (docs/concepts.md, "Refresh grace").

use super::Requested;
use crate::metrics::Revocation;
use crate::model::{Client, GrantType, TokenKind, TokenRecord};
use crate::service::issue::{resolve, Issuance, Issued, TokenResponse};
use crate::service::scopes::DEVICE_SCOPE_PREFIX;
use crate::service::{OAuthError, Service};
use crate::store::Consume;
use std::sync::Arc;

const INVALID: &str = "refresh token is invalid, expired or revoked";
const REPLAYED: &str = "refresh token was already used; every token of its grant is now revoked";

impl Service {
    pub(super) async fn refresh_token(
        &self,
        client: Arc<Client>,
        presented: &str,
        scope: Option<&str>,
        audience: Requested,
    ) -> Result<TokenResponse, OAuthError> {
        let invalid = || OAuthError::InvalidGrant(INVALID.into());
        let Some((TokenKind::Refresh, id)) = self.keys.verify(presented) else {
            return Err(invalid());
        };
        let Some(old) = self.store.get_token(&id).await? else {
            return Err(invalid());
        };
        if *old.client_id() != *client.client_id {
            return Err(invalid());
        }
        let now = self.clock.now();
        let mut consume = match old.used_at() {
            None if old.is_active(now) => Consume::First(old.id),
            None => return Err(invalid()),
            Some(used_at) if old.expiry_key() > now && self.within_grace(&client, used_at, now).await? => {
                Consume::Again(old.id)
            }
            Some(_) => return Err(self.replayed(&old).await),
        };
        // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
        // Scopes the client has lost since the grant are not refreshed.
        let still_allowed = |s: &String| s.starts_with(DEVICE_SCOPE_PREFIX) || client.scopes.contains(s);
        let granted: Arc<[String]> = old.scopes().iter().filter(|s| still_allowed(s)).cloned().collect();
        let scopes: Arc<[String]> = match scope {
            None => granted.clone(),
            Some(requested) => {
                let requested = crate::model::scope_set(requested.split(' ').filter(|s| !s.is_empty()));
                if let Some(extra) = requested.iter().find(|s| !granted.contains(s)) {
                    return Err(OAuthError::InvalidScope(
                        format!("scope {extra:?} was not granted originally").into(),
                    ));
                }
                requested.into()
            }
        };
        // The user may have lost access since: their current authorities go into the new token.
        let authorities: Arc<[String]> = match old.subject() {
            Some(subject) => match crate::store::user_of(&*self.store, &client.tenant, subject).await? {
                Some(user) if user.enabled => Arc::from(user.authorities.as_slice()),
                _ => return Err(invalid()),
            },
            None => Arc::from(client.authorities.as_slice()),
        };
        loop {
            let grant = Issuance {
                subject: old.profile().subject.clone(),
                scopes: scopes.clone(),
                refresh_scopes: Some(granted.clone()),
                authorities: authorities.clone(),
                grant_id: Some(old.grant_id),
                consume: Some(consume),
                audience: audience.clone(),
                grant_type: GrantType::RefreshToken,
                lifetime: None,
                client: client.clone(),
            };
            match self.issue(grant).await? {
                Issued::Tokens(response) => {
                    if let Consume::Again(_) = consume {
                        tracing::info!(grant = %old.grant_id, "refresh token reused within its grace window");
                    }
                    return Ok(response);
                }
                // Another exchange used it first, a moment ago: within the grace this one gets
                // tokens too. Once only: a reuse that fails found the lineage revoked.
                Issued::ConsumedAlready { used_at: Some(used_at) }
                    if consume == Consume::First(old.id) && self.within_grace(&client, used_at, now).await? =>
                {
                    consume = Consume::Again(old.id);
                }
                Issued::ConsumedAlready { .. } => return Err(self.replayed(&old).await),
            }
        }
    }

    /// Whether presenting a token first used at `used_at` again at `now` is a reuse within the
    /// client's (else the tenant's) refresh grace rather than a replay.
    async fn within_grace(&self, client: &Client, used_at: i64, now: i64) -> Result<bool, OAuthError> {
        let tenant = self.store.get_tenant(&client.tenant).await?;
        let grace = resolve(|s| s.refresh_token_grace, client, tenant.as_deref(), 0);
        Ok(in_grace(used_at, grace, now))
    }

    async fn replayed(&self, old: &TokenRecord) -> OAuthError {
        match self.store.revoke_grant(&old.grant_id).await {
            Ok(n) => {
                self.metrics.tokens.revoked(old.tenant(), Revocation::RefreshReplay, n);
                tracing::warn!(grant = %old.grant_id, revoked = n, "refresh token replayed; lineage revoked");
                OAuthError::InvalidGrant(REPLAYED.into())
            }
            Err(e) => e.into(),
        }
    }
}

/// The grace rule: strictly less than `grace` seconds after the first use (0: never).
fn in_grace(used_at: i64, grace: i64, now: i64) -> bool {
    now < used_at.saturating_add(grace.max(0))
}

#[cfg(test)]
#[path = "refresh_grace_tests.rs"]
mod grace_tests;

#[cfg(test)]
mod tests {
    use crate::model::TokenSettings;
    use crate::secret::Secret;
    use crate::service::grants::testing::*;
    use crate::service::grants::TokenRequest;
    use crate::service::OAuthError;

    fn refresh(token: &str, scope: Option<&str>) -> TokenRequest {
        TokenRequest::RefreshToken {
            refresh_token: Secret::new(token.into()),
            scope: scope.map(Into::into),
        }
    }

    async fn active(f: &Fixture, access: &str) -> bool {
        f.service.introspect_token(access).await.unwrap().is_some()
    }

    #[tokio::test]
    async fn rotates_and_a_replay_revokes_the_lineage() {
        let f = fixture().await;
        let first = f.logged_in().await;
        let old_refresh = first.refresh_token.clone().unwrap();
        let second = f
            .service
            .token(credentials("web"), refresh(&old_refresh, None))
            .await
            .unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        assert!(active(&f, &second.access_token).await);

        match f.service.token(credentials("web"), refresh(&old_refresh, None)).await {
            Err(OAuthError::InvalidGrant(m)) => assert!(m.contains("already used")),
            other => panic!("expected invalid_grant, got {other:?}"),
        }
        assert!(!active(&f, &first.access_token).await);
        assert!(!active(&f, &second.access_token).await);
        let newest = second.refresh_token.unwrap();
        assert!(matches!(
            f.service.token(credentials("web"), refresh(&newest, None)).await,
            Err(OAuthError::InvalidGrant(_))
        ));
    }

    #[tokio::test]
    async fn scope_may_narrow_but_not_widen() {
        let f = fixture().await;
        let first = f.logged_in().await;
        let narrowed = f
            .service
            .token(
                credentials("web"),
                refresh(first.refresh_token.as_deref().unwrap(), Some("read")),
            )
            .await
            .unwrap();
        assert_eq!(narrowed.scope, "read");
        // The rotated refresh token keeps the original scope.
        let again = f
            .service
            .token(
                credentials("web"),
                refresh(narrowed.refresh_token.as_deref().unwrap(), Some("read write")),
            )
            .await
            .unwrap();
        assert_eq!(again.scope, "read write");
        let wider = f
            .service
            .token(
                credentials("web"),
                refresh(again.refresh_token.as_deref().unwrap(), Some("admin")),
            )
            .await;
        assert!(matches!(wider, Err(OAuthError::InvalidScope(_))));
    }

    #[tokio::test]
    async fn expired_forged_foreign_and_access_tokens_are_invalid_grant() {
        let f = fixture().await;
        let first = f.logged_in().await;
        f.client("other", &["refresh_token"], TokenSettings::default()).await;
        let rt = first.refresh_token.clone().unwrap();
        // The last character changed to one it is not (an `x` was no change one time in 64).
        let last = if rt.ends_with('A') { "B" } else { "A" };
        let cases = [
            (credentials("other"), rt.clone()),
            (credentials("web"), first.access_token.clone()),
            (credentials("web"), format!("{}{last}", &rt[..rt.len() - 1])),
        ];
        for (creds, token) in cases {
            assert!(matches!(
                f.service.token(creds, refresh(&token, None)).await,
                Err(OAuthError::InvalidGrant(_))
            ));
        }
        f.clock.advance(1_209_600);
        assert!(matches!(
            f.service.token(credentials("web"), refresh(&rt, None)).await,
            Err(OAuthError::InvalidGrant(_))
        ));
    }

    #[tokio::test]
    async fn a_disabled_user_cannot_refresh() {
        let f = fixture().await;
        let first = f.logged_in().await;
        let mut alice = crate::model::User::clone(
            &f.service
                .store
                .get_user(crate::model::tid("acme"), crate::model::uid("alice"))
                .await
                .unwrap()
                .unwrap(),
        );
        alice.enabled = false;
        f.service.store.update_user(alice, NOW).await.unwrap();
        let r = f
            .service
            .token(
                credentials("web"),
                refresh(first.refresh_token.as_deref().unwrap(), None),
            )
            .await;
        assert!(matches!(r, Err(OAuthError::InvalidGrant(_))));
    }
}
