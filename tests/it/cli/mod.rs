//! The admin CLI end to end: the real `tessera` binary against an in-process server.

mod failures;
mod signing_keys;
mod tenants_clients;
mod tokens;
mod usage;
mod users;

use crate::helpers::{TestApp, ADMIN_ID, ADMIN_SECRET};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

/// What one run of the binary left behind.
#[derive(Debug)]
pub(super) struct Run {
    pub(super) code: i32,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

impl Run {
    #[track_caller]
    pub(super) fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        self
    }
    #[track_caller]
    pub(super) fn json(&self) -> Value {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

pub(super) static CACHE: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());

/// Runs `tessera ARGS` with exactly these TESSERA_* variables (and `stdin` piped in), off the
/// runtime's worker threads so the in-process server keeps answering.
pub(super) async fn tessera_with(envs: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(args).env_remove("RUST_LOG");
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            cmd.env_remove(k);
        }
    }
    // The admin token cache of these runs, away from the user's own.
    cmd.env("XDG_CACHE_HOME", CACHE.path());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let stdin = stdin.map(str::to_string);
    let output = tokio::task::spawn_blocking(move || {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = cmd.spawn().expect("start tessera");
        if let Some(text) = stdin {
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs `tessera ARGS` against `s` as the bootstrap admin.
pub(super) async fn tessera(s: &TestApp, args: &[&str]) -> Run {
    tessera_stdin(s, args, None).await
}

pub(super) async fn tessera_stdin(s: &TestApp, args: &[&str], stdin: Option<&str>) -> Run {
    let envs = [
        ("TESSERA_URL", s.base.as_str()),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ];
    tessera_with(&envs, args, stdin).await
}

/// The line of a table whose first column is `first`, split into columns.
#[track_caller]
pub(super) fn row(table: &str, first: &str) -> Vec<String> {
    table
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .find(|cols| cols.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no row {first:?} in:\n{table}"))
}

/// The value of a `key: value` line.
#[track_caller]
pub(super) fn value_of(text: &str, key: &str) -> String {
    let prefix = format!("{key}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {key}: line in:\n{text}"))
}
