//! `--preload N`: fill the store with N active tokens and measure the server's resident memory.

use crate::client::{Requests, Target};
use crate::load::issue_tokens;
use crate::report::Preload;
use anyhow::{anyhow, Context};
use std::sync::Arc;
use std::time::Instant;

/// Resident set size of a process, from `VmRSS` in `/proc/PID/status` (Linux).
pub fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    parse_vm_rss(&status).ok_or_else(|| anyhow!("no VmRSS line in {path}"))
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line["VmRSS:".len()..].split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => Some(value * 1024),
        _ => None,
    }
}

/// Issues `tokens` tokens as fast as `connections` connections allow, reading the server's RSS
/// before and after when its pid is known. Returns the report and the token values.
pub async fn preload(
    target: &Target,
    requests: Arc<Requests>,
    connections: u32,
    tokens: u64,
    server_pid: Option<u32>,
) -> anyhow::Result<(Preload, Vec<String>)> {
    let before = server_pid.map(rss_bytes).transpose()?;
    let started = Instant::now();
    let values = issue_tokens(target, requests, connections, Some(tokens), None).await?;
    let seconds = started.elapsed().as_secs_f64();
    let after = server_pid.map(rss_bytes).transpose()?;
    let per_token = match (before, after) {
        (Some(b), Some(a)) if tokens > 0 => Some((a as f64 - b as f64) / tokens as f64),
        _ => None,
    };
    let report = Preload {
        tokens,
        seconds,
        tokens_per_s: if seconds > 0.0 { tokens as f64 / seconds } else { 0.0 },
        server_pid,
        rss_before_bytes: before,
        rss_after_bytes: after,
        rss_bytes_per_token: per_token,
    };
    Ok((report, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\ttessera\nVmPeak:\t  999 kB\nVmRSS:\t   20480 kB\nThreads:\t4\n";
        assert_eq!(parse_vm_rss(status), Some(20480 * 1024));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
        assert_eq!(parse_vm_rss("VmRSS:\tlots kB\n"), None);
    }

    #[test]
    fn reads_own_rss() {
        assert!(rss_bytes(std::process::id()).unwrap() > 0);
        assert!(rss_bytes(u32::MAX).is_err());
    }
}
