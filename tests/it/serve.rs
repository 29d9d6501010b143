//! The real binary's connection workers: many connections are served across the per-core
//! runtimes, SIGTERM stops the server only after the request in flight is answered, requests that
//! do not arrive in time are cut off, and a flood of connections waits past the connection cap
//! while established clients and the health checks are answered.

use crate::helpers::raw::{address, get_once, Raw, READ_BOUND};
use crate::helpers::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const ENV: [(&str, &str); 4] = [
    ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
    ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ("TESSERA_STORE", "memory://"),
    ("TESSERA_WORKERS", "3"),
];

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
    let at = address(&process.base);
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

/// `tessera_http_connections{listener="main"}`, from the management listener.
fn open_connections(management: &str) -> usize {
    let text = get_once(management, "/metrics").body;
    let series = r#"tessera_http_connections{listener="main"} "#;
    let value = text.lines().find_map(|l| l.strip_prefix(series)?.parse().ok());
    value.unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

/// Waits, boundedly, until the main listener has at least `n` connections open; returns how many.
fn wait_for_open(management: &str, n: usize) -> usize {
    for _ in 0..400 {
        let open = open_connections(management);
        if open >= n {
            return open;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the main listener never had {n} connections open");
}

/// A token request whose head arrives at once and whose body then comes a byte every 200 ms,
/// never in full: each read is quick, the request never ends. Returns all it was answered once
/// the server closed the connection.
fn trickle(at: &str) -> JoinHandle<String> {
    let mut stream = TcpStream::connect(at).unwrap();
    stream.set_read_timeout(Some(READ_BOUND)).unwrap();
    let basic = base64_basic(ADMIN_ID, ADMIN_SECRET);
    let head = format!(
        "POST /oauth/token HTTP/1.1\r\nHost: t\r\nAuthorization: Basic {basic}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut feeder = stream.try_clone().unwrap();
    std::thread::spawn(move || {
        let feeding = std::thread::spawn(move || {
            for _ in 0..999 {
                if feeder.write_all(b"a").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let mut answer = Vec::new();
        // Bytes sent after the server closed may reset the connection: what came before counts.
        if let Err(e) = stream.read_to_end(&mut answer) {
            use std::io::ErrorKind::{TimedOut, WouldBlock};
            assert!(!matches!(e.kind(), WouldBlock | TimedOut), "never closed: {e}");
        }
        feeding.join().unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    })
}

#[test]
fn trickled_bodies_are_cut_off_and_the_cap_keeps_answers_flowing() {
    const CAP: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let env = [ENV[0], ENV[1], ENV[2], ("TESSERA_WORKERS", "2")];
    let limits = [("TESSERA_MAX_HTTP_CONNECTIONS", "4"), ("TESSERA_REQUEST_TIMEOUT", "4")];
    let process = start_binary(dir.path(), &[&env[..], &limits[..]].concat());
    let main = address(&process.base);
    let management = address(process.management.as_deref().unwrap());
    let mut established = Raw::connect(&main);
    assert_eq!(established.get("/healthz").status, 200);

    let tricklers: Vec<_> = (1..CAP).map(|_| trickle(&main)).collect();
    assert_eq!(wait_for_open(&management, CAP), CAP);
    // Past the cap a new connection waits to be accepted, while the established client and the
    // health checks on the management listener are answered.
    let mut late = Raw::connect(&main);
    late.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(established.get("/healthz").status, 200);
    established.send(admin_token_request().as_bytes());
    let token = established.answer();
    assert_eq!(token.status, 200, "{}", token.body);
    for probe in ["/healthz", "/readyz"] {
        assert_eq!(get_once(&management, probe).status, 200, "{probe}");
    }
    assert_eq!(
        open_connections(&management),
        CAP,
        "the late connection is not accepted"
    );

    // The trickled requests get a 408 once their time is up, and their connections are closed.
    for trickler in tricklers {
        let answer = trickler.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.to_lowercase().contains("connection: close"), "{answer}");
        assert!(answer.contains("\"request_timeout\""), "{answer}");
    }
    // Which lets the waiting connection in.
    assert_eq!(late.answer().status, 200);
    assert_eq!(get_once(&main, "/healthz").status, 200);
}

#[test]
fn a_flood_past_the_descriptor_limit_leaves_the_server_answering() {
    let dir = tempfile::tempdir().unwrap();
    let env = [ENV[0], ENV[1], ENV[2], ("TESSERA_WORKERS", "2")];
    let process = start_binary_with_descriptors(dir.path(), 150, 300, &env);
    let main = address(&process.base);
    let management = address(process.management.as_deref().unwrap());
    let logged = |what: &str| {
        for _ in 0..200 {
            if process.stderr.lock().unwrap().contains(what) {
                return process.stderr.lock().unwrap().clone();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("never logged {what}: {}", process.stderr.lock().unwrap());
    };
    let log = logged("connection limit");
    assert!(
        log.contains("raised the descriptor limit") && log.contains("from=150 to=300"),
        "{log}"
    );
    let cap: usize = log
        .split("max_http_connections=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no cap in {log}"));
    assert!(cap > 0 && cap < 300, "{cap}");

    let mut established = Raw::connect(&main);
    assert_eq!(established.get("/healthz").status, 200);
    // More connections than the process may open descriptors, each stalled in its head.
    let flood: Vec<TcpStream> = (0..350)
        .map(|_| {
            let mut stream = TcpStream::connect(&main).unwrap();
            stream.write_all(b"POST /oauth/token HTTP/1.1\r\nHost: t\r\n").unwrap();
            stream
        })
        .collect();
    let open = wait_for_open(&management, cap);
    assert_eq!(open, cap, "no more than the cap accepted");
    assert_eq!(established.get("/healthz").status, 200);
    for probe in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(get_once(&management, probe).status, 200, "{probe}");
    }
    assert!(open_connections(&management) <= cap);

    drop(flood);
    assert_eq!(
        get_once(&main, "/healthz").status,
        200,
        "served again once the flood is gone"
    );
}
