//! The real binary on SQLite: `tessera key rotate` keeps earlier tokens active, a configured key
//! that overrides the key file is warned about, and restarting with a new admin secret says so.

use crate::helpers::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const ADMIN: [(&str, &str); 2] = [
    ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
    ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
];

async fn token(base: &str, id: &str, secret: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn issue(base: &str) -> String {
    let (status, body) = token(base, ADMIN_ID, ADMIN_SECRET).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn active(base: &str, value: &str) -> bool {
    let body: Value = reqwest::Client::new()
        .post(format!("{base}/oauth/introspect"))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .form(&[("token", value)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["active"].as_bool().expect("introspection answers active")
}

fn tessera(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            cmd.env_remove(k);
        }
    }
    cmd.output().unwrap()
}

/// Stops the server and returns everything it logged at start: its start-up lines come before
/// its "listening" line, so once that one has been read, so have they.
fn stop(server: Process) -> String {
    for _ in 0..200 {
        let log = server.stderr.lock().unwrap().clone();
        if log.contains(" listening") {
            return log;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no listening line logged: {}", server.stderr.lock().unwrap());
}

fn key_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("tessera.key"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_the_key_file_keeps_earlier_tokens_until_they_are_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_binary(dir.path(), &ADMIN);
    let before = issue(&server.base).await;

    let refused = tessera(dir.path(), &["key", "rotate"]);
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        why.contains("in use by another process") && why.contains("stop the server"),
        "{why}"
    );
    assert_eq!(key_lines(dir.path()).len(), 1, "a refused rotation changes nothing");
    stop(server);

    let rotated = tessera(dir.path(), &["key", "rotate"]);
    assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));
    let keys = key_lines(dir.path());
    assert_eq!(keys.len(), 2);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("tessera.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let server = start_binary(dir.path(), &ADMIN);
    assert!(active(&server.base, &before).await, "issued before the rotation");
    let after = issue(&server.base).await;
    assert!(active(&server.base, &after).await);
    stop(server);
    // The token from before is verified by the previous key only; the one after by the new key.
    let old_key_only = start_binary(dir.path(), &[("TESSERA_TOKEN_KEY", &keys[1]), ADMIN[0], ADMIN[1]]);
    assert!(active(&old_key_only.base, &before).await);
    assert!(!active(&old_key_only.base, &after).await, "issued under the new key");
    stop(old_key_only);

    let forgot = tessera(dir.path(), &["key", "rotate", "--forget-previous"]);
    assert!(forgot.status.success(), "{}", String::from_utf8_lossy(&forgot.stderr));
    assert_eq!(key_lines(dir.path()), keys[..1]);
    let server = start_binary(dir.path(), &ADMIN);
    assert!(!active(&server.base, &before).await, "its key is forgotten");
    assert!(active(&server.base, &after).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_key_that_overrides_the_key_file_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_binary(dir.path(), &ADMIN);
    let before = issue(&server.base).await;
    stop(server);
    let file_key = key_lines(dir.path()).remove(0);
    let new_key = String::from_utf8(tessera(dir.path(), &["key", "generate"]).stdout).unwrap();
    let new_key = new_key.trim();
    let other = String::from_utf8(tessera(dir.path(), &["key", "generate"]).stdout).unwrap();

    let server = start_binary(dir.path(), &[("TESSERA_TOKEN_KEY", new_key), ADMIN[0], ADMIN[1]]);
    assert!(!active(&server.base, &before).await);
    let log = stop(server);
    let line = log
        .lines()
        .find(|l| l.contains("differs from the key file"))
        .expect(&log);
    assert!(
        line.contains("WARN") && line.contains("TESSERA_TOKEN_PREVIOUS_KEYS"),
        "{line}"
    );
    assert!(line.contains("inactive"), "{line}");
    assert!(!log.contains(new_key) && !log.contains(&file_key), "never the keys");

    // The file's key among comma-separated previous keys: its tokens stay active.
    let previous = format!("{},{file_key}", other.trim());
    let server = start_binary(
        dir.path(),
        &[
            ("TESSERA_TOKEN_KEY", new_key),
            ("TESSERA_TOKEN_PREVIOUS_KEYS", &previous),
            ADMIN[0],
            ADMIN[1],
        ],
    );
    assert!(active(&server.base, &before).await);
    let log = stop(server);
    let line = log
        .lines()
        .find(|l| l.contains("differs from the key file"))
        .expect(&log);
    assert!(line.contains("stay active"), "{line}");

    let server = start_binary(dir.path(), &[("TESSERA_TOKEN_KEY", &file_key), ADMIN[0], ADMIN[1]]);
    assert!(active(&server.base, &before).await);
    assert!(
        !stop(server).contains("differs from the key file"),
        "the same key is no news"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_with_a_new_admin_secret_replaces_it_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_binary(dir.path(), &ADMIN);
    assert!(
        !stop(first).contains("admin_client_secret"),
        "first start creates, replaces nothing"
    );

    let recovered = "recovered-admin-secret-9876543210";
    let env = [
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", recovered),
    ];
    let server = start_binary(dir.path(), &env);
    assert_eq!(token(&server.base, ADMIN_ID, recovered).await.0, 200);
    assert_eq!(
        token(&server.base, ADMIN_ID, ADMIN_SECRET).await.0,
        401,
        "the old secret is gone"
    );
    let log = stop(server);
    let lines: Vec<_> = log.lines().filter(|l| l.contains("admin_client_secret")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].contains("WARN") && lines[0].contains(ADMIN_ID) && lines[0].contains("replaced"));
    assert!(
        !log.contains(recovered) && !log.contains(ADMIN_SECRET),
        "never the secret"
    );

    let again = start_binary(dir.path(), &env);
    assert!(
        !stop(again).contains("admin_client_secret"),
        "the same secret again is no news"
    );
}
