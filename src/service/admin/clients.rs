//! Admin operations on clients [W]: the secret is shown once, at creation or regeneration.

use super::tenants::{apply_settings, check_settings};
use super::validate::{self, patch, Patch};
use super::{Access, AdminError, AdminResult, Area, Principal};
use crate::model::{Client, GrantType, Origin, TokenPolicy, TokenSettings};
use crate::service::Service;
use crate::token::{generate_client_secret, hash_client_secret};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// Unique across the server; generated when absent.
    #[schema(pattern = r"^[A-Za-z0-9._~-]{1,128}$", example = "billing")]
    pub client_id: Option<String>,
    /// Defaults to the client id.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// Defaults to `["client_credentials"]`.
    pub grant_types: Option<Vec<GrantType>>,
    /// RFC 6749 scope tokens the client may ask for.
    #[serde(default)]
    #[schema(pattern = r"^[\x21\x23-\x5B\x5D-\x7E]+$")]
    pub scopes: Vec<String>,
    /// Absolute URIs without a fragment.
    #[serde(default)]
    #[schema(format = "uri")]
    pub redirect_uris: Vec<String>,
    /// Web origins (`scheme://host[:port]`) that may call the token endpoints from a browser
    /// (CORS), besides the origins of the redirect URIs.
    #[serde(default)]
    #[schema(format = "uri", example = json!(["https://app.example"]))]
    pub allowed_origins: Vec<String>,
    /// Roles its client-credentials tokens carry.
    #[serde(default)]
    #[schema(pattern = r"^[^\s\x00-\x1F\x7F-\x9F]{1,200}$")]
    pub authorities: Vec<String>,
    /// A public client has no secret and cannot use `client_credentials`.
    #[serde(default)]
    pub public: bool,
    /// Seconds (not 0, at most ten years); negative: never expire; `null`: inherit the tenant's.
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub access_token_ttl: Option<i64>,
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub user_access_token_ttl: Option<i64>,
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub refresh_token_ttl: Option<i64>,
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub code_ttl: Option<i64>,
    /// Seconds after a refresh token's first use during which presenting it again issues new
    /// tokens instead of revoking the lineage (0 to 86400; 0: none); `null`: inherit the tenant's.
    #[schema(minimum = 0, maximum = 86_400)]
    pub refresh_token_grace: Option<i64>,
    pub token_policy: Option<TokenPolicy>,
    #[schema(minimum = 1)]
    pub max_active_tokens: Option<u32>,
}

/// Absent fields stay as they are; `null` sets a setting back to inherit.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    pub grant_types: Option<Vec<GrantType>>,
    #[schema(pattern = r"^[\x21\x23-\x5B\x5D-\x7E]+$")]
    pub scopes: Option<Vec<String>>,
    #[schema(format = "uri")]
    pub redirect_uris: Option<Vec<String>>,
    #[schema(format = "uri")]
    pub allowed_origins: Option<Vec<String>>,
    #[schema(pattern = r"^[^\s\x00-\x1F\x7F-\x9F]{1,200}$")]
    pub authorities: Option<Vec<String>>,
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
    pub max_active_tokens: Patch<u32>,
}

/// A client; `null` settings inherit the tenant's.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub tenant: String,
    pub name: String,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// Canonical: lowercase scheme and host, no default port.
    #[schema(value_type = Vec<String>)]
    pub allowed_origins: Vec<Origin>,
    pub authorities: Vec<String>,
    pub public: bool,
    pub access_token_ttl: Option<i64>,
    pub user_access_token_ttl: Option<i64>,
    pub refresh_token_ttl: Option<i64>,
    pub code_ttl: Option<i64>,
    pub refresh_token_grace: Option<i64>,
    pub token_policy: Option<TokenPolicy>,
    pub max_active_tokens: Option<u32>,
    /// Only in the answer that created or regenerated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for ClientView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientView")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl From<&Client> for ClientView {
    fn from(c: &Client) -> Self {
        let s = &c.settings;
        ClientView {
            client_id: c.client_id.clone(),
            tenant: c.tenant.clone(),
            name: c.name.clone(),
            grant_types: c.grant_types.clone(),
            scopes: c.scopes.clone(),
            redirect_uris: c.redirect_uris.clone(),
            allowed_origins: c.allowed_origins.clone(),
            authorities: c.authorities.clone(),
            public: c.public,
            access_token_ttl: s.access_token_ttl,
            user_access_token_ttl: s.user_access_token_ttl,
            refresh_token_ttl: s.refresh_token_ttl,
            code_ttl: s.code_ttl,
            refresh_token_grace: s.refresh_token_grace,
            token_policy: s.token_policy,
            max_active_tokens: s.max_active_tokens,
            client_secret: None,
        }
    }
}

fn check_client(c: &Client) -> AdminResult<()> {
    validate::name("name", &c.name)?;
    validate::scopes("scopes", &c.scopes)?;
    validate::redirect_uris("redirect_uris", &c.redirect_uris)?;
    validate::authorities("authorities", &c.authorities)?;
    if c.public && c.allows_grant(GrantType::ClientCredentials) {
        return Err(AdminError::Invalid(
            "grant_types: a public client cannot use client_credentials".into(),
        ));
    }
    check_settings(&c.settings, "max_active_tokens")
}

fn random_client_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

impl Service {
    async fn tenant_client(
        &self,
        who: &Principal,
        tenant: &str,
        client_id: &str,
        access: Access,
    ) -> AdminResult<Client> {
        validate::tenant_id("tenant", tenant)?;
        validate::client_id("client", client_id)?;
        who.require(tenant, Area::Clients, access)?;
        let client = match self.store.get_client(client_id).await? {
            Some(c) if c.tenant == tenant => Client::clone(&c),
            _ => return Err(AdminError::NotFound("client")),
        };
        // Changing, re-keying or deleting a client is as strong as holding its authorities.
        if access == Access::Update {
            who.require_grantable(&client.authorities)?;
        }
        Ok(client)
    }

    pub async fn create_client(&self, who: &Principal, tenant: &str, new: NewClient) -> AdminResult<ClientView> {
        validate::tenant_id("tenant", tenant)?;
        who.require(tenant, Area::Clients, Access::Update)?;
        self.existing_tenant(tenant).await?;
        let client_id = match new.client_id {
            Some(id) => {
                validate::client_id("client_id", &id)?;
                id
            }
            None => random_client_id(),
        };
        let secret = (!new.public).then(generate_client_secret);
        let client = Client {
            name: new.name.unwrap_or_else(|| client_id.clone()),
            client_id,
            tenant: tenant.to_string(),
            secret_hash: secret.as_ref().map(|s| hash_client_secret(s.expose())),
            grant_types: new.grant_types.unwrap_or_else(|| vec![GrantType::ClientCredentials]),
            scopes: new.scopes,
            redirect_uris: new.redirect_uris,
            allowed_origins: validate::origins("allowed_origins", &new.allowed_origins)?,
            authorities: new.authorities,
            public: new.public,
            settings: TokenSettings {
                access_token_ttl: new.access_token_ttl,
                user_access_token_ttl: new.user_access_token_ttl,
                refresh_token_ttl: new.refresh_token_ttl,
                code_ttl: new.code_ttl,
                refresh_token_grace: new.refresh_token_grace,
                token_policy: new.token_policy,
                max_active_tokens: new.max_active_tokens,
            },
        };
        check_client(&client)?;
        who.require_grantable(&client.authorities)?;
        self.store.create_client(client.clone()).await?;
        self.origins.invalidate();
        let mut view = ClientView::from(&client);
        view.client_secret = secret.map(|s| s.expose().clone());
        Ok(view)
    }

    pub async fn list_clients(&self, who: &Principal, tenant: &str) -> AdminResult<Vec<ClientView>> {
        validate::tenant_id("tenant", tenant)?;
        who.require(tenant, Area::Clients, Access::Read)?;
        self.existing_tenant(tenant).await?;
        Ok(self
            .store
            .list_clients(Some(tenant))
            .await?
            .iter()
            .map(|c| ClientView::from(&**c))
            .collect())
    }

    pub async fn get_client(&self, who: &Principal, tenant: &str, client_id: &str) -> AdminResult<ClientView> {
        Ok(ClientView::from(
            &self.tenant_client(who, tenant, client_id, Access::Read).await?,
        ))
    }

    pub async fn update_client(
        &self,
        who: &Principal,
        tenant: &str,
        client_id: &str,
        change: ClientPatch,
    ) -> AdminResult<ClientView> {
        let mut client = self.tenant_client(who, tenant, client_id, Access::Update).await?;
        if let Some(v) = change.name {
            client.name = v;
        }
        if let Some(v) = change.grant_types {
            client.grant_types = v;
        }
        if let Some(v) = change.scopes {
            client.scopes = v;
        }
        if let Some(v) = change.redirect_uris {
            client.redirect_uris = v;
        }
        if let Some(v) = change.allowed_origins {
            client.allowed_origins = validate::origins("allowed_origins", &v)?;
        }
        if let Some(v) = change.authorities {
            who.require_grantable(v.iter().filter(|a| !client.authorities.contains(a)))?;
            client.authorities = v;
        }
        apply_settings(
            &mut client.settings,
            [
                change.access_token_ttl,
                change.user_access_token_ttl,
                change.refresh_token_ttl,
                change.code_ttl,
            ],
            change.refresh_token_grace,
            change.token_policy,
            change.max_active_tokens,
        );
        check_client(&client)?;
        if !self.store.update_client(client.clone()).await? {
            return Err(AdminError::NotFound("client"));
        }
        self.origins.invalidate();
        Ok(ClientView::from(&client))
    }

    /// Deletes the client; its tokens are revoked with it.
    pub async fn delete_client(&self, who: &Principal, tenant: &str, client_id: &str) -> AdminResult<()> {
        self.tenant_client(who, tenant, client_id, Access::Update).await?;
        if self.store.delete_client(client_id, self.clock.now()).await? {
            self.origins.invalidate();
            Ok(())
        } else {
            Err(AdminError::NotFound("client"))
        }
    }

    /// A new secret; the old one stops working with this call [W].
    pub async fn regenerate_secret(&self, who: &Principal, tenant: &str, client_id: &str) -> AdminResult<ClientView> {
        let mut client = self.tenant_client(who, tenant, client_id, Access::Update).await?;
        if client.public {
            return Err(AdminError::Invalid("client: a public client has no secret".into()));
        }
        let secret = generate_client_secret();
        client.secret_hash = Some(hash_client_secret(secret.expose()));
        if !self.store.update_client(client.clone()).await? {
            return Err(AdminError::NotFound("client"));
        }
        let mut view = ClientView::from(&client);
        view.client_secret = Some(secret.expose().clone());
        Ok(view)
    }
}
