//! A decorator that keeps each node's short-lived copies of clients and tenants, which every
//! request reads, for the stores where a read is a database round trip (PostgreSQL, MySQL). The
//! embedded store holds everything in memory already and goes without.

use super::decorate::{Around, Changed, Decorated, Load, Op};
use super::{Store, StoreError, StoreResult};
use crate::model::{Client, Tenant};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// How long a node may answer from its copy of a client or tenant.
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_millis(250);

/// Clients and tenants by id, each kept for [`CACHE_TTL`]: issuance and introspection read both
/// on every request, and a round trip each was most of a request's cost. When an entry runs out,
/// the requests that miss it wait for one load instead of each querying (64 at once every 250 ms
/// took every pooled connection).
pub struct EntityCache {
    clients: moka::future::Cache<String, Arc<Client>>,
    tenants: moka::future::Cache<String, Arc<Tenant>>,
    /// Bumped after every change of a client or tenant committed here: a load that was under way
    /// meanwhile may have read the old row, and is not kept.
    changes: std::sync::atomic::AtomicU64,
    /// Loads started, for the tests.
    #[cfg(test)]
    pub loads: std::sync::atomic::AtomicUsize,
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
    pub async fn client_changed(&self, client_id: &str) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.clients.invalidate(client_id).await;
    }

    /// Forgets a tenant's copy after a change to it has committed; `and_clients` when its clients
    /// went with it.
    pub async fn tenant_changed(&self, id: &str, and_clients: bool) {
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
    async fn get_or_load<'a, T>(
        &self,
        copies: &moka::future::Cache<String, Arc<T>>,
        key: &str,
        fetch: Load<'a, T>,
    ) -> StoreResult<Option<Arc<T>>>
    where
        T: Send + Sync + 'static,
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

impl Around for EntityCache {
    fn around<T: Send>(
        &self,
        _op: Op,
        call: impl Future<Output = StoreResult<T>> + Send,
    ) -> impl Future<Output = StoreResult<T>> + Send {
        call
    }

    async fn tenant<'a>(&'a self, id: &'a str, load: Load<'a, Tenant>) -> StoreResult<Option<Arc<Tenant>>> {
        self.get_or_load(&self.tenants, id, load).await
    }

    async fn client<'a>(&'a self, client_id: &'a str, load: Load<'a, Client>) -> StoreResult<Option<Arc<Client>>> {
        self.get_or_load(&self.clients, client_id, load).await
    }

    async fn changed(&self, change: Changed<'_>) {
        match change {
            Changed::Tenant(id) => self.tenant_changed(id, false).await,
            Changed::TenantDeleted(id) => self.tenant_changed(id, true).await,
            Changed::Client(id) => self.client_changed(id).await,
        }
    }
}

pub type CachedStore = Decorated<EntityCache>;

/// `inner`, with clients and tenants answered from this node's copies for up to [`CACHE_TTL`].
pub fn cached(inner: Arc<dyn Store>) -> CachedStore {
    Decorated::new(inner, EntityCache::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::fixtures;
    use crate::store::embedded::EmbeddedStore;
    use crate::store::{ClientStore, TenantStore};
    use std::sync::atomic::AtomicUsize;
    use tokio::sync::Notify;

    fn client(name: &str) -> Arc<Client> {
        let (_, mut c) = fixtures("cache");
        c.name = name.into();
        Arc::new(c)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_missing_one_client_share_one_load() {
        let cache = Arc::new(EntityCache::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let go = Arc::new(Notify::new());
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (cache, calls, go) = (cache.clone(), calls.clone(), go.clone());
                tokio::spawn(async move {
                    let load = || {
                        let (calls, go) = (calls.clone(), go.clone());
                        Box::pin(async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            go.notified().await;
                            Ok(Some(client("one")))
                        }) as std::pin::Pin<Box<dyn Future<Output = _> + Send>>
                    };
                    cache.client("c", &load).await.unwrap().unwrap()
                })
            })
            .collect();
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        go.notify_waiters();
        go.notify_one();
        for task in tasks {
            assert_eq!(task.await.unwrap().name, "one");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "64 requests, one load");
    }

    #[tokio::test]
    async fn absence_and_failures_are_not_kept() {
        let cache = EntityCache::default();
        let absent = || Box::pin(async { Ok(None) }) as std::pin::Pin<Box<dyn Future<Output = _> + Send>>;
        assert!(cache.client("c", &absent).await.unwrap().is_none());
        let failing = || {
            Box::pin(async { Err(StoreError::Unavailable("down".into())) })
                as std::pin::Pin<Box<dyn Future<Output = _> + Send>>
        };
        assert!(cache.client("c", &failing).await.is_err());
        let found = || Box::pin(async { Ok(Some(client("now"))) }) as std::pin::Pin<Box<dyn Future<Output = _> + Send>>;
        assert_eq!(cache.client("c", &found).await.unwrap().unwrap().name, "now");
        assert_eq!(cache.client("c", &absent).await.unwrap().unwrap().name, "now", "kept");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_load_that_raced_a_change_is_not_kept() {
        let cache = Arc::new(EntityCache::default());
        let (started, go) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let calls = Arc::new(AtomicUsize::new(0));
        let loading = {
            let (cache, started, go, calls) = (cache.clone(), started.clone(), go.clone(), calls.clone());
            tokio::spawn(async move {
                let load = || {
                    let (started, go, calls) = (started.clone(), go.clone(), calls.clone());
                    Box::pin(async move {
                        // The first fetch waits for the change; the raced load's own fetch does not.
                        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                            started.notify_one();
                            go.notified().await;
                        }
                        Ok(Some(client("old")))
                    }) as std::pin::Pin<Box<dyn Future<Output = _> + Send>>
                };
                cache.client("c", &load).await.unwrap()
            })
        };
        started.notified().await;
        // A change commits while the load is under way: what it read may be the old row.
        cache.changed(Changed::Client("c")).await;
        go.notify_one();
        assert!(loading.await.unwrap().is_some());
        assert!(
            cache.clients.get("c").await.is_none(),
            "what the raced load read is not kept"
        );
        let fresh = || Box::pin(async { Ok(Some(client("new"))) }) as std::pin::Pin<Box<dyn Future<Output = _> + Send>>;
        assert_eq!(cache.client("c", &fresh).await.unwrap().unwrap().name, "new");
        assert!(cache.clients.get("c").await.is_some(), "the next load is kept");
    }

    #[tokio::test]
    async fn this_nodes_changes_are_seen_at_once() {
        let store = cached(Arc::new(EmbeddedStore::in_memory()));
        let (tenant, mut c) = fixtures("seen");
        store.create_tenant(tenant.clone()).await.unwrap();
        store.create_client(c.clone()).await.unwrap();
        assert_eq!(store.get_client(&c.client_id).await.unwrap().unwrap().name, c.name);
        c.name = "renamed".into();
        store.update_client(c.clone()).await.unwrap();
        assert_eq!(store.get_client(&c.client_id).await.unwrap().unwrap().name, "renamed");
        store.delete_client(&c.client_id, 0).await.unwrap();
        assert!(store.get_client(&c.client_id).await.unwrap().is_none());
        let mut t = tenant;
        t.name = "Renamed".into();
        store.update_tenant(t.clone()).await.unwrap();
        assert_eq!(store.get_tenant(&t.id).await.unwrap().unwrap().name, "Renamed");
        store.delete_tenant(&t.id).await.unwrap();
        assert!(store.get_tenant(&t.id).await.unwrap().is_none());
    }
}
