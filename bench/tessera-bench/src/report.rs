//! The report: per-scenario throughput, latency percentiles and errors, as a table or JSON.

use crate::load::Outcome;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub url: String,
    pub tenant: String,
    /// `opaque` or `jwt`: what the measured client's access tokens were.
    pub access_token_format: String,
    pub connections: u32,
    pub warmup_s: f64,
    pub duration_s: f64,
    /// Size of the pool the random-token scenarios draw from.
    pub pool_tokens: usize,
    pub preload: Option<Preload>,
    pub scenarios: Vec<ScenarioReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub scenario: String,
    pub requests: u64,
    pub elapsed_s: f64,
    pub requests_per_s: f64,
    /// `rejected` + `io_errors`.
    pub errors: u64,
    /// Non-2xx answers, or an inactive token on introspection.
    pub rejected: u64,
    pub io_errors: u64,
    pub latency_ms: Latency,
    /// Set when the revoke pool ran out before the end of the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p99_9: f64,
    pub max: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Preload {
    pub tokens: u64,
    pub seconds: f64,
    pub tokens_per_s: f64,
    pub server_pid: Option<u32>,
    pub rss_before_bytes: Option<u64>,
    pub rss_after_bytes: Option<u64>,
    /// (after − before) / tokens; may be slightly off for small N (allocator growth steps).
    pub rss_bytes_per_token: Option<f64>,
}

impl Latency {
    pub fn from_micros(h: &Histogram<u64>) -> Latency {
        let ms = |us: u64| us as f64 / 1000.0;
        if h.is_empty() {
            return Latency {
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                p99_9: 0.0,
                max: 0.0,
                mean: 0.0,
            };
        }
        Latency {
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            p99_9: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
            mean: h.mean() / 1000.0,
        }
    }
}

impl ScenarioReport {
    pub fn new(scenario: &str, outcome: &Outcome) -> ScenarioReport {
        let elapsed_s = outcome.elapsed.as_secs_f64();
        let requests_per_s = if elapsed_s > 0.0 {
            outcome.requests as f64 / elapsed_s
        } else {
            0.0
        };
        ScenarioReport {
            scenario: scenario.to_string(),
            requests: outcome.requests,
            elapsed_s,
            requests_per_s,
            errors: outcome.rejected + outcome.io_errors,
            rejected: outcome.rejected,
            io_errors: outcome.io_errors,
            latency_ms: Latency::from_micros(&outcome.latency_us),
            note: outcome
                .exhausted
                .then(|| format!("revoke pool used up after {elapsed_s:.2} s; raise --revoke-tokens")),
        }
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The human-readable report.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tessera-bench {}  format={}  connections={}  warmup={}s  duration={}s  pool={} tokens",
        report.url,
        report.access_token_format,
        report.connections,
        report.warmup_s,
        report.duration_s,
        report.pool_tokens
    );
    if let Some(p) = &report.preload {
        let _ = writeln!(
            out,
            "preload: {} tokens in {:.1} s ({:.0}/s)",
            p.tokens, p.seconds, p.tokens_per_s
        );
        if let (Some(before), Some(after)) = (p.rss_before_bytes, p.rss_after_bytes) {
            let _ = writeln!(
                out,
                "server RSS: {:.1} MiB before, {:.1} MiB after; {:.0} bytes per active token",
                mib(before),
                mib(after),
                p.rss_bytes_per_token.unwrap_or(0.0)
            );
        }
    }
    let _ = writeln!(
        out,
        "{:<12} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "scenario", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors"
    );
    for s in &report.scenarios {
        let l = &s.latency_ms;
        let _ = writeln!(
            out,
            "{:<12} {:>10} {:>11.1} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>7}",
            s.scenario, s.requests, s.requests_per_s, l.p50, l.p90, l.p99, l.p99_9, l.max, s.errors
        );
        if s.errors > 0 {
            let _ = writeln!(
                out,
                "{:<12} ({} rejected answers, {} I/O errors)",
                "", s.rejected, s.io_errors
            );
        }
        if let Some(note) = &s.note {
            let _ = writeln!(out, "{:<12} ({note})", "");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::new_histogram;
    use std::time::Duration;

    fn outcome(micros: impl IntoIterator<Item = u64>, rejected: u64, io: u64) -> Outcome {
        let mut h = new_histogram();
        let mut n = 0;
        for us in micros {
            h.record(us).unwrap();
            n += 1;
        }
        Outcome {
            latency_us: h,
            requests: n,
            rejected,
            io_errors: io,
            elapsed: Duration::from_secs(2),
            exhausted: false,
        }
    }

    #[test]
    fn percentiles_in_milliseconds() {
        // 1..=1000 ms: the quantiles land on (nearly) the value of the same rank.
        let s = ScenarioReport::new("issue", &outcome((1..=1000).map(|ms| ms * 1000), 0, 0));
        let close = |a: f64, b: f64| (a - b).abs() <= b * 0.002;
        assert!(close(s.latency_ms.p50, 500.0), "{:?}", s.latency_ms);
        assert!(close(s.latency_ms.p90, 900.0), "{:?}", s.latency_ms);
        assert!(close(s.latency_ms.p99, 990.0), "{:?}", s.latency_ms);
        assert!(close(s.latency_ms.p99_9, 999.0), "{:?}", s.latency_ms);
        assert!(close(s.latency_ms.max, 1000.0), "{:?}", s.latency_ms);
        assert_eq!(s.requests, 1000);
        assert_eq!(s.requests_per_s, 500.0);
        assert_eq!(s.errors, 0);
    }

    #[test]
    fn errors_add_up_and_empty_is_zero() {
        let s = ScenarioReport::new("revoke", &outcome([], 2, 3));
        assert_eq!((s.errors, s.rejected, s.io_errors), (5, 2, 3));
        assert_eq!(s.latency_ms.p99, 0.0);
        let mut exhausted = outcome([100], 0, 0);
        exhausted.exhausted = true;
        exhausted.elapsed = Duration::from_millis(500);
        let s = ScenarioReport::new("revoke", &exhausted);
        assert_eq!(s.requests_per_s, 2.0);
        assert!(s.note.unwrap().contains("0.50 s"));
    }

    #[test]
    fn table_and_json() {
        let report = Report {
            url: "http://127.0.0.1:8080".into(),
            tenant: "bench-1-abc".into(),
            access_token_format: "jwt".into(),
            connections: 64,
            warmup_s: 2.0,
            duration_s: 10.0,
            pool_tokens: 1000,
            preload: Some(Preload {
                tokens: 1000,
                seconds: 0.5,
                tokens_per_s: 2000.0,
                server_pid: Some(1),
                rss_before_bytes: Some(10 << 20),
                rss_after_bytes: Some(11 << 20),
                rss_bytes_per_token: Some(1048.576),
            }),
            scenarios: vec![
                ScenarioReport::new("introspect", &outcome([1500, 2500], 0, 0)),
                ScenarioReport::new("issue", &outcome([1000], 1, 0)),
            ],
        };
        let text = table(&report);
        assert!(text.contains("p99.9 ms") && text.contains("format=jwt"), "{text}");
        assert!(
            text.contains("10.0 MiB before, 11.0 MiB after; 1049 bytes per active token"),
            "{text}"
        );
        let row = text.lines().find(|l| l.starts_with("introspect")).unwrap();
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "introspect",
                "2",
                "1.0",
                "1.500",
                "2.501",
                "2.501",
                "2.501",
                "2.501",
                "0"
            ]
        );
        assert!(text.contains("(1 rejected answers, 0 I/O errors)"), "{text}");
        let json: serde_json::Value = serde_json::to_value(&report).unwrap();
        assert_eq!(json["scenarios"][1]["errors"], 1);
        assert_eq!(json["scenarios"][0]["latency_ms"]["p50"], 1.5);
        assert_eq!(json["preload"]["rss_after_bytes"], 11 << 20);
        assert!(json["scenarios"][0].get("note").is_none());
    }
}
