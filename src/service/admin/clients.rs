//! Admin operations on clients [W]: the secret is shown once, at creation or regeneration.

use super::tenants::{apply_format, apply_settings, check_settings, new_settings};
use super::validate;
use super::{Access, AdminError, AdminResult, Area, Principal};
use crate::model::{Client, ClientId, ClientIdRef, GrantType, TenantIdRef};
use crate::service::Service;
use crate::token::{generate_client_secret, hash_client_secret};

mod payloads;
pub use payloads::{ClientPatch, ClientView, NewClient};

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

fn random_client_id() -> ClientId {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let id = (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    ClientId::parse(id).expect("20 lowercase letters and digits are a client id")
}

impl Service {
    async fn tenant_client(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
        access: Access,
    ) -> AdminResult<Client> {
        who.require(tenant, Area::Clients, access)?;
        let client = match self.store.get_client(client_id).await? {
            Some(c) if c.tenant == tenant.as_str() => Client::clone(&c),
            _ => return Err(AdminError::NotFound("client")),
        };
        // Changing, re-keying or deleting a client is as strong as holding its authorities.
        if access == Access::Update {
            who.require_grantable(&client.authorities)?;
        }
        Ok(client)
    }

    pub async fn create_client(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        new: NewClient,
    ) -> AdminResult<ClientView> {
        who.require(tenant, Area::Clients, Access::Update)?;
        self.existing_tenant(tenant).await?;
        let client_id = match new.client_id {
            // Each tenant's console signs in with its own client of this name (created at the
            // first sign-in); another tenant taking it would lock that console out.
            Some(id) if id.as_str().starts_with(crate::service::console::CLIENT_ID_PREFIX) => {
                return Err(AdminError::Invalid(format!(
                    "client_id: ids starting with {:?} are kept for the console",
                    crate::service::console::CLIENT_ID_PREFIX
                )))
            }
            Some(id) => id,
            None => random_client_id(),
        };
        let ttls = [
            new.access_token_ttl,
            new.user_access_token_ttl,
            new.refresh_token_ttl,
            new.code_ttl,
        ];
        let secret = (!new.public).then(generate_client_secret);
        let mut client = Client {
            name: new.name.unwrap_or_else(|| client_id.to_string()),
            client_id,
            tenant: tenant.to_owned(),
            secret_hash: secret.as_ref().map(|s| hash_client_secret(s.expose())),
            grant_types: new.grant_types.unwrap_or_else(|| vec![GrantType::ClientCredentials]),
            scopes: new.scopes,
            redirect_uris: new.redirect_uris,
            allowed_origins: validate::origins("allowed_origins", &new.allowed_origins)?,
            authorities: new.authorities,
            public: new.public,
            settings: new_settings(ttls, new.refresh_token_grace, new.token_policy, new.max_active_tokens)?,
        };
        client.settings.access_token_format = new.access_token_format;
        client.settings.audience = new.audience;
        check_client(&client)?;
        who.require_grantable(&client.authorities)?;
        self.store.create_client(client.clone()).await?;
        self.origins.invalidate();
        let mut view = ClientView::from(&client);
        view.client_secret = secret.map(|s| s.expose().clone());
        Ok(view)
    }

    pub async fn list_clients(&self, who: &Principal, tenant: &TenantIdRef) -> AdminResult<Vec<ClientView>> {
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

    pub async fn get_client(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
    ) -> AdminResult<ClientView> {
        Ok(ClientView::from(
            &self.tenant_client(who, tenant, client_id, Access::Read).await?,
        ))
    }

    pub async fn update_client(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
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
        )?;
        apply_format(&mut client.settings, change.access_token_format, change.audience);
        check_client(&client)?;
        if !self.store.update_client(client.clone()).await? {
            return Err(AdminError::NotFound("client"));
        }
        self.origins.invalidate();
        Ok(ClientView::from(&client))
    }

    /// Deletes the client; its tokens are revoked with it.
    pub async fn delete_client(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
    ) -> AdminResult<()> {
        self.tenant_client(who, tenant, client_id, Access::Update).await?;
        if self.store.delete_client(client_id, self.clock.now()).await? {
            self.origins.invalidate();
            Ok(())
        } else {
            Err(AdminError::NotFound("client"))
        }
    }

    /// A new secret; the old one stops working with this call [W].
    pub async fn regenerate_secret(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        client_id: &ClientIdRef,
    ) -> AdminResult<ClientView> {
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
