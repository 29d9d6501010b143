//! A store decorator that times every operation of the store it wraps, for the
//! `tessera_store_operation_duration_seconds` histogram: one place, whatever the backend.

use super::decorate::{Around, Decorated, Op};
use super::*;
use crate::metrics::Metrics;
use std::future::Future;
use std::time::Instant;

/// Times each operation into the registry.
pub struct Timing(Arc<Metrics>);

impl Around for Timing {
    async fn around<T: Send>(&self, op: Op, call: impl Future<Output = StoreResult<T>> + Send) -> StoreResult<T> {
        let start = Instant::now();
        let result = call.await;
        self.0.store.observe(op, start.elapsed(), result.is_err());
        result
    }
}

pub type MeteredStore = Decorated<Timing>;

pub fn metered(inner: Arc<dyn Store>, metrics: Arc<Metrics>) -> MeteredStore {
    Decorated::new(inner, Timing(metrics))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::fixtures;

    #[tokio::test]
    async fn operations_are_timed_and_failures_counted() {
        let metrics = Arc::new(Metrics::new());
        let store = metered(
            Arc::new(super::super::embedded::EmbeddedStore::in_memory()),
            metrics.clone(),
        );
        let (tenant, _) = fixtures("m");
        store.create_tenant(tenant.clone()).await.unwrap();
        assert!(store.create_tenant(tenant).await.is_err());
        store.get_tenant("m").await.unwrap();
        let text = metrics.render();
        assert!(text.contains("tessera_store_operation_duration_seconds_count{operation=\"create_tenant\"} 2\n"));
        assert!(text.contains("tessera_store_operation_duration_seconds_count{operation=\"get_tenant\"} 1\n"));
        assert!(
            text.contains("tessera_store_errors_total{operation=\"create_tenant\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("operation=\"issue\""), "series appear on first use");
    }
}
