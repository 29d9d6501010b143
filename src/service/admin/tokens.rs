//! Token management [R][T]: list a client's tokens, revoke them, read one token (`token_update`
//! changes it), a user's authorizations and the scopes of a (client, subject) pair.

use super::validate;
use super::{Access, AdminError, AdminResult, Area, Principal};
use crate::metrics::Revocation;
use crate::model::{
    scope_set, AccessTokenFormat, Audience, ClientIdRef, TenantIdRef, TokenId, TokenKind, TokenRecord, Username,
    UsernameRef,
};
use crate::service::scopes::DEVICE_SCOPE_PREFIX;
use crate::service::Service;
use crate::store::TokenQuery;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenListQuery {
    /// Only the tokens of this user.
    #[param(value_type = Option<Username>)]
    pub subject: Option<Username>,
    /// `access` or `refresh`; both when absent.
    #[param(pattern = "^(access|refresh)$")]
    pub kind: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    /// The public, non-secret id the admin API uses.
    pub id: String,
    pub kind: TokenKind,
    pub tenant: String,
    pub client_id: String,
    /// The user; `null` for an application token.
    pub subject: Option<String>,
    /// `application` or `user`.
    #[schema(value_type = String)]
    pub user_type: &'static str,
    pub scopes: Vec<String>,
    pub authorities: Vec<String>,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds; `null`: never expires.
    pub expires_at: Option<i64>,
    pub active: bool,
    /// Free-form JSON the token carries; introspection returns it.
    #[schema(value_type = Option<Object>)]
    pub properties: Option<serde_json::Map<String, serde_json::Value>>,
    /// Access tokens: `opaque` or `jwt`, as issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<AccessTokenFormat>,
    /// The audiences the token was issued for (`resource`, `audience`); absent: none named.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub aud: Vec<Audience>,
}

impl TokenView {
    pub(super) fn of(t: &TokenRecord, now: i64) -> Self {
        TokenView {
            id: t.id.to_text(),
            kind: t.kind,
            tenant: t.tenant().to_string(),
            client_id: t.client_id().to_string(),
            subject: t.subject().map(str::to_string),
            user_type: t.user_type(),
            scopes: t.scopes().to_vec(),
            authorities: t.authorities().to_vec(),
            issued_at: t.issued_at,
            expires_at: t.expires_at(),
            active: t.is_active(now),
            properties: t.properties.as_deref().cloned(),
            format: (t.kind == TokenKind::Access).then(|| match t.is_jwt() {
                true => AccessTokenFormat::Jwt,
                false => AccessTokenFormat::Opaque,
            }),
            aud: t.audience().to_vec(),
        }
    }
}

/// A page of a client's tokens [R].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenList {
    /// Active access tokens the client holds now.
    pub active_count: u64,
    /// The limit that applies (client, else tenant); `null`: none.
    pub max_active_tokens: Option<u32>,
    pub tokens: Vec<TokenView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeTokens {
    /// Only the tokens of this user; all of the client's when absent.
    pub subject: Option<Username>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    /// The token value (`tsa_…` or `tsr_…`).
    #[schema(value_type = String, format = Password)]
    pub token: crate::secret::Secret<String>,
}

pub(super) fn scopes_for(client_scopes: &[String], requested: Vec<String>) -> AdminResult<Arc<[String]>> {
    validate::scopes("scopes", &requested)?;
    if let Some(bad) = requested
        .iter()
        .find(|s| !s.starts_with(DEVICE_SCOPE_PREFIX) && !client_scopes.contains(s))
    {
        return Err(AdminError::Invalid(format!(
            "scopes: {bad:?} is not allowed for the client"
        )));
    }
    Ok(scope_set(requested).into())
}

impl Service {
    pub(super) async fn client_in(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
        access: Access,
    ) -> AdminResult<Arc<crate::model::Client>> {
        who.require(tenant, Area::Tokens, access)?;
        match self.store.get_client(client_id).await? {
            Some(c) if c.tenant == tenant.as_str() => Ok(c),
            _ => Err(AdminError::NotFound("client")),
        }
    }

    pub async fn list_client_tokens(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
        q: TokenListQuery,
    ) -> AdminResult<TokenList> {
        let client = self.client_in(who, tenant, client_id, Access::Read).await?;
        let kind = match q.kind.as_deref() {
            None => None,
            Some(k @ ("access" | "refresh")) => TokenKind::parse(k),
            Some(_) => return Err(AdminError::Invalid("kind: must be access or refresh".into())),
        };
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AdminError::Invalid(format!("limit: must be between 1 and {MAX_PAGE}")));
        }
        let after = match q.cursor.as_deref() {
            None => None,
            Some(c) => Some(
                self.keys
                    .open_cursor(c)
                    .ok_or(AdminError::Invalid("cursor: invalid or tampered".into()))?,
            ),
        };
        let now = self.clock.now();
        let query = TokenQuery {
            client_id: client.client_id.clone(),
            subject: q.subject.map(String::from),
            kind,
            after,
            limit: limit + 1,
            now,
        };
        let mut page = self.store.list_tokens(&query).await?;
        let next_cursor = (page.len() > limit).then(|| {
            page.truncate(limit);
            self.keys.seal_cursor(&page[limit - 1].id)
        });
        let tenant_limit = self
            .store
            .get_tenant(tenant)
            .await?
            .and_then(|t| t.settings.max_active_tokens);
        Ok(TokenList {
            active_count: self.store.count_active_access(&client.client_id, now).await?,
            max_active_tokens: client.settings.max_active_tokens.or(tenant_limit),
            tokens: page.iter().map(|t| TokenView::of(t, now)).collect(),
            next_cursor,
        })
    }

    pub async fn revoke_client_tokens_admin(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
        body: RevokeTokens,
    ) -> AdminResult<u64> {
        let client = self.client_in(who, tenant, client_id, Access::Update).await?;
        let now = self.clock.now();
        let revoked = self
            .store
            .revoke_client_tokens(&client.client_id, body.subject.as_deref().map(UsernameRef::as_str), now)
            .await?;
        self.metrics.tokens.revoked(&client.tenant, Revocation::Admin, revoked);
        Ok(revoked)
    }

    /// A token the caller may see; any other answers 404 so ids of other tenants reveal nothing.
    pub(super) async fn visible_token(
        &self,
        who: &Principal,
        id: &str,
        access: Access,
    ) -> AdminResult<Arc<TokenRecord>> {
        let id = TokenId::from_text(id).ok_or(AdminError::Invalid("id: not a token id".into()))?;
        match self.store.get_token(&id).await? {
            Some(t) if t.kind != TokenKind::Code && who.may(t.tenant(), Area::Tokens, access) => Ok(t),
            _ => Err(AdminError::NotFound("token")),
        }
    }

    pub async fn get_token_admin(&self, who: &Principal, id: &str) -> AdminResult<TokenView> {
        let t = self.visible_token(who, id, Access::Read).await?;
        Ok(TokenView::of(&t, self.clock.now()))
    }

    /// DELETE: revokes the token (a refresh token takes its grant with it).
    pub async fn delete_token_admin(&self, who: &Principal, id: &str) -> AdminResult<()> {
        let t = self.visible_token(who, id, Access::Update).await?;
        let revoked = match t.kind {
            TokenKind::Refresh => self.store.revoke_grant(&t.grant_id).await?,
            _ => u64::from(self.store.revoke_token(&t.id).await?),
        };
        self.metrics.tokens.revoked(t.tenant(), Revocation::Admin, revoked);
        Ok(())
    }

    /// Finds a token's id from its value.
    pub async fn lookup_token(&self, who: &Principal, body: Lookup) -> AdminResult<TokenView> {
        let (_, id) = self
            .recognise(body.token.expose())
            .ok_or(AdminError::NotFound("token"))?;
        self.get_token_admin(who, &id.to_text()).await
    }
}
