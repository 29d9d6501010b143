//! The deadline on a real hyper connection over an in-memory pipe, with tokio's clock paused: it
//! moves only when every task waits, so the seconds below cost nothing and never race.

use super::*;
use axum::routing::post;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A connection served as `serve.rs` does, answering a POST with the length of its body.
fn connect() -> (BufReader<ReadHalf<DuplexStream>>, WriteHalf<DuplexStream>) {
    let (client, server) = tokio::io::duplex(4096);
    let app = Router::new().route("/", post(|body: Bytes| async move { body.len().to_string() }));
    let arrival = Arrival::new();
    let service = TowerToHyperService::new(Deadline::new(app, arrival.clone(), TIMEOUT));
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(TIMEOUT)
        .serve_connection(TokioIo::new(Reader::new(server, arrival)), service);
    tokio::spawn(connection);
    let (read, write) = tokio::io::split(client);
    (BufReader::new(read), write)
}

/// Sends a POST whose 5-byte body comes a byte every `gap`.
async fn post_slowly(write: &mut WriteHalf<DuplexStream>, gap: Duration) {
    write
        .write_all(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n")
        .await
        .unwrap();
    for _ in 0..5 {
        tokio::time::sleep(gap).await;
        if write.write_all(b"a").await.is_err() {
            return;
        }
    }
}

/// One answer's head and body (by `Content-Length`).
async fn answer(read: &mut BufReader<ReadHalf<DuplexStream>>) -> String {
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(
            read.read_line(&mut head).await.unwrap() > 0,
            "closed mid-answer: {head}"
        );
    }
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: ")?.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    read.read_exact(&mut body).await.unwrap();
    head + &String::from_utf8_lossy(&body)
}

#[tokio::test(start_paused = true)]
async fn a_body_trickled_past_the_deadline_is_answered_408_and_its_connection_closed() {
    let (mut read, mut write) = connect();
    let started = Instant::now();
    // Each byte comes well within any per-read timeout; the fourth comes after 12 s.
    let feeding = tokio::spawn(async move { post_slowly(&mut write, Duration::from_secs(3)).await });
    let got = answer(&mut read).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(
        got.contains("connection: close") && got.contains("\"request_timeout\""),
        "{got}"
    );
    assert_eq!(started.elapsed().as_secs(), 10, "cut at the deadline, not later");
    let mut rest = Vec::new();
    assert_eq!(read.read_to_end(&mut rest).await.unwrap(), 0, "then closed");
    feeding.abort();
}

#[tokio::test(start_paused = true)]
async fn the_deadline_runs_from_each_request_first_byte() {
    let (mut read, mut write) = connect();
    // 8 s idle, then 5 s of body: 13 s from the connection's opening, 5 s from the first byte.
    tokio::time::sleep(Duration::from_secs(8)).await;
    post_slowly(&mut write, Duration::from_secs(1)).await;
    let got = answer(&mut read).await;
    assert!(got.starts_with("HTTP/1.1 200") && got.ends_with("\r\n\r\n5"), "{got}");
    // Kept alive: 6 s idle, another 5 s of body. Timed from the first request, it would be late.
    tokio::time::sleep(Duration::from_secs(6)).await;
    post_slowly(&mut write, Duration::from_secs(1)).await;
    let got = answer(&mut read).await;
    assert!(got.starts_with("HTTP/1.1 200") && got.ends_with("\r\n\r\n5"), "{got}");
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_is_closed_by_the_header_timer() {
    let (mut read, _write) = connect();
    let started = Instant::now();
    let mut rest = Vec::new();
    assert_eq!(read.read_to_end(&mut rest).await.unwrap(), 0);
    assert_eq!(started.elapsed().as_secs(), 10);
}
