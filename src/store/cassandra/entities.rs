//! Tenants and clients. Existence checks and replacements are conditional (`IF NOT EXISTS` /
//! `IF EXISTS`), so two nodes never both create; deletions take the rows that hang off them.

use super::cql::{hex, id, json, parse, unhex};
use super::schema::db_err;
use super::schema::CassandraStore;
use crate::clock::UnixTime;
use crate::model::{Client, ClientIdRef, ClientSettings, Tenant, TenantIdRef};
use crate::store::{ClientStore, StoreError, StoreResult, TenantStore, TokenStore as _};
use async_trait::async_trait;
use std::sync::Arc;

pub(super) const CLIENT_COLUMNS: &str =
    "client_id, tenant, name, secret_hash, grant_types, scopes, redirect_uris, authorities, is_public, settings";

type TenantRow = (String, String, String);
type ClientRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    bool,
    String,
);

fn tenant((tenant_id, name, settings): TenantRow) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: id("id", tenant_id)?,
        name,
        settings: parse("settings", &settings)?,
    })
}

fn client(row: ClientRow) -> StoreResult<Client> {
    let (client_id, tenant, name, secret, grant_types, scopes, redirect_uris, authorities, public, settings) = row;
    let ClientSettings {
        tokens: settings,
        allowed_origins,
    } = parse("settings", &settings)?;
    Ok(Client {
        client_id: id("client_id", client_id)?,
        tenant: id("tenant", tenant)?,
        name,
        secret_hash: secret.map(|h| unhex("secret_hash", &h)).transpose()?,
        grant_types: parse("grant_types", &grant_types)?,
        scopes: parse("scopes", &scopes)?,
        redirect_uris: parse("redirect_uris", &redirect_uris)?,
        authorities: parse("authorities", &authorities)?,
        public,
        settings,
        allowed_origins,
    })
}

impl CassandraStore {
    /// The client's row (the introspection path's prepared statement).
    pub(super) async fn client_row(&self, client_id: &str) -> StoreResult<Option<Client>> {
        let result = self
            .session
            .execute_unpaged(&self.prepared.get_client, (client_id,))
            .await
            .map_err(db_err)?;
        let rows = result.into_rows_result().map_err(db_err)?;
        match rows
            .maybe_first_row::<ClientRow>()
            .map_err(|e| super::cql::corrupt("row", e))?
        {
            Some(row) => client(row).map(Some),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl TenantStore for CassandraStore {
    async fn create_tenant(&self, t: Tenant) -> StoreResult<()> {
        let cql = "INSERT INTO tenants (id, name, settings) VALUES (?, ?, ?) IF NOT EXISTS";
        let values = (t.id.to_string(), t.name, json(&t.settings));
        match self.applied(self.write(cql), values).await? {
            true => Ok(()),
            false => Err(StoreError::Conflict("tenant")),
        }
    }

    async fn get_tenant(&self, tenant_id: &TenantIdRef) -> StoreResult<Option<Arc<Tenant>>> {
        let cql = "SELECT id, name, settings FROM tenants WHERE id = ?";
        let found: Vec<TenantRow> = self.rows(self.read(cql), (tenant_id.to_string(),)).await?;
        found
            .into_iter()
            .next()
            .map(|row| tenant(row).map(Arc::new))
            .transpose()
    }

    /// Every tenant in id order: the one full scan, of a table of a handful of rows.
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let found: Vec<TenantRow> = self
            .rows(self.read("SELECT id, name, settings FROM tenants"), ())
            .await?;
        let mut tenants = found.into_iter().map(tenant).collect::<StoreResult<Vec<_>>>()?;
        tenants.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(tenants)
    }

    async fn update_tenant(&self, t: Tenant) -> StoreResult<bool> {
        let cql = "UPDATE tenants SET name = ?, settings = ? WHERE id = ? IF EXISTS";
        self.applied(self.write(cql), (t.name, json(&t.settings), t.id.to_string()))
            .await
    }

    /// Deletes the tenant with its clients, users, tokens and consents (through its
    /// `clients_by_tenant` and `users` partitions).
    async fn delete_tenant(&self, tenant_id: &TenantIdRef) -> StoreResult<bool> {
        let key = (tenant_id.to_string(),);
        let clients: Vec<(String,)> = self
            .rows(
                self.read("SELECT client_id FROM clients_by_tenant WHERE tenant = ?"),
                &key,
            )
            .await?;
        for (client_id,) in clients {
            self.forget_client(&client_id).await?;
            self.run(self.write("DELETE FROM clients WHERE client_id = ?"), (client_id,))
                .await?;
        }
        let users: Vec<(String,)> = self
            .rows(self.read("SELECT username FROM users WHERE tenant = ?"), &key)
            .await?;
        for (username,) in users {
            self.forget_user(&key.0, &username).await?;
        }
        for cql in [
            "DELETE FROM clients_by_tenant WHERE tenant = ?",
            "DELETE FROM users WHERE tenant = ?",
        ] {
            self.run(self.write(cql), &key).await?;
        }
        self.applied(self.write("DELETE FROM tenants WHERE id = ? IF EXISTS"), &key)
            .await
    }
}

#[async_trait]
impl ClientStore for CassandraStore {
    async fn create_client(&self, c: Client) -> StoreResult<()> {
        if self.get_tenant(&c.tenant).await?.is_none() {
            return Err(StoreError::Missing("tenant"));
        }
        let cql = format!("INSERT INTO clients ({CLIENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        let (client_id, tenant) = (c.client_id.to_string(), c.tenant.to_string());
        let values = (
            &client_id,
            &tenant,
            &c.name,
            c.secret_hash.map(|h| hex(&h)),
            json(&c.grant_types),
            json(&c.scopes),
            json(&c.redirect_uris),
            json(&c.authorities),
            c.public,
            json(&c.stored_settings()),
        );
        if !self.applied(self.write(cql), values).await? {
            return Err(StoreError::Conflict("client"));
        }
        let cql = "INSERT INTO clients_by_tenant (tenant, client_id) VALUES (?, ?)";
        self.run(self.write(cql), (&tenant, &client_id)).await
    }

    async fn get_client(&self, client_id: &ClientIdRef) -> StoreResult<Option<Arc<Client>>> {
        Ok(self.client_row(client_id.as_str()).await?.map(Arc::new))
    }

    /// One tenant's clients (its `clients_by_tenant` partition), or every client (a scan of
    /// `clients`), in client id order.
    async fn list_clients(&self, tenant: Option<&TenantIdRef>) -> StoreResult<Vec<Arc<Client>>> {
        let found: Vec<ClientRow> = match tenant {
            None => {
                self.rows(self.read(format!("SELECT {CLIENT_COLUMNS} FROM clients")), ())
                    .await?
            }
            Some(tenant) => {
                let cql = "SELECT client_id FROM clients_by_tenant WHERE tenant = ?";
                let ids: Vec<(String,)> = self.rows(self.read(cql), (tenant.to_string(),)).await?;
                let ids: Vec<String> = ids.into_iter().map(|(id,)| id).collect();
                let cql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id IN ?");
                self.rows(self.read(cql), (ids,)).await?
            }
        };
        let mut clients = found
            .into_iter()
            .map(|row| client(row).map(Arc::new))
            .collect::<StoreResult<Vec<_>>>()?;
        clients.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        Ok(clients)
    }

    /// Replaces the client (its tenant stays); `Ok(false)` if it does not exist.
    async fn update_client(&self, c: Client) -> StoreResult<bool> {
        let cql = "UPDATE clients SET name = ?, secret_hash = ?, grant_types = ?, scopes = ?, redirect_uris = ?, \
                   authorities = ?, is_public = ?, settings = ? WHERE client_id = ? IF EXISTS";
        let values = (
            &c.name,
            c.secret_hash.map(|h| hex(&h)),
            json(&c.grant_types),
            json(&c.scopes),
            json(&c.redirect_uris),
            json(&c.authorities),
            c.public,
            json(&c.stored_settings()),
            c.client_id.to_string(),
        );
        self.applied(self.write(cql), values).await
    }

    /// Deletes the client, revokes its tokens and forgets its consents.
    async fn delete_client(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<bool> {
        let Some(found) = self.get_client(client_id).await? else {
            return Ok(false);
        };
        self.revoke_client_tokens(client_id, None, now).await?;
        self.forget_consents_of_client(client_id.as_str()).await?;
        let key = (client_id.to_string(),);
        let gone = self
            .applied(self.write("DELETE FROM clients WHERE client_id = ? IF EXISTS"), &key)
            .await?;
        let cql = "DELETE FROM clients_by_tenant WHERE tenant = ? AND client_id = ?";
        self.run(self.write(cql), (found.tenant.to_string(), &key.0)).await?;
        Ok(gone)
    }
}
