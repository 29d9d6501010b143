//! `tessera backup FILE` (the real binary) against an in-process server: a snapshot taken while
//! tokens are being issued restores into a server that knows every token, client and user.

use crate::helpers::*;
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// `tessera backup FILE` as the bootstrap admin of the server at `base`, off the runtime's threads.
async fn backup(base: &str, file: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.arg("backup").arg(file).env_remove("RUST_LOG");
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("TESSERA_URL", base)
        .env("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID)
        .env("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// A server on `dir/t.db` with tenant `acme` and its client `app`; returns the client's secret.
async fn sqlite_with_app(dir: &Path, authorities: &[&str]) -> (TestApp, String) {
    let s = spawn_with_store(&format!("sqlite://{}", dir.join("t.db").display())).await;
    s.create_tenant(json!({"id": "acme"})).await;
    let app = json!({"client_id": "app", "grant_types": ["client_credentials"], "authorities": authorities});
    let secret = s.create_client("acme", app).await;
    (s, secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_load_restores_every_token_client_and_user() {
    let dir = tempfile::tempdir().unwrap();
    let (s, secret) = sqlite_with_app(dir.path(), &[]).await;
    let s = Arc::new(s);
    s.create_user("acme", "alice", "alice-password-1", &["ROLE_USER"]).await;
    let mut tokens = Vec::new();
    for _ in 0..50 {
        tokens.push(s.access_token(("app", &secret)).await);
    }

    // Requests keep coming while the snapshot is taken and sent.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (s, stop, secret) = (s.clone(), stop.clone(), secret.clone());
        tokio::spawn(async move {
            let mut issued = 0;
            while !stop.load(Ordering::Relaxed) {
                s.access_token(("app", &secret)).await;
                issued += 1;
            }
            issued
        })
    };
    let file = dir.path().join("out").join("snapshot.db");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let run = backup(&s.base, &file).await;
    stop.store(true, Ordering::Relaxed);
    assert!(load.await.unwrap() > 0, "the server served during the backup");
    assert!(run.status.success(), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stdout).contains("backup written to"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let left: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["snapshot.db"], "no partial file left beside it");
    let beside_store = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("backup"));
    assert_eq!(beside_store.count(), 0, "the server's snapshot file is gone once sent");
    // Still serving, writes included.
    tokens.push(s.access_token(("app", &secret)).await);

    // Restore: the snapshot where a store points, the key file beside it.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&file, restored.path().join("r.db")).unwrap();
    std::fs::copy(dir.path().join("t.key"), restored.path().join("r.key")).unwrap();
    let r = spawn_with_store(&format!("sqlite://{}", restored.path().join("r.db").display())).await;
    for token in &tokens[..50] {
        assert_eq!(
            r.introspect(("app", &secret), token).await.json["active"],
            true,
            "{token}"
        );
    }
    assert_eq!(r.get_client("acme", "app").await.status, 200);
    let Response { status, json: user, .. } = r
        .admin(reqwest::Method::GET, "/admin/tenants/acme/users/alice", None)
        .await;
    assert_eq!(status, 200, "{user}");
    assert!(
        r.introspect(("app", &secret), &tokens[50]).await.json["active"] == false,
        "issued after the backup"
    );
}

#[tokio::test]
async fn only_a_server_admin_may_back_up() {
    let dir = tempfile::tempdir().unwrap();
    let (s, secret) = sqlite_with_app(dir.path(), &["ROLE_ADMIN_CUSTOMER"]).await;
    let token = s.access_token(("app", &secret)).await;
    let Response { status, json: body, .. } = s.admin_as(&token, reqwest::Method::GET, "/admin/backup", None).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
}

#[tokio::test]
async fn stores_without_a_snapshot_of_their_own_are_refused_naming_what_to_use() {
    let mut cases = vec![(spawn().await, "nothing to back up")];
    for (backend, tool) in [("postgres", "pg_dump"), ("mysql", "mysqldump")] {
        if let Some(s) = spawn_on(backend).await {
            cases.push((s, tool));
        }
    }
    for (s, named) in cases {
        let Response { status, json: body, .. } = s.admin(reqwest::Method::GET, "/admin/backup", None).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
        assert!(body["error_description"].as_str().unwrap().contains(named), "{body}");
        let dir = tempfile::tempdir().unwrap();
        let run = backup(&s.base, &dir.path().join("b.db")).await;
        assert_eq!(run.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&run.stderr).contains(named), "{run:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file written");
    }
}
