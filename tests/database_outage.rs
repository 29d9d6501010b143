//! The database goes away and comes back (through a proxy the test controls, on PostgreSQL and
//! MariaDB): requests answer 503 at once instead of waiting on the pool, `/readyz` says so
//! within a second, everything resumes by itself, and no token answered is lost.

mod common;

use common::proxy::Proxy;
use common::*;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tessera_testdb::{test_database, TestDatabase};

const KINDS: [&str; 2] = ["postgres", "mysql"];

/// A server whose database connections all go through a proxy.
async fn behind_proxy(kind: &str) -> Option<(TestServer, Proxy, TestDatabase)> {
    let (url, db) = test_database(kind).await?;
    let mut parsed = reqwest::Url::parse(&url).unwrap();
    let target: SocketAddr = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap())
        .parse()
        .unwrap();
    let proxy = Proxy::start(target).await;
    parsed.set_port(Some(proxy.addr.port())).unwrap();
    let s = spawn_with_store(parsed.as_str()).await;
    Some((s, proxy, db))
}

async fn app(s: &TestServer) -> String {
    s.create_tenant(json!({"id": "acme"})).await;
    s.create_client(
        "acme",
        json!({"client_id": "app", "grant_types": ["client_credentials"], "scopes": ["read"]}),
    )
    .await
}

/// (status, `error`, `Retry-After`) of one introspection, or `None` if it took over 2 s.
async fn introspect(s: &TestServer, secret: &str, token: &str) -> Option<(u16, String, Option<String>)> {
    let r = s
        .http
        .post(s.url("/oauth/introspect"))
        .basic_auth("app", Some(secret))
        .form(&[("token", token)])
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let body: serde_json::Value = r.json().await.ok()?;
    Some((status, body["error"].as_str().unwrap_or("").to_string(), retry))
}

async fn ready(s: &TestServer) -> Option<u16> {
    let r = s
        .http
        .get(s.url("/readyz"))
        .timeout(Duration::from_millis(1500))
        .send()
        .await
        .ok()?;
    Some(r.status().as_u16())
}

async fn wait_ready(s: &TestServer, want: u16) {
    for _ in 0..200 {
        if ready(s).await == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("/readyz never answered {want}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_the_database_is_down_requests_fail_fast_and_recover_by_themselves() {
    for kind in KINDS {
        let Some((s, proxy, _db)) = behind_proxy(kind).await else {
            continue;
        };
        let secret = app(&s).await;
        let token = s.token_cc("app", &secret, None).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(introspect(&s, &secret, &token).await.unwrap().0, 200);

        proxy.down();
        // The first requests find out; from then on `/readyz` answers 503 within its second…
        let _ = introspect(&s, &secret, &token).await;
        wait_ready(&s, 503).await;
        // …and every request that needs the database is refused at once, not after the pool's
        // connect timeout.
        for _ in 0..10 {
            let answer = introspect(&s, &secret, &token).await;
            let (status, error, retry) = answer.unwrap_or_else(|| panic!("{kind}: a request waited on the pool"));
            assert_eq!((status, error.as_str()), (503, "temporarily_unavailable"), "{kind}");
            assert_eq!(retry.as_deref(), Some("1"), "{kind}");
        }
        // The admin API authenticates its bearer through the store too: 503, not 500.
        let (status, body) = s.admin(reqwest::Method::GET, "/admin/tenants", None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (503, Some("temporarily_unavailable")),
            "{kind}"
        );

        proxy.up();
        wait_ready(&s, 200).await;
        let (status, _, _) = introspect(&s, &secret, &token).await.unwrap();
        assert_eq!(status, 200, "{kind}: back by itself");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_restart_under_load_loses_no_answered_token() {
    for kind in KINDS {
        let Some((s, proxy, _db)) = behind_proxy(kind).await else {
            continue;
        };
        let secret = app(&s).await;
        let s = Arc::new(s);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let workers: Vec<_> = (0..16)
            .map(|_| {
                let (s, secret, stop) = (s.clone(), secret.clone(), stop.clone());
                tokio::spawn(async move {
                    let (mut answered, mut statuses) = (Vec::new(), Vec::new());
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let (status, body) = s
                            .token_raw("app", &secret, &[("grant_type", "client_credentials")], None)
                            .await;
                        match status {
                            200 => answered.push(body["access_token"].as_str().unwrap().to_string()),
                            _ => statuses.push((status, body["error"].to_string())),
                        }
                    }
                    (answered, statuses)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        proxy.down();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.up();
        wait_ready(&s, 200).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (mut answered, mut refused) = (Vec::new(), Vec::new());
        for worker in workers {
            let (a, r) = worker.await.unwrap();
            answered.extend(a);
            refused.extend(r);
        }
        // Requests in flight when the database went away may wait it out (they are never cut
        // short: one could have committed) or be refused; new ones are refused at once.
        assert!(!answered.is_empty(), "{kind}: tokens were issued");
        for (status, error) in &refused {
            assert_eq!(
                (*status, error.as_str()),
                (503, "\"temporarily_unavailable\""),
                "{kind}"
            );
        }
        for token in &answered {
            let (status, _, _) = introspect(&s, &secret, token).await.unwrap();
            assert_eq!(status, 200);
            let info = s.introspect("app", &secret, token).await;
            assert_eq!(info["active"], true, "{kind}: an answered token was lost");
        }
    }
}
