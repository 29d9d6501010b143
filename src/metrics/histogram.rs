//! A Prometheus histogram whose observations from different threads do not contend: each thread
//! adds to its own cache-line-aligned shard, and a scrape sums the shards.
//!
//! prometheus-client's `Histogram` takes a mutex on every observation; with one connection worker
//! per core all observing the same route, that mutex and its cache line moved between cores on
//! every request (2 % of the server's CPU under introspection load).

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

/// Shards per histogram; threads beyond this share shards (still correct, merely contended).
const SHARDS: usize = 8;
/// Finite bucket bounds a histogram may have; one more bucket holds `+Inf`.
pub const MAX_BOUNDS: usize = 15;

#[repr(align(128))]
#[derive(Default)]
struct Shard {
    /// Observations per bucket, not cumulative; the last is `+Inf`.
    buckets: [AtomicU64; MAX_BOUNDS + 1],
    /// The sum's `f64` bits.
    sum: AtomicU64,
}

struct Shards {
    bounds: &'static [f64],
    shards: [Shard; SHARDS],
}

#[derive(Clone)]
pub struct Histogram(Arc<Shards>);

fn this_threads_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local!(static SHARD: usize = NEXT.fetch_add(1, Relaxed) % SHARDS);
    SHARD.with(|shard| *shard)
}

impl Histogram {
    /// `bounds` are the buckets' upper bounds, ascending, at most [`MAX_BOUNDS`] of them.
    pub fn new(bounds: &'static [f64]) -> Self {
        assert!(bounds.len() <= MAX_BOUNDS, "too many histogram buckets");
        assert!(bounds.windows(2).all(|w| w[0] < w[1]), "bucket bounds must ascend");
        Self(Arc::new(Shards {
            bounds,
            shards: Default::default(),
        }))
    }

    pub fn observe(&self, value: f64) {
        let shard = &self.0.shards[this_threads_shard()];
        let bucket = self.0.bounds.iter().position(|bound| value <= *bound);
        shard.buckets[bucket.unwrap_or(self.0.bounds.len())].fetch_add(1, Relaxed);
        let _ = shard
            .sum
            .fetch_update(Relaxed, Relaxed, |bits| Some((f64::from_bits(bits) + value).to_bits()));
    }

    /// Sum, count and per-bucket counts (upper bound, observations) over every shard. The count
    /// is the buckets' total, so `_count` always equals the `+Inf` bucket.
    pub(super) fn totals(&self) -> (f64, u64, Vec<(f64, u64)>) {
        let bounds = self.0.bounds.iter().copied().chain([f64::INFINITY]);
        let mut buckets: Vec<(f64, u64)> = bounds.map(|bound| (bound, 0)).collect();
        let mut sum = 0.0;
        for shard in &self.0.shards {
            sum += f64::from_bits(shard.sum.load(Relaxed));
            for (total, observed) in buckets.iter_mut().zip(&shard.buckets) {
                total.1 += observed.load(Relaxed);
            }
        }
        let count = buckets.iter().map(|(_, n)| n).sum();
        (sum, count, buckets)
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (sum, count, _) = self.totals();
        f.debug_struct("Histogram")
            .field("count", &count)
            .field("sum", &sum)
            .finish()
    }
}

impl TypedMetric for Histogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Histogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let (sum, count, buckets) = self.totals();
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::text::encode;
    use prometheus_client::registry::Registry;

    #[test]
    fn observations_from_many_threads_all_count() {
        let histogram = Histogram::new(&[0.1, 1.0]);
        std::thread::scope(|scope| {
            for _ in 0..SHARDS + 3 {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        histogram.observe(0.05);
                        histogram.observe(0.5);
                        histogram.observe(7.0);
                    }
                });
            }
        });
        let threads = (SHARDS + 3) as u64;
        let (sum, count, buckets) = histogram.totals();
        assert_eq!(count, 3000 * threads);
        assert_eq!(
            buckets,
            vec![
                (0.1, 1000 * threads),
                (1.0, 1000 * threads),
                (f64::INFINITY, 1000 * threads)
            ]
        );
        assert!((sum - 7550.0 * threads as f64).abs() < 1e-6, "{sum}");
    }

    #[test]
    fn encodes_cumulative_buckets() {
        let mut registry = Registry::default();
        let histogram = Histogram::new(&[0.1, 1.0]);
        registry.register("latency", "test", histogram.clone());
        histogram.observe(0.05);
        histogram.observe(0.1);
        histogram.observe(2.0);
        let mut text = String::new();
        encode(&mut text, &registry).unwrap();
        assert!(text.contains("latency_bucket{le=\"0.1\"} 2\n"), "{text}");
        assert!(text.contains("latency_bucket{le=\"1.0\"} 2\n"), "{text}");
        assert!(text.contains("latency_bucket{le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("latency_count 3\n"), "{text}");
        assert!(text.contains("latency_sum 2.15\n"), "{text}");
    }
}
