//! A store decorator that times every operation of the store it wraps, for the
//! `tessera_store_operation_duration_seconds` histogram, and logs each failure once, naming the
//! operation: one place, whatever the backend and whichever layer maps the error to an answer.

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
        if let Err(e) = &result {
            series.errors.get_or_init(|| store.errors(op.name())).inc();
            log_failure(op, e);
        }
        result
    }
}

/// Failures an operator must act on at error level. `Unreachable` was logged once where it was
/// found (the breaker, the SQLite writer), not once per refused request; a conflict or a missing
/// row is an answer (409, 404) or a race the caller handles.
fn log_failure(op: Op, e: &StoreError) {
    match e {
        StoreError::Unavailable(_) | StoreError::Deadlock(_) | StoreError::Corrupt(_) => {
            tracing::error!(operation = op.name(), error = %e, "store operation failed")
        }
        StoreError::Unreachable(_) | StoreError::Conflict(_) | StoreError::Missing(_) => {
            tracing::debug!(operation = op.name(), error = %e, "store operation refused")
        }
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
        store.get_tenant(crate::model::tid("m")).await.unwrap();
        let text = metrics.render();
        assert!(text.contains("tessera_store_operation_duration_seconds_count{operation=\"create_tenant\"} 2\n"));
        assert!(text.contains("tessera_store_operation_duration_seconds_count{operation=\"get_tenant\"} 1\n"));
        assert!(
            text.contains("tessera_store_errors_total{operation=\"create_tenant\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("operation=\"issue\""), "series appear on first use");
    }

    /// Everything logged at `level` and above while `run` runs, one line per event.
    async fn logged<F: Future>(level: tracing::Level, run: F) -> String {
        let buffer = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        run.await;
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        text
    }

    struct Sink(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn failures_are_logged_once_with_their_operation() {
        let store = metered(
            Arc::new(super::super::embedded::EmbeddedStore::in_memory()),
            Arc::new(Metrics::new()),
        );
        let (tenant, _) = fixtures("l");
        store.create_tenant(tenant.clone()).await.unwrap();
        let text = logged(tracing::Level::DEBUG, async {
            assert!(store.create_tenant(tenant).await.is_err());
        })
        .await;
        assert_eq!(text.matches("store operation refused").count(), 1, "{text}");
        assert!(text.contains("operation=\"create_tenant\""), "{text}");
        assert!(text.contains("already exists"), "{text}");

        let text = logged(tracing::Level::ERROR, async {
            log_failure(Op::GetToken, &StoreError::Corrupt("row 7".into()));
            log_failure(Op::Issue, &StoreError::Unreachable("connection refused".into()));
        })
        .await;
        assert_eq!(text.lines().count(), 1, "only the corrupt row is an error: {text}");
        assert!(text.contains("ERROR") && text.contains("operation=\"get_token\"") && text.contains("row 7"));
    }
}
