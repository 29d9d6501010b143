//! Scenarios: answered tokens survive SIGKILL, and `tessera migrate` / `tessera purge` against the database.

use super::api::Api;
use super::{Cluster, SLOTS};
use crate::helpers::{Response, ADMIN_ID, ADMIN_SECRET};
use reqwest::Method;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

/// Scenario 4: 100 tokens answered concurrently survive a SIGKILL right after the last answer.
pub(super) async fn answered_tokens_survive_sigkill(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let mut a = cluster.start();
    let api = Api::new(a.base()).await;
    api.create_tenant(a.base(), json!({"id": "acme"})).await;
    let secret = api.create_client(a.base(), json!({"client_id": "app"})).await;

    let answers = api.burst(&[a.base()], 100, ("app", &secret)).await;
    a.process.child.kill().unwrap(); // SIGKILL: no shutdown hook runs
    a.process.child.wait().unwrap();
    let answered: HashSet<String> = answers.iter().map(Response::access_token).collect();
    assert_eq!(answered.len(), 100);

    let c = cluster.start();
    for token in &answered {
        let info = api.introspect(c.base(), ("app", &secret), token).await;
        assert_eq!(info["active"], true, "token lost after SIGKILL: {info}");
    }
}

/// A server inside the test process: it writes tokens without the background purger that
/// `tessera serve` starts (whose lease would make `tessera purge` skip its run).
struct InProcess {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn in_process(cluster: &Cluster, clock: Arc<dyn tessera::clock::Clock>) -> InProcess {
    use tessera::secret::Secret;
    let config = tessera::config::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        store: cluster.store.clone(),
        admin_client_id: Some(ADMIN_ID.into()),
        admin_client_secret: Some(Secret::new(ADMIN_SECRET.into())),
        token_key: Some(Secret::new(cluster.key.clone())),
        // Not the fixed default port, which tests running side by side would contend for.
        management_listen: tessera::config::ManagementListen::Off,
        ..tessera::config::Config::default()
    };
    let prepared = tessera::server::prepare(&config, clock).await.unwrap();
    let app = tessera::http::router(prepared.service);
    let listener = prepared.listener;
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    InProcess {
        base: format!("http://{}", prepared.addr),
        task,
    }
}

/// Scenario 5: `tessera migrate` and `tessera purge` against the database.
pub(super) async fn migrate_and_purge_commands(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    assert_eq!(cluster.cli("migrate"), "migrations applied");
    assert_eq!(cluster.cli("migrate"), "migrations applied", "a second run is a no-op");

    let now = tessera::clock::Clock::now(&tessera::clock::SystemClock);
    let clock = Arc::new(tessera::clock::ManualClock::new(now));
    let server = in_process(&cluster, clock.clone()).await;
    let node = server.base.as_str();
    let api = Api::new(node).await;
    api.create_tenant(node, json!({"id": "acme"})).await;
    let secret = api.create_client(node, json!({"client_id": "app"})).await;
    let app = ("app", secret.as_str());
    let mut expired_ids = Vec::new();
    // Issued three hours ago, so expired (one-hour lifetime) two hours ago: past the default
    // one-hour purge grace of `tessera purge`, which reads the real clock.
    clock.set(now - 3 * 3600);
    for _ in 0..2 {
        let token = api.client_credentials(node, app).await.access_token();
        let view = api.lookup(node, &token).await;
        assert_eq!(view["expires_at"], json!(now - 2 * 3600), "{view}");
        expired_ids.push(format!("/admin/tokens/{}", view["id"].as_str().unwrap()));
    }
    clock.set(now);
    let kept = api.client_credentials(node, app).await.access_token();

    assert_eq!(cluster.cli("purge"), "purged 2 expired tokens and codes");
    for path in &expired_ids {
        api.admin(node, Method::GET, path, None, 404).await;
    }
    assert_eq!(api.introspect(node, app, &kept).await["active"], true);
    // A finished run frees the purge lease, so the next run purges rather than skips.
    assert_eq!(cluster.cli("purge"), "purged 0 expired tokens and codes");
}

/// Scenario 5 on Cassandra: `tessera migrate` creates the keyspace's tables once, and
/// `tessera purge` says that TTL does its work, deleting nothing.
pub(super) async fn migrate_and_purge_on_ttl(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    assert_eq!(cluster.cli("migrate"), "migrations applied");
    assert_eq!(cluster.cli("migrate"), "migrations applied", "a second run is a no-op");
    let server = in_process(&cluster, Arc::new(tessera::clock::SystemClock)).await;
    let node = server.base.as_str();
    let api = Api::new(node).await;
    api.create_tenant(node, json!({"id": "acme"})).await;
    let secret = api.create_client(node, json!({"client_id": "app"})).await;
    let token = api.client_credentials(node, ("app", &secret)).await.access_token();
    assert_eq!(
        cluster.cli("purge"),
        "nothing to purge: the cassandra store drops expired tokens and codes by TTL \
         (3600 s after their expiry, purge_grace)"
    );
    assert_eq!(api.introspect(node, ("app", &secret), &token).await["active"], true);
}
