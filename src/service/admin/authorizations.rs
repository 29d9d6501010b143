//! A user's authorizations of clients [T]: the pairs that hold tokens or a remembered consent,
//! rescoping them, and withdrawing them.

use super::tokens::scopes_for;
use super::{Access, AdminError, AdminResult, Area, Principal};
use crate::metrics::Revocation;
use crate::model::{ClientIdRef, TenantIdRef, UsernameRef};
use crate::service::Service;
use serde::{Deserialize, Serialize};

/// A client a user has authorized: the scopes and number of its usable tokens [T], and the
/// consent remembered from the authorization pages, if any.
#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AuthorizationView {
    pub client_id: String,
    /// Union of the scopes of the usable tokens.
    pub scopes: Vec<String>,
    pub token_count: u64,
    /// `null` when the user never allowed this client on the consent page (or it was withdrawn).
    pub consent: Option<ConsentView>,
}

/// A remembered "Allow": later authorization requests for these scopes or fewer skip the page.
#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ConsentView {
    pub scopes: Vec<String>,
    /// Unix seconds of the latest Allow.
    pub granted_at: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairScopes {
    /// Must be among the client's scopes (any `device_*` scope is allowed).
    #[schema(pattern = r"^[\x21\x23-\x5B\x5D-\x7E]+$")]
    pub scopes: Vec<String>,
}

impl Service {
    pub async fn user_authorizations(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        username: &UsernameRef,
    ) -> AdminResult<Vec<AuthorizationView>> {
        who.require(tenant, Area::Tokens, Access::Read)?;
        if self.store.get_user(tenant, username).await?.is_none() {
            return Err(AdminError::NotFound("user"));
        }
        let found = self.store.authorizations(tenant, username, self.clock.now()).await?;
        let mut by_client: std::collections::BTreeMap<String, AuthorizationView> = found
            .into_iter()
            .map(|a| {
                let view = AuthorizationView {
                    client_id: a.client_id.clone(),
                    scopes: a.scopes,
                    token_count: a.token_count,
                    consent: None,
                };
                (a.client_id, view)
            })
            .collect();
        for consent in self.store.consents_of(tenant, username).await? {
            let view = by_client
                .entry(consent.client_id.to_string())
                .or_insert_with(|| AuthorizationView {
                    client_id: consent.client_id.to_string(),
                    scopes: Vec::new(),
                    token_count: 0,
                    consent: None,
                });
            view.consent = Some(ConsentView {
                scopes: consent.scopes,
                granted_at: consent.granted_at,
            });
        }
        Ok(by_client.into_values().collect())
    }

    pub async fn set_authorization_scopes(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
        subject: &UsernameRef,
        body: PairScopes,
    ) -> AdminResult<u64> {
        let client = self.client_in(who, tenant, client_id, Access::Update).await?;
        let scopes = scopes_for(&client.scopes, body.scopes)?;
        Ok(self
            .store
            .set_pair_scopes(&client.client_id, subject, scopes, self.clock.now())
            .await?)
    }

    pub async fn revoke_authorization(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
        subject: &UsernameRef,
    ) -> AdminResult<u64> {
        let client = self.client_in(who, tenant, client_id, Access::Update).await?;
        // Withdrawn consent: the next authorization request shows the consent page again.
        self.store.delete_consent(&client.client_id, subject).await?;
        let revoked = self
            .store
            .revoke_client_tokens(&client.client_id, Some(subject), self.clock.now())
            .await?;
        self.metrics.tokens.revoked(&client.tenant, Revocation::Admin, revoked);
        Ok(revoked)
    }
}
