//! The real binary's connection workers: many connections are served across the per-core
//! runtimes, and SIGTERM stops the server only after the request in flight is answered.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

const ENV: [(&str, &str); 4] = [
    ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
    ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ("TESSERA_STORE", "memory://"),
    ("TESSERA_WORKERS", "3"),
];

fn address(process: &Process) -> String {
    process.base.trim_start_matches("http://").to_string()
}

fn admin_token_request() -> String {
    let body = "grant_type=client_credentials";
    let basic = base64_basic(ADMIN_ID, ADMIN_SECRET);
    format!(
        "POST /oauth/token HTTP/1.1\r\nHost: t\r\nAuthorization: Basic {basic}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn base64_basic(id: &str, secret: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

fn wait_for_exit(process: &mut Process, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = process.child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not stop within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sigterm(process: &Process) {
    let status = Command::new("kill")
        .args(["-TERM", &process.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_keep_alive_connections_are_all_served() {
    let dir = tempfile::tempdir().unwrap();
    let process = start_binary(dir.path(), &ENV);
    // One connection per client: each lands on a worker in turn and keeps its requests there.
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let base = process.base.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
                for _ in 0..5 {
                    let r = http
                        .post(format!("{base}/oauth/token"))
                        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
                        .form(&[("grant_type", "client_credentials")])
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    let token = r.json::<serde_json::Value>().await.unwrap()["access_token"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let r = http
                        .post(format!("{base}/oauth/introspect"))
                        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
                        .form(&[("token", token.as_str())])
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["active"], true);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

#[test]
fn sigterm_answers_the_request_in_flight_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut process = start_binary(dir.path(), &ENV);
    let at = address(&process);
    // An idle keep-alive connection must not hold the shutdown up.
    let mut idle = TcpStream::connect(&at).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");

    // A request whose body is still arriving when the signal comes.
    let request = admin_token_request();
    let (head, tail) = request.split_at(request.len() - 5);
    let mut busy = TcpStream::connect(&at).unwrap();
    busy.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    sigterm(&process);
    std::thread::sleep(Duration::from_millis(200));
    busy.write_all(tail.as_bytes()).unwrap();
    busy.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = String::new();
    busy.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"access_token\""), "{answer}");

    let status = wait_for_exit(&mut process, Duration::from_secs(10));
    assert!(status.success(), "{status:?}: {}", process.stderr.lock().unwrap());
    assert!(TcpStream::connect(&at).is_err(), "still accepting after exit");
}
