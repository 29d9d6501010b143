//! The real binary on SQLite: `tessera key rotate` keeps earlier tokens active and the stored JWT
//! signing keys openable, a configured key that overrides the key file is warned about, and
//! restarting with a new admin secret says so.

use crate::helpers::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ADMIN: [(&str, &str); 2] = [
    ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
    ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
];
const CC: [(&str, &str); 1] = [("grant_type", "client_credentials")];

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

/// `tessera serve` in `dir` that must stop at start-up; its standard error.
fn stopped_start(dir: &Path, envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.current_dir(dir).args(["serve", "--listen", "127.0.0.1:0"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(envs.iter().copied()).env("TESSERA_MANAGEMENT_LISTEN", "off");
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    failed_start(child, "a token key that opens no signing key")
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
    let before = server.anonymous_api().access_token((ADMIN_ID, ADMIN_SECRET)).await;

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
    assert!(
        server
            .anonymous_api()
            .is_active((ADMIN_ID, ADMIN_SECRET), &before)
            .await,
        "issued before the rotation"
    );
    let after = server.anonymous_api().access_token((ADMIN_ID, ADMIN_SECRET)).await;
    assert!(server.anonymous_api().is_active((ADMIN_ID, ADMIN_SECRET), &after).await);
    stop(server);
    // The token from before is verified by the previous key only; the one after by the new key.
    let old_key_only = start_binary(dir.path(), &[("TESSERA_TOKEN_KEY", &keys[1]), ADMIN[0], ADMIN[1]]);
    assert!(
        old_key_only
            .anonymous_api()
            .is_active((ADMIN_ID, ADMIN_SECRET), &before)
            .await
    );
    assert!(
        !old_key_only
            .anonymous_api()
            .is_active((ADMIN_ID, ADMIN_SECRET), &after)
            .await,
        "issued under the new key"
    );
    stop(old_key_only);

    let forgot = tessera(dir.path(), &["key", "rotate", "--forget-previous"]);
    assert!(forgot.status.success(), "{}", String::from_utf8_lossy(&forgot.stderr));
    assert_eq!(key_lines(dir.path()), keys[..1]);
    let server = start_binary(dir.path(), &ADMIN);
    assert!(
        !server
            .anonymous_api()
            .is_active((ADMIN_ID, ADMIN_SECRET), &before)
            .await,
        "its key is forgotten"
    );
    assert!(server.anonymous_api().is_active((ADMIN_ID, ADMIN_SECRET), &after).await);
}

/// The stored JWT signing key follows the key file: rotating and then forgetting the previous
/// key, with no start in between, leaves it wrapped under the key that remains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signing_key_survives_a_token_key_rotation_and_forgetting_the_previous_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_binary(dir.path(), &ADMIN);
    let jwks = |api: Api| async move {
        let answer = api.send(api.http.get(api.url("/.well-known/jwks.json"))).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json["keys"][0]["kid"].as_str().unwrap().to_string()
    };
    let kid = jwks(server.anonymous_api()).await;
    stop(server);
    for args in [&["key", "rotate"][..], &["key", "rotate", "--forget-previous"]] {
        let done = tessera(dir.path(), args);
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    }
    assert_eq!(key_lines(dir.path()).len(), 1);
    let server = start_binary(dir.path(), &ADMIN);
    assert_eq!(
        jwks(server.anonymous_api()).await,
        kid,
        "the same key, opened under the new token key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_key_that_overrides_the_key_file_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_binary(dir.path(), &ADMIN);
    let before = server.anonymous_api().access_token((ADMIN_ID, ADMIN_SECRET)).await;
    stop(server);
    let file_key = key_lines(dir.path()).remove(0);
    let new_key = String::from_utf8(tessera(dir.path(), &["key", "generate"]).stdout).unwrap();
    let new_key = new_key.trim();
    let other = String::from_utf8(tessera(dir.path(), &["key", "generate"]).stdout).unwrap();

    // The stored JWT signing key is wrapped under the file's key, which this start does not
    // have: it stops, naming the setting, after the warning.
    let log = stopped_start(dir.path(), &[("TESSERA_TOKEN_KEY", new_key), ADMIN[0], ADMIN[1]]);
    let line = log
        .lines()
        .find(|l| l.contains("differs from the key file"))
        .expect(&log);
    assert!(
        line.contains("WARN") && line.contains("TESSERA_TOKEN_PREVIOUS_KEYS"),
        "{line}"
    );
    assert!(line.contains("inactive"), "{line}");
    let stopped = log.lines().last().unwrap();
    assert!(
        stopped.contains("JWT signing key") && stopped.contains("token_previous_keys"),
        "{log}"
    );
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
    assert!(
        server
            .anonymous_api()
            .is_active((ADMIN_ID, ADMIN_SECRET), &before)
            .await
    );
    let log = stop(server);
    let line = log
        .lines()
        .find(|l| l.contains("differs from the key file"))
        .expect(&log);
    assert!(line.contains("stay active"), "{line}");

    let server = start_binary(dir.path(), &[("TESSERA_TOKEN_KEY", &file_key), ADMIN[0], ADMIN[1]]);
    assert!(
        server
            .anonymous_api()
            .is_active((ADMIN_ID, ADMIN_SECRET), &before)
            .await
    );
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
    assert_eq!(
        server.anonymous_api().token((ADMIN_ID, recovered), &CC).await.status,
        200
    );
    assert_eq!(
        server.anonymous_api().token((ADMIN_ID, ADMIN_SECRET), &CC).await.status,
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
