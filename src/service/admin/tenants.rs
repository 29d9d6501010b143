//! Admin operations on tenants [R][O]: create, list, read, change settings, delete.

use super::validate::{self, patch, Patch};
use super::{Access, AdminError, AdminResult, Area, Principal};
use crate::model::{
    AccessTokenFormat, Audience, Lifetime, Tenant, TenantId, TenantIdRef, TokenPolicy, TokenSettings, SYSTEM_TENANT,
};
use crate::service::Service;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// A slug: a-z, 0-9 and inner `-`.
    pub id: TenantId,
    /// Defaults to the id.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// Application access tokens, seconds (not 0, at most ten years); negative: never expire; `null`: inherit.
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub access_token_ttl: Option<i64>,
    /// User access tokens, seconds.
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub user_access_token_ttl: Option<i64>,
    /// Refresh tokens, seconds.
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub refresh_token_ttl: Option<i64>,
    /// Authorization codes, seconds.
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub code_ttl: Option<i64>,
    /// Seconds after a refresh token's first use during which presenting it again issues new
    /// tokens instead of revoking the lineage (0 to 86400; 0: none); `null`: inherit.
    #[schema(minimum = 0, maximum = 86_400)]
    pub refresh_token_grace: Option<i64>,
    pub token_policy: Option<TokenPolicy>,
    /// Active access tokens one client may hold; `null`: no limit.
    #[schema(minimum = 1)]
    pub max_active_tokens_per_client: Option<u32>,
    /// `opaque` (the default) or `jwt` access tokens; `null`: inherit.
    pub access_token_format: Option<AccessTokenFormat>,
    /// `aud` of access tokens whose request names no `resource`: 1-255 visible ASCII characters;
    /// `null`: the client id.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255, pattern = r"^[\x21-\x7E]+$")]
    pub audience: Option<Audience>,
}

/// Absent fields stay as they are; `null` sets a setting back to inherit.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = -315_360_000, maximum = 315_360_000)]
    pub access_token_ttl: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = -315_360_000, maximum = 315_360_000)]
    pub user_access_token_ttl: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = -315_360_000, maximum = 315_360_000)]
    pub refresh_token_ttl: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = -315_360_000, maximum = 315_360_000)]
    pub code_ttl: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 86_400)]
    pub refresh_token_grace: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<TokenPolicy>)]
    pub token_policy: Patch<TokenPolicy>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub max_active_tokens_per_client: Patch<u32>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<AccessTokenFormat>)]
    pub access_token_format: Patch<AccessTokenFormat>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255, pattern = r"^[\x21-\x7E]+$")]
    pub audience: Patch<Audience>,
}

/// A tenant; `null` settings inherit the built-in defaults.
#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    pub access_token_ttl: Option<i64>,
    pub user_access_token_ttl: Option<i64>,
    pub refresh_token_ttl: Option<i64>,
    pub code_ttl: Option<i64>,
    pub refresh_token_grace: Option<i64>,
    pub token_policy: Option<TokenPolicy>,
    pub max_active_tokens_per_client: Option<u32>,
    pub access_token_format: Option<AccessTokenFormat>,
    #[schema(value_type = Option<String>)]
    pub audience: Option<Audience>,
}

impl From<&Tenant> for TenantView {
    fn from(t: &Tenant) -> Self {
        let s = &t.settings;
        TenantView {
            id: t.id.to_string(),
            name: t.name.clone(),
            access_token_ttl: s.access_token_ttl.map(Lifetime::as_i64),
            user_access_token_ttl: s.user_access_token_ttl.map(Lifetime::as_i64),
            refresh_token_ttl: s.refresh_token_ttl.map(Lifetime::as_i64),
            code_ttl: s.code_ttl.map(Lifetime::as_i64),
            refresh_token_grace: s.refresh_token_grace,
            token_policy: s.token_policy,
            max_active_tokens_per_client: s.max_active_tokens,
            access_token_format: s.access_token_format,
            audience: s.audience.clone(),
        }
    }
}

pub(super) fn check_settings(s: &TokenSettings, max_field: &str) -> AdminResult<()> {
    validate::refresh_grace("refresh_token_grace", s.refresh_token_grace)?;
    validate::max_active(max_field, s.max_active_tokens)
}

fn apply<T>(slot: &mut Option<T>, change: Patch<T>) {
    if let Some(value) = change {
        *slot = value;
    }
}

/// The settings of a new tenant or client, the lifetimes (access, user access, refresh, code)
/// parsed; `check_settings` checks the rest.
pub(super) fn new_settings(
    ttls: [Option<i64>; 4],
    refresh_token_grace: Option<i64>,
    token_policy: Option<TokenPolicy>,
    max_active_tokens: Option<u32>,
) -> AdminResult<TokenSettings> {
    let [access, user_access, refresh, code] = ttls;
    Ok(TokenSettings {
        access_token_ttl: validate::ttl("access_token_ttl", access)?,
        user_access_token_ttl: validate::ttl("user_access_token_ttl", user_access)?,
        refresh_token_ttl: validate::ttl("refresh_token_ttl", refresh)?,
        code_ttl: validate::ttl("code_ttl", code)?,
        refresh_token_grace,
        token_policy,
        max_active_tokens,
        access_token_format: None,
        audience: None,
    })
}

/// Applies the settings part of a PATCH (shared by tenants and clients).
pub(super) fn apply_settings(
    s: &mut TokenSettings,
    ttls: [Patch<i64>; 4],
    refresh_grace: Patch<i64>,
    token_policy: Patch<TokenPolicy>,
    max_active: Patch<u32>,
) -> AdminResult<()> {
    let lifetime = |field, change: Patch<i64>| change.map(|v| validate::ttl(field, v)).transpose();
    let [access, user_access, refresh, code] = ttls;
    apply(&mut s.access_token_ttl, lifetime("access_token_ttl", access)?);
    apply(
        &mut s.user_access_token_ttl,
        lifetime("user_access_token_ttl", user_access)?,
    );
    apply(&mut s.refresh_token_ttl, lifetime("refresh_token_ttl", refresh)?);
    apply(&mut s.code_ttl, lifetime("code_ttl", code)?);
    apply(&mut s.refresh_token_grace, refresh_grace);
    apply(&mut s.token_policy, token_policy);
    apply(&mut s.max_active_tokens, max_active);
    Ok(())
}

/// Applies a PATCH's access-token format and audience (shared by tenants and clients).
pub(super) fn apply_format(s: &mut TokenSettings, format: Patch<AccessTokenFormat>, audience: Patch<Audience>) {
    apply(&mut s.access_token_format, format);
    apply(&mut s.audience, audience);
}

impl Service {
    pub async fn create_tenant(&self, who: &Principal, new: NewTenant) -> AdminResult<TenantView> {
        who.require_server_admin()?;
        let name = new.name.unwrap_or_else(|| new.id.to_string());
        validate::name("name", &name)?;
        let ttls = [
            new.access_token_ttl,
            new.user_access_token_ttl,
            new.refresh_token_ttl,
            new.code_ttl,
        ];
        let mut tenant = Tenant {
            id: new.id,
            name,
            settings: new_settings(
                ttls,
                new.refresh_token_grace,
                new.token_policy,
                new.max_active_tokens_per_client,
            )?,
        };
        tenant.settings.access_token_format = new.access_token_format;
        tenant.settings.audience = new.audience;
        check_settings(&tenant.settings, "max_active_tokens_per_client")?;
        self.store.create_tenant(tenant.clone()).await?;
        Ok(TenantView::from(&tenant))
    }

    /// Every tenant the caller may read.
    pub async fn list_tenants(&self, who: &Principal) -> AdminResult<Vec<TenantView>> {
        // A token that may not read even its own tenant is refused, as on every other admin
        // route, rather than answered with an empty list that looks like "no tenants".
        who.require(&who.tenant, Area::Settings, Access::Read)?;
        let all = self.store.list_tenants().await?;
        Ok(all
            .iter()
            .filter(|t| who.may(&t.id, Area::Settings, Access::Read))
            .map(TenantView::from)
            .collect())
    }

    pub async fn get_tenant(&self, who: &Principal, id: &TenantIdRef) -> AdminResult<TenantView> {
        who.require(id, Area::Settings, Access::Read)?;
        Ok(TenantView::from(&*self.existing_tenant(id).await?))
    }

    pub async fn update_tenant(
        &self,
        who: &Principal,
        id: &TenantIdRef,
        change: TenantPatch,
    ) -> AdminResult<TenantView> {
        who.require(id, Area::Settings, Access::Update)?;
        let mut tenant = Tenant::clone(&*self.existing_tenant(id).await?);
        if let Some(name) = change.name {
            validate::name("name", &name)?;
            tenant.name = name;
        }
        apply_settings(
            &mut tenant.settings,
            [
                change.access_token_ttl,
                change.user_access_token_ttl,
                change.refresh_token_ttl,
                change.code_ttl,
            ],
            change.refresh_token_grace,
            change.token_policy,
            change.max_active_tokens_per_client,
        )?;
        apply_format(&mut tenant.settings, change.access_token_format, change.audience);
        check_settings(&tenant.settings, "max_active_tokens_per_client")?;
        if !self.store.update_tenant(tenant.clone()).await? {
            return Err(AdminError::NotFound("tenant"));
        }
        Ok(TenantView::from(&tenant))
    }

    pub async fn delete_tenant(&self, who: &Principal, id: &TenantIdRef) -> AdminResult<()> {
        who.require_server_admin()?;
        if id.as_str() == SYSTEM_TENANT {
            return Err(AdminError::Invalid(
                "tenant: the system tenant cannot be deleted".into(),
            ));
        }
        if self.store.delete_tenant(id).await? {
            self.origins.invalidate();
            Ok(())
        } else {
            Err(AdminError::NotFound("tenant"))
        }
    }
}
