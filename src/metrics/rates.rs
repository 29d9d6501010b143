//! Recent request rate and p50/p99 latency of the hot routes (token, introspect, check_token),
//! for the console's Overview: a background sampler reads the route timers' histograms every
//! [`SAMPLE_SECONDS`] and keeps the differences in a small ring. Requests do no extra work: the
//! sampler only reads the counts the timers keep anyway.

use super::{Histogram, Histograms, Labels};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

/// Seconds between samples.
pub const SAMPLE_SECONDS: i64 = 10;
/// Samples kept per route: the last ten minutes.
pub const SAMPLES_KEPT: usize = 60;

/// (name shown, matched route) of the routes sampled.
pub const SAMPLED_ROUTES: [(&str, &str); 3] = [
    ("token", "/oauth/token"),
    ("introspect", "/oauth/introspect"),
    ("check_token", "/oauth/check_token"),
];

const METHODS: [&str; 2] = ["GET", "POST"];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// One interval of one route.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Sample {
    /// End of the interval, Unix seconds.
    pub at: i64,
    pub requests_per_second: f64,
    /// Milliseconds, estimated from the histogram's buckets; `null` without requests.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// Per-bucket counts (upper bound, observations), not cumulative.
type Buckets = Vec<(f64, u64)>;

#[derive(Default)]
struct Ring {
    /// The previous reading and when it was taken.
    last: Option<(i64, Buckets)>,
    samples: VecDeque<Sample>,
}

/// The rings of [`SAMPLED_ROUTES`], in that order.
#[derive(Default)]
pub struct RouteRates {
    rings: Mutex<[Ring; SAMPLED_ROUTES.len()]>,
}

impl RouteRates {
    /// Reads every series of the sampled routes (without creating any) and records what was
    /// added since the previous sample; the first sample only sets the baseline.
    pub fn sample(&self, http: &Histograms<3>, now: i64) {
        let mut rings = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        for ((_, route), ring) in SAMPLED_ROUTES.iter().zip(rings.iter_mut()) {
            let current = route_totals(http, route);
            if let Some((then, last)) = ring.last.replace((now, current.clone())) {
                let elapsed = (now - then).max(1);
                // A series that did not exist at the last reading counted nothing then.
                let delta: Buckets = current
                    .iter()
                    .enumerate()
                    .map(|(i, &(bound, n))| (bound, n.saturating_sub(last.get(i).map_or(0, |b| b.1))))
                    .collect();
                let count: u64 = delta.iter().map(|(_, n)| n).sum();
                if ring.samples.len() == SAMPLES_KEPT {
                    ring.samples.pop_front();
                }
                ring.samples.push_back(Sample {
                    at: now,
                    requests_per_second: count as f64 / elapsed as f64,
                    p50_ms: quantile(&delta, 0.5).map(|s| s * 1000.0),
                    p99_ms: quantile(&delta, 0.99).map(|s| s * 1000.0),
                });
            }
        }
    }

    /// Each sampled route's name and samples, oldest first.
    pub fn read(&self) -> Vec<(&'static str, &'static str, Vec<Sample>)> {
        let rings = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        SAMPLED_ROUTES
            .iter()
            .zip(rings.iter())
            .map(|(&(name, route), ring)| (name, route, ring.samples.iter().copied().collect()))
            .collect()
    }
}

fn route_totals(http: &Histograms<3>, route: &str) -> Buckets {
    let route: Arc<str> = route.into();
    let mut sum: Buckets = Vec::new();
    for method in METHODS {
        for class in CLASSES {
            let labels: Labels<3> = [
                ("route", route.clone()),
                ("method", method.into()),
                ("status_class", class.into()),
            ];
            if let Some(histogram) = http.get(&labels) {
                add(&mut sum, &histogram);
            }
        }
    }
    sum
}

fn add(sum: &mut Buckets, histogram: &Histogram) {
    let (_, _, buckets) = histogram.totals();
    if sum.is_empty() {
        *sum = buckets;
    } else {
        for (total, (_, n)) in sum.iter_mut().zip(buckets) {
            total.1 += n;
        }
    }
}

/// The `q` quantile in seconds, interpolated within its bucket as Prometheus'
/// `histogram_quantile` does; the +Inf bucket answers its lower bound.
fn quantile(buckets: &[(f64, u64)], q: f64) -> Option<f64> {
    let total: u64 = buckets.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let (mut seen, mut lower) = (0u64, 0.0);
    for &(upper, n) in buckets {
        if n > 0 && (seen + n) as f64 >= rank {
            if upper.is_infinite() {
                return Some(lower);
            }
            return Some(lower + (upper - lower) * ((rank - seen as f64) / n as f64));
        }
        seen += n;
        lower = upper;
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http() -> Histograms<3> {
        prometheus_client::metrics::family::Family::new_with_constructor(super::super::http_histogram)
    }

    fn observe(http: &Histograms<3>, route: &str, method: &str, seconds: f64, times: usize) {
        let labels: Labels<3> = [
            ("route", route.into()),
            ("method", method.into()),
            ("status_class", "2xx".into()),
        ];
        for _ in 0..times {
            http.get_or_create(&labels).observe(seconds);
        }
    }

    #[test]
    fn samples_the_rate_and_quantiles_of_each_interval() {
        let (http, rates) = (http(), RouteRates::default());
        observe(&http, "/oauth/token", "POST", 0.0003, 50);
        rates.sample(&http, 100);
        assert!(
            rates.read().iter().all(|(_, _, s)| s.is_empty()),
            "the first sample is a baseline"
        );
        observe(&http, "/oauth/token", "POST", 0.0003, 99);
        observe(&http, "/oauth/token", "POST", 0.2, 1);
        observe(&http, "/oauth/check_token", "GET", 0.002, 20);
        observe(&http, "/admin/tenants", "GET", 0.002, 20);
        rates.sample(&http, 110);
        let read = rates.read();
        let token = read[0].2[0];
        assert_eq!((token.at, token.requests_per_second), (110, 10.0));
        let p50 = token.p50_ms.unwrap();
        assert!((0.25..=0.5).contains(&p50), "{p50}");
        assert!(token.p99_ms.unwrap() <= 0.5, "99 of 100 are fast: {token:?}");
        assert_eq!(read[1].2[0].requests_per_second, 0.0);
        assert_eq!(read[1].2[0].p50_ms, None);
        assert_eq!(read[2].2[0].requests_per_second, 2.0);
    }

    #[test]
    fn keeps_the_last_samples_only() {
        let (http, rates) = (http(), RouteRates::default());
        for i in 0..(SAMPLES_KEPT as i64 + 5) {
            rates.sample(&http, i * SAMPLE_SECONDS);
        }
        let read = rates.read();
        assert_eq!(read[0].2.len(), SAMPLES_KEPT);
        assert_eq!(read[0].2.last().unwrap().at, (SAMPLES_KEPT as i64 + 4) * SAMPLE_SECONDS);
    }

    #[test]
    fn quantiles_interpolate_within_the_bucket() {
        let buckets = [(0.001, 0), (0.002, 10), (f64::INFINITY, 0)];
        assert_eq!(quantile(&buckets, 0.5), Some(0.0015));
        assert_eq!(quantile(&[(1.0, 0), (f64::INFINITY, 4)], 0.5), Some(1.0));
        assert_eq!(quantile(&[(1.0, 0)], 0.5), None);
    }
}
