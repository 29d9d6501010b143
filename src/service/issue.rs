//! Turning an authorized grant into tokens: lifetimes, policy, limit, minting, the response.

use super::{defaults, OAuthError, Service};
use crate::metrics::RequestOutcome;
use crate::model::{
    Client, GrantType, Lifetime, Tenant, TokenId, TokenKind, TokenPolicy, TokenProfile, TokenRecord, TokenSettings,
    MAX_LIFETIME,
};
use crate::store::{Consume, IssueOutcome, IssueRequest};
use serde::Serialize;
use std::sync::Arc;

/// The RFC 6749 §5.1 success answer, plus `authorities` [O].
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(value_type = String, example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds; absent when the token never expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// Space-separated.
    /// Omitted when the token carries no scope.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The roles the token carries [O].
    #[schema(value_type = Vec<String>)]
    pub authorities: Arc<[String]>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// What a grant has decided to issue.
pub(crate) struct Issuance {
    pub client: Arc<Client>,
    pub subject: Option<Arc<str>>,
    pub scopes: Arc<[String]>,
    /// Issue a refresh token carrying these scopes (a refresh keeps the grant's full scope).
    pub refresh_scopes: Option<Arc<[String]>>,
    pub authorities: Arc<[String]>,
    /// The audiences the request named (`resource`, `audience`); `None`: the settings decide.
    pub audience: super::grants::Requested,
    /// The lineage to continue (refresh rotation); a new grant otherwise.
    pub grant_id: Option<TokenId>,
    /// The refresh token or code this exchange uses up (or reuses, within the refresh grace).
    pub consume: Option<Consume>,
    /// For the metrics.
    pub grant_type: GrantType,
    /// The access token's lifetime when an admin chose it (`POST …/clients/{c}/tokens`); the
    /// client's, tenant's or built-in lifetime otherwise.
    pub lifetime: Option<Lifetime>,
}

pub(crate) enum Issued {
    Tokens(TokenResponse),
    /// `consume` was not in the state asked for: used by a concurrent exchange first (`used_at`
    /// says when), or revoked or expired meanwhile (`None`).
    ConsumedAlready {
        used_at: Option<i64>,
    },
}

/// Client override → tenant setting → built-in default.
pub(crate) fn resolve<T: Copy>(
    pick: impl Fn(&TokenSettings) -> Option<T>,
    client: &Client,
    tenant: Option<&Tenant>,
    default: T,
) -> T {
    pick(&client.settings)
        .or_else(|| tenant.and_then(|t| pick(&t.settings)))
        .unwrap_or(default)
}

impl Service {
    pub(crate) async fn issue(&self, grant: Issuance) -> Result<Issued, OAuthError> {
        let now = self.clock.now();
        let client = &grant.client;
        let tenant = self.store.get_tenant(&client.tenant).await?;
        let tenant = tenant.as_deref();
        let access_ttl = if let Some(chosen) = grant.lifetime {
            chosen
        } else if grant.subject.is_some() {
            resolve(
                |s| s.user_access_token_ttl,
                client,
                tenant,
                defaults::USER_ACCESS_TOKEN_TTL,
            )
        } else {
            resolve(|s| s.access_token_ttl, client, tenant, defaults::ACCESS_TOKEN_TTL)
        };
        let policy = resolve(|s| s.token_policy, client, tenant, TokenPolicy::Multi);
        let max_active = client
            .settings
            .max_active_tokens
            .or_else(|| tenant.and_then(|t| t.settings.max_active_tokens));

        let access_id = TokenId::generate();
        let grant_id = grant.grant_id.unwrap_or(access_id);
        let profile = Arc::new(TokenProfile {
            tenant: client.tenant.as_str().into(),
            client_id: client.client_id.as_str().into(),
            subject: grant.subject,
            scopes: grant.scopes,
            authorities: grant.authorities,
        });
        let expires_at = access_ttl.expiry(now);
        let mut access = TokenRecord::new(access_id, TokenKind::Access, profile, now, expires_at, grant_id);
        let jwt = self.shape_access(&mut access, grant.audience, (client, tenant), policy, now)?;
        let refresh = grant.refresh_scopes.map(|scopes| {
            let ttl = resolve(|s| s.refresh_token_ttl, client, tenant, defaults::REFRESH_TOKEN_TTL);
            let (id, profile) = (TokenId::generate(), access.profile().clone());
            let mut refresh = TokenRecord::new(id, TokenKind::Refresh, profile, now, ttl.expiry(now), grant_id);
            // Shares the access token's profile unless the scopes differ.
            if scopes != *access.scopes() {
                refresh.set_scopes(scopes);
            }
            refresh
        });
        let request = IssueRequest {
            access,
            refresh,
            policy,
            max_active,
            consume: grant.consume,
            now,
        };
        let (access, refresh) = (request.access.clone(), request.refresh.clone());
        let count = |outcome| {
            self.metrics
                .tokens
                .token_request(&client.tenant, grant.grant_type, outcome)
        };
        let response = match self.store.issue(request).await? {
            IssueOutcome::Issued => {
                count(RequestOutcome::Issued);
                let value = match jwt {
                    Some(pending) => self.finish_jwt(pending, &access).await?,
                    None => self.keys.mint(TokenKind::Access, &access.id).into_string(),
                };
                self.respond(value, &access, refresh.as_ref(), now)
            }
            IssueOutcome::Reused { access, refresh } => {
                count(RequestOutcome::Reused);
                // Its key was kept until its expiry when it was issued (or PATCHed).
                let value = self.access_value(&access).await?;
                self.respond(value, &access, refresh.as_deref(), now)
            }
            IssueOutcome::LimitReached { earliest_expiry } => {
                count(RequestOutcome::Refused);
                return Err(OAuthError::TooManyActiveTokens {
                    // Within a lifetime, whatever the stored expiry: one written before expiries
                    // were bounded must not put an absurd wait in `Retry-After`.
                    retry_after: earliest_expiry.map(|exp| exp.saturating_sub(now).clamp(1, MAX_LIFETIME) as u64),
                    limit: max_active.unwrap_or(0),
                });
            }
            IssueOutcome::ConsumedAlready { used_at } => return Ok(Issued::ConsumedAlready { used_at }),
            IssueOutcome::Gone => {
                return Err(OAuthError::InvalidGrant(
                    "the client or user was removed or disabled during the request".into(),
                ))
            }
        };
        Ok(Issued::Tokens(response))
    }

    fn respond(&self, value: String, access: &TokenRecord, refresh: Option<&TokenRecord>, now: i64) -> TokenResponse {
        TokenResponse {
            access_token: value,
            token_type: "Bearer",
            expires_in: access.expires_at().map(|exp| (exp - now).max(0)),
            scope: access.scope_string(),
            refresh_token: refresh.map(|r| self.keys.mint(TokenKind::Refresh, &r.id).into_string()),
            authorities: access.authorities().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lifetime;
    use crate::store::contract::fixtures;

    #[test]
    fn lifetimes_resolve_client_then_tenant_then_default() {
        let (mut tenant, mut client) = fixtures("t");
        let pick = |s: &TokenSettings| s.access_token_ttl;
        let (hour, minute) = (Lifetime::of_seconds(3600), Lifetime::of_seconds(60));
        assert_eq!(resolve(pick, &client, Some(&tenant), hour), hour);
        tenant.settings.access_token_ttl = Some(minute);
        assert_eq!(resolve(pick, &client, Some(&tenant), hour), minute);
        client.settings.access_token_ttl = Some(Lifetime::Never);
        assert_eq!(resolve(pick, &client, Some(&tenant), hour), Lifetime::Never);
    }
}
