//! Prometheus metrics. Each `Service` owns its own registry (no process-global recorder), so
//! several servers in one process, as in the tests, keep their own numbers.
//!
//! Request paths only touch handles registered beforehand or on first use (atomics and a
//! short-held lock); label strings are copied once per series, never per request.

mod active;
mod histogram;
mod purge;
mod rates;
mod tokens;

pub use active::ActiveGauge;
pub use histogram::Histogram;
pub use purge::{LastPurge, PurgeCounters, PurgeOutcome};
pub use rates::{RouteRates, Sample, SAMPLE_SECONDS};

pub use tokens::{RequestOutcome, Revocation, TokenCounters};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// The media type of [`Metrics::render`]'s output (OpenMetrics text, which Prometheus scrapes).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A label set: fixed names, shared values.
pub type Labels<const N: usize> = [(&'static str, Arc<str>); N];

pub type Histograms<const N: usize> = Family<Labels<N>, Histogram, fn() -> Histogram>;

/// Seconds. Token requests on an embedded store take well under a millisecond; password grants
/// (Argon2id) and SQL round trips take milliseconds.
const HTTP_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const STORE_BUCKETS: &[f64] = &[
    0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0,
];

fn http_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS)
}

fn store_histogram() -> Histogram {
    Histogram::new(STORE_BUCKETS)
}

pub struct Metrics {
    registry: Registry,
    /// `tessera_http_request_duration_seconds{route, method, status_class}`.
    pub http: Family<Labels<3>, Histogram, fn() -> Histogram>,
    pub tokens: TokenCounters,
    pub store: StoreTimers,
    pub purge: PurgeCounters,
    pub active: ActiveGauge,
    /// Recent rate and latency of the hot routes, sampled from `http` (the console's Overview).
    pub rates: RouteRates,
    /// `tessera_http_connections{listener}`: connections open now.
    connections: Family<Labels<1>, Gauge>,
    /// `tessera_http_connection_limit{listener}`: the most that may be open at once.
    connection_limits: Family<Labels<1>, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http: Histograms<3> = Family::new_with_constructor(http_histogram);
        registry.register(
            "tessera_http_request_duration_seconds",
            "HTTP request duration by matched route, method and status class",
            http.clone(),
        );
        let tokens = TokenCounters::register(&mut registry);
        let active = ActiveGauge::register(&mut registry);
        let connections = Family::<Labels<1>, Gauge>::default();
        registry.register(
            "tessera_http_connections",
            "HTTP connections open now, by listener (main, management)",
            connections.clone(),
        );
        let connection_limits = Family::<Labels<1>, Gauge>::default();
        registry.register(
            "tessera_http_connection_limit",
            "The most HTTP connections a listener keeps open at once; more wait to be accepted",
            connection_limits.clone(),
        );
        let store = StoreTimers::register(&mut registry);
        let purge = PurgeCounters::register(&mut registry);
        Self {
            registry,
            http,
            tokens,
            store,
            purge,
            active,
            rates: RouteRates::default(),
            connections,
            connection_limits,
        }
    }

    /// One sample of the hot routes' rate and latency (the sampler job calls it every
    /// [`SAMPLE_SECONDS`]).
    pub fn sample_routes(&self, now: i64) {
        self.rates.sample(&self.http, now);
    }

    /// The open-connection gauge of `listener`, with its limit set to `limit`.
    pub fn connection_gauge(&self, listener: &'static str, limit: usize) -> Gauge {
        let label = [("listener", Arc::<str>::from(listener))];
        self.connection_limits
            .get_or_create(&label)
            .set(i64::try_from(limit).unwrap_or(i64::MAX));
        self.connections.get_or_create_owned(&label)
    }

    /// The whole registry as OpenMetrics text. Reads no store: the active-token gauge holds the
    /// last count of the active-token job (`ActiveTokenCounter`, outside this module).
    pub fn render(&self) -> String {
        let _whole = self.active.reading();
        let mut text = String::with_capacity(16 * 1024);
        // Writing into a String cannot fail; the encoder's own errors would be a bug of ours.
        if let Err(e) = encode(&mut text, &self.registry) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        text
    }
}

/// `tessera_store_operation_duration_seconds{operation}` and `tessera_store_errors_total{operation}`.
/// The store's metering decorator asks once per operation for its series and keeps the handles,
/// so a store call costs an observation, not a label lookup.
pub struct StoreTimers {
    latency: Histograms<1>,
    errors: Family<Labels<1>, Counter>,
}

impl StoreTimers {
    fn register(registry: &mut Registry) -> Self {
        let latency: Histograms<1> = Family::new_with_constructor(store_histogram);
        registry.register(
            "tessera_store_operation_duration_seconds",
            "Store operation latency by operation",
            latency.clone(),
        );
        let errors = Family::<Labels<1>, Counter>::default();
        registry.register(
            "tessera_store_errors",
            "Store operations that failed, by operation",
            errors.clone(),
        );
        Self { latency, errors }
    }

    /// The latency histogram of `operation` (created, and shown, from its first use).
    pub fn latency(&self, operation: &'static str) -> Histogram {
        self.latency.get_or_create_owned(&[("operation", operation.into())])
    }

    /// The failure counter of `operation` (created, and shown, from its first failure).
    pub fn errors(&self, operation: &'static str) -> Counter {
        self.errors.get_or_create_owned(&[("operation", operation.into())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_the_gauges() {
        let m = Metrics::new();
        m.purge.record(PurgeOutcome::Done, 7, 5);
        assert_eq!(m.purge.last().map(|l| (l.at, l.deleted)), Some((5, 7)));
        m.store.latency("health").observe(0.00003);
        m.store.errors("health").inc();
        m.active.set(Some(&[("acme".into(), 3)]));
        let open = m.connection_gauge("main", 400);
        open.inc();
        let text = m.render();
        assert!(
            text.contains("tessera_purge_runs_total{outcome=\"done\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("tessera_purge_rows_total 7\n"), "{text}");
        assert!(
            text.contains("tessera_active_access_tokens{tenant=\"acme\"} 3\n"),
            "{text}"
        );
        assert!(text.contains("tessera_store_operation_duration_seconds_count{operation=\"health\"} 1\n"));
        assert!(
            text.contains("tessera_store_errors_total{operation=\"health\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("tessera_http_connections{listener=\"main\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("tessera_http_connection_limit{listener=\"main\"} 400\n"),
            "{text}"
        );
        m.active.set(None);
        let again = m.render();
        assert!(
            !again.contains("tenant=\"acme\""),
            "an unknown count is left out, not stale"
        );
    }

    #[test]
    fn two_registries_keep_their_own_numbers() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.purge.record(PurgeOutcome::Skipped, 0, 0);
        assert!(a.render().contains("outcome=\"skipped\"} 1"));
        assert!(!b.render().contains("outcome=\"skipped\""));
    }
}
