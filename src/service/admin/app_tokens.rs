//! `POST /admin/tenants/{t}/clients/{c}/tokens` [R]: an application access token an admin asks
//! for, issued through the same path as `client_credentials` (its limit, policy and scopes).

use super::tokens::scopes_for;
use super::{Access, AdminError, AdminResult, Principal};
use crate::model::{ClientIdRef, GrantType, Lifetime, TenantIdRef};
use crate::service::issue::{Issuance, Issued};
use crate::service::{OAuthError, Service};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppToken {
    /// Seconds the token lives; negative: it never expires. The client's (else the tenant's,
    /// else the built-in) access-token lifetime when absent.
    pub expires_in: Option<i64>,
    /// Among the client's scopes (`device_*` scopes too); the client's scopes when absent.
    pub scopes: Option<Vec<String>>,
}

/// The new token: its value is shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(value_type = String, example = "Bearer")]
    pub token_type: &'static str,
    /// The public id the other token endpoints take.
    pub id: String,
    pub scopes: Vec<String>,
    /// Unix seconds; `null`: never expires.
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("id", &self.id)
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The issuing path answers in OAuth terms; a row each for what it can say here.
fn from_issue(e: OAuthError) -> AdminError {
    match e {
        OAuthError::TooManyActiveTokens { retry_after, limit } => {
            AdminError::TooManyActiveTokens { retry_after, limit }
        }
        OAuthError::TemporarilyUnavailable => AdminError::Unavailable,
        // The client went away while its token was being issued.
        OAuthError::InvalidGrant(_) => AdminError::NotFound("client"),
        OAuthError::InvalidScope(_) | OAuthError::InvalidRequest(_) => {
            AdminError::Invalid("scopes: not allowed for the client".into())
        }
        OAuthError::InvalidClient
        | OAuthError::UnauthorizedClient(_)
        | OAuthError::UnsupportedGrantType(_)
        | OAuthError::InvalidToken(_)
        // No `resource` is asked for here.
        | OAuthError::InvalidTarget(_)
        | OAuthError::TooManyAttempts { .. }
        | OAuthError::ServerError => AdminError::Internal,
    }
}

impl Service {
    pub async fn create_client_token(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
        body: NewAppToken,
    ) -> AdminResult<CreatedToken> {
        let client = self.client_in(who, tenant, client_id, Access::Update).await?;
        let lifetime = body
            .expires_in
            .map(Lifetime::parse)
            .transpose()
            .map_err(|e| AdminError::Invalid(format!("expires_in: {e}")))?;
        let scopes = match body.scopes {
            Some(requested) => scopes_for(&client.scopes, requested)?,
            None => Arc::from(client.scopes.as_slice()),
        };
        let grant = Issuance {
            authorities: Arc::from(client.authorities.as_slice()),
            client,
            subject: None,
            scopes,
            refresh_scopes: None,
            grant_id: None,
            consume: None,
            grant_type: GrantType::ClientCredentials,
            lifetime,
            audience: None,
        };
        let response = match self.issue(grant).await.map_err(from_issue)? {
            Issued::Tokens(response) => response,
            Issued::ConsumedAlready { .. } => return Err(AdminError::Internal),
        };
        let (_, id) = self.recognise(&response.access_token).ok_or(AdminError::Internal)?;
        let now = self.clock.now();
        Ok(CreatedToken {
            id: id.to_text(),
            token_type: "Bearer",
            scopes: response.scope.split_whitespace().map(str::to_string).collect(),
            expires_at: response.expires_in.map(|seconds| now + seconds),
            access_token: response.access_token,
        })
    }
}
