//! Each node's short-lived copies of clients and tenants, which every request reads.

use super::rows::{self, CLIENT_COLUMNS};
use super::{db_err, SqlStore};
use crate::model::{Client, Tenant};
use crate::store::StoreResult;
use std::sync::Arc;

/// How long a node may answer from its copy of a client or tenant.
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_millis(250);

/// Clients and tenants by id, each kept for [`CACHE_TTL`]: issuance and introspection read both
/// on every request, and a round trip each was most of a request's cost.
pub struct EntityCache {
    pub(super) clients: moka::sync::Cache<String, Arc<Client>>,
    pub(super) tenants: moka::sync::Cache<String, Arc<Tenant>>,
}

impl Default for EntityCache {
    fn default() -> Self {
        Self {
            clients: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CACHE_TTL)
                .build(),
            tenants: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CACHE_TTL)
                .build(),
        }
    }
}

impl SqlStore {
    pub(super) async fn tenant_exists(&self, id: &str) -> StoreResult<bool> {
        Ok(self.fetch_tenant(id).await?.is_some())
    }

    pub(super) async fn fetch_tenant(&self, id: &str) -> StoreResult<Option<Arc<Tenant>>> {
        let row = sqlx::query(&self.sql("SELECT id, name, settings FROM tenants WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let tenant = row.map(|r| rows::tenant(&r).map(Arc::new)).transpose()?;
        if let Some(tenant) = &tenant {
            self.cache.tenants.insert(id.to_string(), tenant.clone());
        }
        Ok(tenant)
    }

    pub(super) async fn fetch_client(&self, client_id: &str) -> StoreResult<Option<Arc<Client>>> {
        let sql = self
            .dialect
            .sql_owned(&format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id = ?"));
        let row = sqlx::query(&sql)
            .bind(client_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let client = row.map(|r| rows::client(&r).map(Arc::new)).transpose()?;
        if let Some(client) = &client {
            self.cache.clients.insert(client_id.to_string(), client.clone());
        }
        Ok(client)
    }
}
