//! Failing fast while the database is down: once a connection-level failure (or an operation
//! slower than a database that is up ever is) is confirmed by a health check, every new
//! operation is refused at once instead of each waiting out the pool's connect timeout, until a
//! background check reaches the database again. Operations already running are left to finish:
//! cutting one short could answer 503 for a write that committed (a refresh rotation the client
//! would then replay).

use super::decorate::{Around, Decorated, Op};
use super::{Store, StoreError, StoreResult};
use parking_lot::Mutex;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How long a health check may take before the database counts as unreachable; under
/// `/readyz`'s own limit, so that the check that decides is the one that answers.
const CHECK_LIMIT: Duration = Duration::from_millis(800);
/// An operation still running after this makes the breaker check the database (the operation
/// goes on; it is cut short only if the check finds the database gone).
const SUSPECT_AFTER: Duration = Duration::from_millis(500);
/// While open, how often the database is checked again.
const RECHECK_EVERY: Duration = Duration::from_millis(250);

struct State {
    /// Operations are refused while set.
    open: AtomicBool,
    /// A check is running (at most one at a time, however many requests failed).
    checking: AtomicBool,
    reason: Mutex<String>,
    /// The store checked: weak, since the decorator holding the breaker holds the store.
    store: Weak<dyn Store>,
}

/// The hook: refuse while open, and on a connection-level failure check the database.
#[derive(Clone)]
pub struct Breaker(Arc<State>);

pub type BreakerStore = Decorated<Breaker>;

/// `inner` behind a breaker. The undecorated store is what the checks use.
pub fn guarded(inner: Arc<dyn Store>) -> Arc<BreakerStore> {
    let breaker = Breaker(Arc::new(State {
        open: AtomicBool::new(false),
        checking: AtomicBool::new(false),
        reason: Mutex::default(),
        store: Arc::downgrade(&inner),
    }));
    Arc::new(Decorated::new(inner, breaker))
}

impl Around for Breaker {
    async fn around<T: Send>(&self, op: Op, call: impl Future<Output = StoreResult<T>> + Send) -> StoreResult<T> {
        if self.0.open.load(Ordering::Acquire) {
            return Err(self.refusal());
        }
        let mut call = pin!(call);
        let result = match tokio::time::timeout(SUSPECT_AFTER, &mut call).await {
            Ok(result) => result,
            Err(_) => {
                self.suspect(&format!("{} took over {SUSPECT_AFTER:?}", op.name()));
                call.await
            }
        };
        if let Err(StoreError::Unreachable(why)) = &result {
            self.suspect(why);
        }
        result
    }
}

impl Breaker {
    fn refusal(&self) -> StoreError {
        StoreError::Unreachable(self.0.reason.lock().clone())
    }

    pub fn is_open(&self) -> bool {
        self.0.open.load(Ordering::Acquire)
    }

    /// A connection-level failure: check the database in the background (one check at a time)
    /// and open the breaker if it cannot be reached; keep checking until it can.
    fn suspect(&self, why: &str) {
        if self.0.checking.swap(true, Ordering::AcqRel) {
            return;
        }
        let breaker = self.clone();
        let why = why.to_string();
        tokio::spawn(async move {
            if breaker.run_once().await {
                breaker.0.checking.store(false, Ordering::Release);
                return;
            }
            *breaker.0.reason.lock() = why.clone();
            breaker.0.open.store(true, Ordering::Release);
            tracing::error!(error = %why, "the database cannot be reached: requests fail at once until it can");
            loop {
                tokio::time::sleep(RECHECK_EVERY).await;
                if breaker.run_once().await {
                    break;
                }
            }
            breaker.0.open.store(false, Ordering::Release);
            breaker.0.checking.store(false, Ordering::Release);
            tracing::warn!("the database can be reached again: requests resumed");
        });
    }

    /// One health check of the database; `true` if it answered in time (or the store is gone,
    /// so there is nothing left to guard).
    pub async fn run_once(&self) -> bool {
        let Some(store) = self.0.store.upgrade() else {
            return true;
        };
        matches!(tokio::time::timeout(CHECK_LIMIT, store.health()).await, Ok(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::EmbeddedStore;
    use crate::store::TenantStore;

    #[tokio::test]
    async fn a_reachable_store_is_never_refused() {
        let store = guarded(Arc::new(EmbeddedStore::in_memory()));
        store.hook().suspect("a lost connection");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!store.hook().is_open());
        assert!(store.list_tenants().await.is_ok());
    }
}
