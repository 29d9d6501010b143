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

/// CPU time a process has used so far, in clock ticks (`utime + stime` of `/proc/PID/stat`).
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    parse_cpu_ticks(&stat).ok_or_else(|| anyhow!("unexpected format of {path}"))
}

fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis,
    // where utime and stime are the 12th and 13th.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    Some(fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?)
}

/// Waits (up to two minutes) until the server used under 5 % of a core over a second: after a
/// preload it may still be writing its journal, which would slow the measured scenarios.
async fn wait_until_idle(pid: u32) -> anyhow::Result<std::time::Duration> {
    const IDLE_TICKS_PER_S: u64 = 5; // of 100 a second
    let started = Instant::now();
    let mut last = cpu_ticks(pid)?;
    while started.elapsed() < std::time::Duration::from_secs(120) {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let now = cpu_ticks(pid)?;
        if now - last < IDLE_TICKS_PER_S {
            break;
        }
        last = now;
    }
    Ok(started.elapsed())
}

/// Issues `tokens` tokens as fast as `connections` connections allow, reading the server's RSS
/// before and after when its pid is known, and then waiting for the server to go idle. Returns
/// the report and the token values.
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
    if let Some(pid) = server_pid {
        let waited = wait_until_idle(pid).await?;
        eprintln!("tessera-bench: server idle after {:.1} s", waited.as_secs_f64());
    }
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
    fn reads_cpu_ticks_past_a_command_name_with_spaces() {
        let stat = "42 (tess era) S 1 42 42 0 -1 4194560 100 0 0 0 250 17 0 0 20 0 3 0 100 1000 200";
        assert_eq!(parse_cpu_ticks(stat), Some(267));
        assert_eq!(parse_cpu_ticks("garbage"), None);
        assert!(cpu_ticks(std::process::id()).is_ok());
    }

    #[test]
    fn reads_own_rss() {
        assert!(rss_bytes(std::process::id()).unwrap() > 0);
        assert!(rss_bytes(u32::MAX).is_err());
    }
}
