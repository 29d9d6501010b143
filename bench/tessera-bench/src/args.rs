//! Command-line options of `tessera-bench`.

use clap::{Parser, ValueEnum};
use serde::Serialize;
use std::time::Duration;

/// One measured workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// `client_credentials` issuance (policy `multi`, no limit).
    Issue,
    /// RFC 7662 introspection of tokens drawn at random from the pool.
    Introspect,
    /// `GET /oauth/check_token?token=` of tokens drawn at random from the pool.
    CheckToken,
    /// RFC 7009 revocation, each pre-issued token once.
    Revoke,
    /// Introspection, with `--issue-percent` of the requests issuing instead.
    Mixed,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::Issue,
        Scenario::Introspect,
        Scenario::CheckToken,
        Scenario::Revoke,
        Scenario::Mixed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Issue => "issue",
            Scenario::Introspect => "introspect",
            Scenario::CheckToken => "check-token",
            Scenario::Revoke => "revoke",
            Scenario::Mixed => "mixed",
        }
    }

    /// Whether it draws from the pool of issued tokens (`--tokens`, or `--preload`).
    pub fn needs_pool(self) -> bool {
        matches!(self, Scenario::Introspect | Scenario::CheckToken | Scenario::Mixed)
    }
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "tessera-bench",
    version,
    about = "Load generator for a running Tessera server: provisions its own tenant and client, \
             then measures each scenario over HTTP/1.1 keep-alive connections"
)]
pub struct Args {
    /// Base URL of the server (plain http).
    #[arg(long, env = "TESSERA_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Admin client id (tenant `system`, ROLE_ADMIN), used to create and delete the bench tenant.
    #[arg(long, env = "TESSERA_ADMIN_CLIENT_ID")]
    pub admin_client_id: String,
    #[arg(long, env = "TESSERA_ADMIN_CLIENT_SECRET", hide_env_values = true)]
    pub admin_client_secret: String,
    /// Keep-alive connections, one worker task each.
    #[arg(short, long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub connections: u32,
    /// Measured time per scenario: 10s, 500ms, 2m, or plain seconds.
    #[arg(short, long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Unmeasured load before each scenario.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Comma-separated; default all of them, or only `introspect` with `--preload`.
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Option<Vec<Scenario>>,
    /// Tokens issued first for `introspect`, `check-token` and `mixed` to draw from.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub tokens: u64,
    /// Tokens issued for `revoke`; default: as many as can be issued in 1.5 × (warm-up + duration).
    #[arg(long)]
    pub revoke_tokens: Option<u64>,
    /// Share of `mixed` requests that issue a token instead of introspecting one.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub issue_percent: u32,
    /// Fill the store with N active tokens first; the pool scenarios then draw from all of them.
    #[arg(long)]
    pub preload: Option<u64>,
    /// The server's process id: its resident memory is read before and after `--preload`, and
    /// the scenarios start once it is idle (its journal written).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Runtime worker threads of the load generator (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// What the bench client's access tokens are issued as: `opaque` (the server's default) or
    /// `jwt` (RFC 9068, signed with the server's signing key), to compare the two in one sitting.
    #[arg(long, env = "TESSERA_BENCH_ACCESS_TOKEN_FORMAT", default_value = "opaque",
          value_parser = ["opaque", "jwt"])]
    pub access_token_format: String,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Leave the bench tenant (and its tokens) in place at the end.
    #[arg(long)]
    pub keep: bool,
}

impl Args {
    pub fn scenarios(&self) -> Vec<Scenario> {
        match &self.scenarios {
            Some(list) => {
                let mut unique = Vec::new();
                for s in list {
                    if !unique.contains(s) {
                        unique.push(*s);
                    }
                }
                unique
            }
            None if self.preload.is_some() => vec![Scenario::Introspect],
            None => Scenario::ALL.to_vec(),
        }
    }
}

/// `10s`, `500ms`, `2m`, `1.5s`, or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("not a duration: {text:?}"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        _ => return Err(format!("unknown unit {unit:?} in {text:?} (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Args {
        let mut argv = vec!["tessera-bench", "--admin-client-id", "a", "--admin-client-secret", "s"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv).unwrap()
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn defaults() {
        let args = parse(&[]);
        assert_eq!(args.url, "http://127.0.0.1:8080");
        assert_eq!(args.connections, 64);
        assert_eq!(args.duration, Duration::from_secs(10));
        assert_eq!(args.warmup, Duration::from_secs(2));
        assert_eq!(args.tokens, 1000);
        assert_eq!(args.issue_percent, 10);
        assert_eq!(args.scenarios(), Scenario::ALL.to_vec());
        assert!(!args.json && !args.keep);
        assert_eq!(args.access_token_format, "opaque");
    }

    #[test]
    fn scenario_list() {
        let args = parse(&["--scenarios", "check-token,issue,check-token", "-c", "8", "-d", "1s"]);
        assert_eq!(args.scenarios(), vec![Scenario::CheckToken, Scenario::Issue]);
        assert_eq!(args.connections, 8);
        assert_eq!(args.duration, Duration::from_secs(1));
        assert!(Args::try_parse_from([
            "tessera-bench",
            "--admin-client-id",
            "a",
            "--admin-client-secret",
            "s",
            "--scenarios",
            "nope"
        ])
        .is_err());
    }

    #[test]
    fn preload_defaults_to_introspection() {
        let args = parse(&["--preload", "200000", "--server-pid", "42"]);
        assert_eq!(args.scenarios(), vec![Scenario::Introspect]);
        assert_eq!(args.preload, Some(200_000));
        let args = parse(&["--preload", "10", "--scenarios", "mixed"]);
        assert_eq!(args.scenarios(), vec![Scenario::Mixed]);
    }

    #[test]
    fn refuses_nonsense() {
        assert!(Args::try_parse_from([
            "tessera-bench",
            "--admin-client-id",
            "a",
            "--admin-client-secret",
            "s",
            "-c",
            "0"
        ])
        .is_err());
        assert!(Args::try_parse_from([
            "tessera-bench",
            "--admin-client-id",
            "a",
            "--admin-client-secret",
            "s",
            "--issue-percent",
            "101"
        ])
        .is_err());
    }
}
