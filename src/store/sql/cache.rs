//! Each node's short-lived copies of clients and tenants, which every request reads.

use super::rows::{self, CLIENT_COLUMNS};
use super::{db_err, SqlStore};
use crate::model::{Client, Tenant};
use crate::store::{StoreError, StoreResult};
use std::sync::Arc;

/// How long a node may answer from its copy of a client or tenant.
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_millis(250);

/// Clients and tenants by id, each kept for [`CACHE_TTL`]: issuance and introspection read both
/// on every request, and a round trip each was most of a request's cost. When an entry runs out,
/// the requests that miss it wait for one load instead of each querying (64 at once every 250 ms
/// took every pooled connection).
pub struct EntityCache {
    pub(super) clients: moka::future::Cache<String, Arc<Client>>,
    pub(super) tenants: moka::future::Cache<String, Arc<Tenant>>,
    /// Client loads started, for the tests.
    #[cfg(test)]
    pub(super) client_loads: std::sync::atomic::AtomicUsize,
}

impl Default for EntityCache {
    fn default() -> Self {
        Self {
            clients: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CACHE_TTL)
                .build(),
            tenants: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CACHE_TTL)
                .build(),
            #[cfg(test)]
            client_loads: Default::default(),
        }
    }
}

/// Why a load left nothing in the cache.
enum Miss {
    Absent,
    Failed(StoreError),
}

fn found<T>(loaded: Result<Arc<T>, Arc<Miss>>) -> StoreResult<Option<Arc<T>>> {
    match loaded {
        Ok(value) => Ok(Some(value)),
        Err(miss) => match &*miss {
            Miss::Absent => Ok(None),
            Miss::Failed(e) => Err(e.clone()),
        },
    }
}

fn into_miss<T>(fetched: StoreResult<Option<Arc<T>>>) -> Result<Arc<T>, Miss> {
    match fetched {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(Miss::Absent),
        Err(e) => Err(Miss::Failed(e)),
    }
}

impl SqlStore {
    /// The tenant from this node's copy, or loaded once for all who ask meanwhile.
    pub(super) async fn cached_tenant(&self, id: &str) -> StoreResult<Option<Arc<Tenant>>> {
        let load = async { into_miss(self.fetch_tenant(id).await) };
        found(self.cache.tenants.try_get_with_by_ref(id, load).await)
    }

    /// The client from this node's copy, or loaded once for all who ask meanwhile.
    pub(super) async fn cached_client(&self, client_id: &str) -> StoreResult<Option<Arc<Client>>> {
        let load = async {
            #[cfg(test)]
            self.cache
                .client_loads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            into_miss(self.fetch_client(client_id).await)
        };
        found(self.cache.clients.try_get_with_by_ref(client_id, load).await)
    }

    pub(super) async fn tenant_exists(&self, id: &str) -> StoreResult<bool> {
        Ok(self.fetch_tenant(id).await?.is_some())
    }

    /// The tenant as the database has it now.
    pub(super) async fn fetch_tenant(&self, id: &str) -> StoreResult<Option<Arc<Tenant>>> {
        let row = sqlx::query(&self.sql("SELECT id, name, settings FROM tenants WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| rows::tenant(&r).map(Arc::new)).transpose()
    }

    /// The client as the database has it now.
    pub(super) async fn fetch_client(&self, client_id: &str) -> StoreResult<Option<Arc<Client>>> {
        let sql = self
            .dialect
            .sql_owned(&format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id = ?"));
        let row = sqlx::query(&sql)
            .bind(client_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| rows::client(&r).map(Arc::new)).transpose()
    }
}
