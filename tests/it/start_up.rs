//! Start-up in real environments, with the real binary: what stops it (naming the setting and the
//! cause, once) and what only warns.

use crate::helpers::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Waits, within a bound, until the server has logged a line containing `needle`; returns the log.
fn logged(process: &Process, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = process.stderr.lock().unwrap().clone();
        if all.contains(needle) {
            return all;
        }
        assert!(Instant::now() < deadline, "never logged {needle:?}: {all}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `serve` in `dir` with only these `TESSERA_*` variables; it must stop. Returns what it printed.
fn refused(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.arg("serve").args(args).current_dir(dir);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("TESSERA_")) {
        cmd.env_remove(k);
    }
    cmd.env("TESSERA_MANAGEMENT_LISTEN", "127.0.0.1:0")
        .envs(envs.iter().copied());
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A start-up that wrongly succeeds would run forever: give it a bounded time.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{args:?} {envs:?} did not stop start-up");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut out).unwrap();
    assert!(!status.success(), "{args:?} {envs:?} must stop start-up: {out}");
    out
}

#[test]
fn kubernetes_and_cli_variables_warn_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_binary(
        dir.path(),
        &[
            ("TESSERA_SERVICE_HOST", "10.0.0.7"),
            ("TESSERA_PORT", "tcp://10.0.0.7:8080"),
            ("TESSERA_PORT_8080_TCP_ADDR", "10.0.0.7"),
            ("TESSERA_URL", "http://127.0.0.1:8080"),
        ],
    );
    let log = logged(&server, "TESSERA_SERVICE_HOST");
    let lines: Vec<_> = log.lines().filter(|l| l.contains("TESSERA_PORT")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(
        lines[0].contains("TESSERA_PORT_8080_TCP_ADDR") && lines[0].contains("WARN"),
        "{log}"
    );
    assert!(!log.contains("TESSERA_URL"), "the CLI's own variable: {log}");
}

#[test]
fn host_names_are_listened_on_and_all_interfaces_without_issuer_warn() {
    let dir = tempfile::tempdir().unwrap();
    let local = start_binary_args(dir.path(), &["--listen", "localhost:0", "--store", "memory://"], &[]);
    assert!(
        local.base.contains("127.0.0.1") || local.base.contains("[::1]"),
        "{}",
        local.base
    );
    assert!(!local.stderr.lock().unwrap().contains("TESSERA_ISSUER"));
    let all = start_binary_args(dir.path(), &["--listen", "0.0.0.0:0", "--store", "memory://"], &[]);
    let log = logged(&all, "TESSERA_ISSUER");
    assert!(
        log.lines().any(|l| l.contains("WARN") && l.contains("TESSERA_ISSUER")),
        "{log}"
    );
}

#[test]
fn a_missing_directory_is_refused_by_name_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let out = refused(
        dir.path(),
        &[
            "--listen",
            "127.0.0.1:0",
            "--store",
            &format!("sqlite://{}/t.db", missing.display()),
        ],
        &[],
    );
    assert!(out.contains(&format!("{} does not exist", missing.display())), "{out}");
    assert!(!missing.exists(), "nothing created");
    assert!(!out.contains("client_secret"), "no new admin: {out}");
}

#[test]
fn a_second_server_on_the_same_file_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let _first = start_binary(dir.path(), &[]);
    let out = refused(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    assert_eq!(out.matches("in use").count(), 1, "{out}");
}

#[test]
fn an_unreachable_database_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens there.
    let out = refused(
        dir.path(),
        &["--listen", "127.0.0.1:0"],
        &[
            ("TESSERA_STORE", "postgres://postgres@127.0.0.1:1/postgres"),
            ("TESSERA_TOKEN_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ],
    );
    assert_eq!(out.to_lowercase().matches("connection refused").count(), 1, "{out}");
    assert!(!out.contains("pool timed out"), "{out}");
}

#[test]
fn an_admin_secret_that_form_encoding_changes_stops_start_up_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = refused(
        dir.path(),
        &["--listen", "127.0.0.1:0", "--store", "memory://"],
        &[
            ("TESSERA_ADMIN_CLIENT_ID", "ops"),
            ("TESSERA_ADMIN_CLIENT_SECRET", "s3cret+with%2Bsigns"),
        ],
    );
    assert!(out.contains("TESSERA_ADMIN_CLIENT_SECRET"), "{out}");
    assert!(out.contains("form-encoding"), "says why: {out}");
    assert!(out.contains("letters, digits, - . _ and ~"), "says the fix: {out}");
    assert!(!out.contains("s3cret"), "never shows the secret: {out}");
}
