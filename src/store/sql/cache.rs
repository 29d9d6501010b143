//! Each node's short-lived copies of clients and tenants, which every request reads.

use super::rows::{self, CLIENT_COLUMNS};
use super::{db_err, SqlStore};
use crate::model::{Client, Tenant};
use crate::store::{StoreError, StoreResult};
use std::sync::atomic::Ordering;
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
    /// Bumped after every change of a client or tenant committed here: a load that was under way
    /// meanwhile may have read the old row, and is not kept.
    changes: std::sync::atomic::AtomicU64,
    /// Loads started, for the tests.
    #[cfg(test)]
    pub(super) loads: std::sync::atomic::AtomicUsize,
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
            changes: Default::default(),
            #[cfg(test)]
            loads: Default::default(),
        }
    }
}

impl EntityCache {
    /// Forgets a client's copy after a change to it has committed.
    pub(super) async fn client_changed(&self, client_id: &str) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.clients.invalidate(client_id).await;
    }

    /// Forgets a tenant's copy after a change to it has committed; `and_clients` when its clients
    /// went with it.
    pub(super) async fn tenant_changed(&self, id: &str, and_clients: bool) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.tenants.invalidate(id).await;
        if and_clients {
            self.clients.invalidate_all();
        }
    }
}

/// Why a load left nothing in the cache.
enum Miss {
    Absent,
    Failed(StoreError),
    /// A change committed while it ran: what it read may be the old row.
    Raced,
}

impl EntityCache {
    /// `key`'s copy in `copies`, or one `fetch` for all who ask meanwhile. A load that raced a
    /// change is not kept, and those who waited for it fetch again themselves.
    async fn get_or_load<T, Load>(
        &self,
        copies: &moka::future::Cache<String, Arc<T>>,
        key: &str,
        fetch: impl Fn() -> Load,
    ) -> StoreResult<Option<Arc<T>>>
    where
        T: Send + Sync + 'static,
        Load: std::future::Future<Output = StoreResult<Option<Arc<T>>>>,
    {
        let load = async {
            let seen = self.changes.load(Ordering::Acquire);
            #[cfg(test)]
            self.loads.fetch_add(1, Ordering::Release);
            let fetched = fetch().await;
            if self.changes.load(Ordering::Acquire) != seen {
                return Err(Miss::Raced);
            }
            match fetched {
                Ok(Some(value)) => Ok(value),
                Ok(None) => Err(Miss::Absent),
                Err(e) => Err(Miss::Failed(e)),
            }
        };
        match copies.try_get_with_by_ref(key, load).await {
            Ok(value) => Ok(Some(value)),
            Err(miss) => match &*miss {
                Miss::Absent => Ok(None),
                Miss::Failed(e) => Err(e.clone()),
                Miss::Raced => fetch().await,
            },
        }
    }
}

impl SqlStore {
    /// The tenant from this node's copy, or loaded once for all who ask meanwhile.
    pub(super) async fn cached_tenant(&self, id: &str) -> StoreResult<Option<Arc<Tenant>>> {
        let cache = &self.cache;
        cache.get_or_load(&cache.tenants, id, || self.fetch_tenant(id)).await
    }

    /// The client from this node's copy, or loaded once for all who ask meanwhile.
    pub(super) async fn cached_client(&self, client_id: &str) -> StoreResult<Option<Arc<Client>>> {
        let cache = &self.cache;
        cache
            .get_or_load(&cache.clients, client_id, || self.fetch_client(client_id))
            .await
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
