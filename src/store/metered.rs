//! A store decorator that times every operation of the store it wraps, for the
//! `tessera_store_operation_duration_seconds` histogram: one place, whatever the backend.

use super::decorate::{Around, Decorated, Op};
use super::*;
use crate::metrics::{Histogram, Metrics};
use prometheus_client::metrics::counter::Counter;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Instant;

/// One operation's series, fetched from the registry on first use and kept.
#[derive(Default)]
struct Series {
    latency: OnceLock<Histogram>,
    errors: OnceLock<Counter>,
}

/// Times each operation into the registry.
pub struct Timing {
    metrics: Arc<Metrics>,
    /// Indexed by [`Op`].
    series: Box<[Series]>,
}

impl Around for Timing {
    async fn around<T: Send>(&self, op: Op, call: impl Future<Output = StoreResult<T>> + Send) -> StoreResult<T> {
        let start = Instant::now();
        let result = call.await;
        let series = &self.series[op as usize];
        let store = &self.metrics.store;
        series
            .latency
            .get_or_init(|| store.latency(op.name()))
            .observe(start.elapsed().as_secs_f64());
        if result.is_err() {
            series.errors.get_or_init(|| store.errors(op.name())).inc();
        }
        result
    }
}

pub type MeteredStore = Decorated<Timing>;

pub fn metered(inner: Arc<dyn Store>, metrics: Arc<Metrics>) -> MeteredStore {
    let series = Op::NAMES.iter().map(|_| Series::default()).collect();
    Decorated::new(inner, Timing { metrics, series })
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
