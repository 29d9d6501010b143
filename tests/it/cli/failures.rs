//! How a command fails: a closed pipe, a server error, a wrong secret, an unreachable server.

use super::{tessera, tessera_with, CACHE};
use crate::helpers::{spawn, ADMIN_ID, ADMIN_SECRET};
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_output_pipe_ends_the_command_quietly() {
    let s = spawn().await;
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // like `| head -1` that has already read its line
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(["tenant", "list", "--json"])
        .env_remove("RUST_LOG")
        .env("XDG_CACHE_HOME", CACHE.path())
        .env("TESSERA_URL", &s.base)
        .env("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID)
        .env("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET)
        .stdout(writer)
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_exit_1_with_the_servers_message() {
    let s = spawn().await;
    let bad = tessera(&s, &["tenant", "create", "Bad_Id"]).await;
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.starts_with("tessera: 400 invalid_request: "), "{bad:?}");
    assert!(bad.stderr.contains("id"), "{bad:?}");
    assert!(bad.stdout.is_empty(), "{bad:?}");

    tessera(&s, &["tenant", "create", "acme"]).await.ok();
    let again = tessera(&s, &["tenant", "create", "acme", "--json"]).await;
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.starts_with("tessera: 409 conflict"), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_admin_secret_exits_1_with_invalid_client() {
    let s = spawn().await;
    let envs = [
        ("TESSERA_URL", s.base.as_str()),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", "not-the-secret"),
    ];
    let run = tessera_with(&envs, &["tenant", "list"], None).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("invalid_client"), "{run:?}");
    assert!(!run.stderr.contains("not-the-secret"), "{run:?}");

    // Flags beat the environment.
    let run = tessera_with(&envs, &["tenant", "list", "--admin-client-secret", ADMIN_SECRET], None).await;
    assert_eq!(run.code, 0, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_exits_1_naming_the_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let envs = [
        ("TESSERA_URL", url.as_str()),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ];
    let run = tessera_with(&envs, &["tenant", "list"], None).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains(&url), "{run:?}");
}
