//! Two `tessera` nodes on one PostgreSQL or MariaDB database: limits, `reuse` and revocations hold
//! across nodes, answered tokens survive SIGKILL, and `tessera purge` / `tessera migrate` work
//! against the database. Every scenario runs on both backends.

use crate::helpers::{start_binary, Process, Response, ADMIN_ID, ADMIN_SECRET};
use crate::helpers::{test_database, TestDatabase};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A change on one node is seen by every node within this bound (docs/concepts.md, "Stores").
const VISIBLE_WITHIN: Duration = Duration::from_secs(1);

/// At most this many cluster tests at once, so their connection pools stay below the database
/// server's connection limit whatever the machine's core count.
static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// One throw-away database and the settings every node on it shares.
struct Cluster {
    store: String,
    key: String,
    _db: TestDatabase,
}

/// A running `tessera serve` in its own directory; SIGKILLed on drop.
struct Node {
    process: Process,
    _dir: tempfile::TempDir,
}

impl Node {
    fn base(&self) -> &str {
        &self.process.base
    }
}

impl Cluster {
    async fn new(kind: &str) -> Option<Self> {
        let (store, db) = test_database(kind).await?;
        Some(Self {
            store,
            key: tessera::token::generate_key_text(),
            _db: db,
        })
    }

    fn env(&self) -> [(&'static str, &str); 5] {
        [
            ("TESSERA_STORE", &self.store),
            ("TESSERA_TOKEN_KEY", &self.key),
            ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
            ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
            ("TESSERA_MAX_CONNECTIONS", "8"),
        ]
    }

    fn start(&self) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let process = start_binary(dir.path(), &self.env());
        Node { process, _dir: dir }
    }

    /// Nodes A and B, started at the same time (both migrate and bootstrap the fresh database).
    fn start_two(&self) -> (Node, Node) {
        std::thread::scope(|s| {
            let a = s.spawn(|| self.start());
            let b = s.spawn(|| self.start());
            (a.join().unwrap(), b.join().unwrap())
        })
    }

    /// Runs `tessera <command>` against the database; asserts success and returns its stdout.
    fn cli(&self, command: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.arg(command).current_dir(dir.path()).env_remove("RUST_LOG");
        for (k, _) in std::env::vars() {
            if k.starts_with("TESSERA_") {
                cmd.env_remove(k);
            }
        }
        let out = cmd
            .env("TESSERA_STORE", &self.store)
            .env("TESSERA_TOKEN_KEY", &self.key)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "tessera {command} failed: {stderr}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}

/// An HTTP client holding the bootstrap admin's token, which every node accepts.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    admin: String,
}

impl Api {
    async fn new(node: &str) -> Self {
        let signed_in = crate::helpers::Api::new(node, "").signed_in().await;
        Self {
            http: signed_in.http,
            admin: signed_in.admin_token,
        }
    }

    /// The endpoints of `node`, through the shared client.
    fn at(&self, node: &str) -> crate::helpers::Api {
        crate::helpers::Api {
            base: node.to_string(),
            management: String::new(),
            http: self.http.clone(),
            admin_token: self.admin.clone(),
        }
    }

    async fn client_credentials(&self, node: &str, client: (&str, &str)) -> Response {
        self.at(node)
            .token(client, &[("grant_type", "client_credentials")])
            .await
    }

    /// Asks `node` for tokens until it refuses or the visibility bound since `changed` has
    /// passed: a node may answer from its copy of a client for a quarter second (the SQL
    /// stores' cache). Returns the last answer and the tokens handed out before it.
    async fn until_refused(&self, node: &str, client: (&str, &str), changed: Instant) -> (Response, Vec<String>) {
        let mut issued = Vec::new();
        loop {
            let answer = self.client_credentials(node, client).await;
            if answer.status != 200 || changed.elapsed() > VISIBLE_WITHIN {
                return (answer, issued);
            }
            issued.push(answer.access_token());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn password(&self, node: &str, client: (&str, &str), user: &str, password: &str) -> Response {
        self.at(node).login(client, user, password).await
    }

    async fn introspect(&self, node: &str, client: (&str, &str), token: &str) -> Value {
        let answer = self.at(node).introspect(client, token).await;
        assert_eq!(answer.status, 200);
        answer.json
    }

    async fn revoke(&self, node: &str, client: (&str, &str), token: &str) {
        assert_eq!(self.at(node).revoke(client, token).await.status, 200);
    }

    /// An admin call; asserts `expected` and returns the JSON body.
    async fn admin(&self, node: &str, method: Method, path: &str, body: Option<Value>, expected: u16) -> Value {
        let answer = self.at(node).admin(method.clone(), path, body).await;
        assert_eq!(answer.status, expected, "{method} {path}: {}", answer.text);
        answer.json
    }

    async fn create_tenant(&self, node: &str, body: Value) {
        self.admin(node, Method::POST, "/admin/tenants", Some(body), 201).await;
    }

    /// Creates a client of tenant `acme`; returns its secret.
    async fn create_client(&self, node: &str, body: Value) -> String {
        let created = self
            .admin(node, Method::POST, "/admin/tenants/acme/clients", Some(body), 201)
            .await;
        created["client_secret"].as_str().unwrap().to_string()
    }

    /// The admin view of a token (with its `id`), from its value.
    async fn lookup(&self, node: &str, token: &str) -> Value {
        let answer = self.at(node).lookup_token(token).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json
    }

    /// `n` client_credentials requests released together, the i-th sent to `nodes[i % len]`.
    async fn burst(&self, nodes: &[&str], n: usize, client: (&str, &str)) -> Vec<Response> {
        let gate = Arc::new(tokio::sync::Barrier::new(n));
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (api, gate) = (self.clone(), gate.clone());
                let node = nodes[i % nodes.len()].to_string();
                let (id, secret) = (client.0.to_string(), client.1.to_string());
                tokio::spawn(async move {
                    gate.wait().await;
                    api.client_credentials(&node, (&id, &secret)).await
                })
            })
            .collect();
        let mut answers = Vec::with_capacity(n);
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    }
}

/// Asserts that a check which has just passed did so within the visibility bound of `changed`.
fn within_bound(changed: Instant, what: &str) {
    let took = changed.elapsed();
    assert!(took < VISIBLE_WITHIN, "{what}: seen after {took:?}");
}

/// Scenario 1: 64 concurrent requests, half on each node, against a limit of 10.
async fn limit_holds_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let api = Api::new(a.base()).await;
    api.create_tenant(a.base(), json!({"id": "acme", "max_active_tokens_per_client": 10}))
        .await;
    let secret = api.create_client(a.base(), json!({"client_id": "app"})).await;

    let answers = api.burst(&[a.base(), b.base()], 64, ("app", &secret)).await;
    let mut issued = HashSet::new();
    let mut refused = 0;
    for answer in &answers {
        match answer.status {
            200 => {
                issued.insert(answer.access_token());
            }
            429 => {
                refused += 1;
                assert_eq!(answer.json["error"], "too_many_active_tokens", "{}", answer.json);
                let seconds: u64 = answer
                    .header("retry-after")
                    .expect("Retry-After on 429")
                    .parse()
                    .unwrap();
                assert!((1..=3600).contains(&seconds), "Retry-After {seconds}");
            }
            other => panic!("unexpected {other}: {}", answer.json),
        }
    }
    assert_eq!(
        (issued.len(), refused),
        (10, 54),
        "exactly the limit, across both nodes"
    );

    let list = api
        .admin(
            b.base(),
            Method::GET,
            "/admin/tenants/acme/clients/app/tokens",
            None,
            200,
        )
        .await;
    assert_eq!(list["active_count"], 10, "{list}");
    assert_eq!(list["max_active_tokens"], 10, "{list}");
    for node in [a.base(), b.base()] {
        assert_eq!(api.client_credentials(node, ("app", &secret)).await.status, 429);
    }
}

/// Scenario 2: `reuse` hands one token to 32 concurrent requests spread over both nodes.
async fn reuse_holds_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let api = Api::new(a.base()).await;
    api.create_tenant(a.base(), json!({"id": "acme"})).await;
    let secret = api
        .create_client(a.base(), json!({"client_id": "app", "token_policy": "reuse"}))
        .await;

    let answers = api.burst(&[a.base(), b.base()], 32, ("app", &secret)).await;
    let distinct: HashSet<String> = answers.iter().map(Response::access_token).collect();
    assert_eq!(
        distinct.len(),
        1,
        "one token for one (client, subject, scope set): {distinct:?}"
    );

    let list = api
        .admin(
            b.base(),
            Method::GET,
            "/admin/tenants/acme/clients/app/tokens",
            None,
            200,
        )
        .await;
    assert_eq!(list["active_count"], 1, "{list}");
}

/// Scenario 3: revocation, secret regeneration, client deletion, user disabling and a PATCHed
/// expiry, each made on A, are seen on B at once.
async fn changes_are_visible_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let (a, b) = (a.base(), b.base());
    let api = Api::new(a).await;
    api.create_tenant(a, json!({"id": "acme"})).await;
    let app_secret = api.create_client(a, json!({"client_id": "app"})).await;
    let probe_secret = api.create_client(a, json!({"client_id": "probe"})).await;
    let web_secret = api
        .create_client(a, json!({"client_id": "web", "grant_types": ["password"]}))
        .await;
    let probe = ("probe", probe_secret.as_str());
    let web = ("web", web_secret.as_str());
    let password = "correct-horse-battery-staple";
    let user = json!({"username": "alice", "password": password});
    api.admin(a, Method::POST, "/admin/tenants/acme/users", Some(user), 201)
        .await;
    let inactive = json!({"active": false});

    // A token revoked on A.
    let app = ("app", app_secret.as_str());
    let revoked = api.client_credentials(a, app).await.access_token();
    assert_eq!(api.introspect(b, app, &revoked).await["active"], true);
    api.revoke(a, app, &revoked).await;
    let changed = Instant::now();
    assert_eq!(
        api.introspect(b, app, &revoked).await,
        inactive,
        "revoked on A, active on B"
    );
    within_bound(changed, "revocation");

    // A client secret regenerated on A.
    assert_eq!(api.client_credentials(b, app).await.status, 200);
    let regenerated = api
        .admin(a, Method::POST, "/admin/tenants/acme/clients/app/secret", None, 200)
        .await;
    let changed = Instant::now();
    let (refused, _) = api.until_refused(b, app, changed).await;
    assert_eq!(refused.status, 401, "old secret still works on B: {}", refused.json);
    within_bound(changed, "secret regeneration");
    let new_secret = regenerated["client_secret"].as_str().unwrap().to_string();
    let app = ("app", new_secret.as_str());
    api.client_credentials(b, app).await.access_token();

    // A token whose expiry is PATCHed on A to its issue (the earliest allowed), which ends it.
    let patched = api.client_credentials(a, app).await.access_token();
    assert_eq!(api.introspect(b, app, &patched).await["active"], true);
    let view = api.lookup(a, &patched).await;
    let past = view["issued_at"].as_i64().unwrap();
    let path = format!("/admin/tokens/{}", view["id"].as_str().unwrap());
    api.admin(a, Method::PATCH, &path, Some(json!({"expires_at": past})), 200)
        .await;
    let changed = Instant::now();
    assert_eq!(
        api.introspect(b, app, &patched).await,
        inactive,
        "expired on A, active on B"
    );
    within_bound(changed, "PATCHed expiry");

    // A client deleted on A.
    let orphan = api.client_credentials(a, app).await.access_token();
    assert_eq!(api.introspect(b, probe, &orphan).await["active"], true);
    api.admin(a, Method::DELETE, "/admin/tenants/acme/clients/app", None, 204)
        .await;
    let changed = Instant::now();
    assert_eq!(
        api.introspect(b, probe, &orphan).await,
        inactive,
        "the deleted client's token is active on B"
    );
    let (mut refused, late) = api.until_refused(b, app, changed).await;
    // While B's short-lived copy of the client lasts, the database refuses to store a token for
    // it (400 invalid_grant, as when the client goes during a request); then B refuses the client.
    while refused.status == 400 && changed.elapsed() <= VISIBLE_WITHIN {
        assert_eq!(refused.json["error"], "invalid_grant", "{}", refused.json);
        tokio::time::sleep(Duration::from_millis(20)).await;
        refused = api.client_credentials(b, app).await;
    }
    assert_eq!(
        refused.status, 401,
        "B still serves the deleted client: {}",
        refused.json
    );
    assert!(late.is_empty(), "B issued {} tokens for the deleted client", late.len());
    assert_eq!(refused.json["error"], "invalid_client");
    within_bound(changed, "client deletion");

    // A user disabled on A.
    let alice = api.password(a, web, "alice", password).await.access_token();
    assert_eq!(api.introspect(b, web, &alice).await["active"], true);
    let disable = json!({"enabled": false});
    api.admin(a, Method::PATCH, "/admin/tenants/acme/users/alice", Some(disable), 200)
        .await;
    let changed = Instant::now();
    assert_eq!(
        api.introspect(b, web, &alice).await,
        inactive,
        "the disabled user's token is active on B"
    );
    within_bound(changed, "user disabling (token)");
    let changed = Instant::now();
    let refused = api.password(b, web, "alice", password).await;
    assert_eq!(refused.status, 400, "B logs in a disabled user: {}", refused.json);
    assert_eq!(refused.json["error"], "invalid_grant");
    within_bound(changed, "user disabling (login)");
}

/// A client's browser origin added on A reaches B's CORS preflights (answered from a snapshot
/// B rebuilds at most once a second), and B's token answers at once (they check the client).
async fn origins_reach_every_nodes_preflights(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let (a, b) = (a.base(), b.base());
    let api = Api::new(a).await;
    api.create_tenant(a, json!({"id": "acme"})).await;
    let origin = "https://app.example";
    let allowed = |node: &str| {
        let request = api
            .http
            .request(Method::OPTIONS, format!("{node}/oauth/token"))
            .header("origin", origin)
            .header("access-control-request-method", "POST");
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), 204);
            r.headers().get("access-control-allow-origin").is_some()
        }
    };
    assert!(!allowed(b).await, "no client allows it yet");
    let secret = api
        .create_client(a, json!({"client_id": "spa", "allowed_origins": [origin]}))
        .await;
    assert!(allowed(a).await, "at once on the node that made the change");
    // Polled rather than timed: the bound is the snapshot's one second, the cap only ends a hang.
    let mut tries = 0;
    while !allowed(b).await {
        tries += 1;
        assert!(tries < 100, "B never allows the origin");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = api
        .http
        .post(format!("{b}/oauth/token"))
        .basic_auth("spa", Some(&secret))
        .header("origin", origin)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
}

/// Scenario 4: 100 tokens answered concurrently survive a SIGKILL right after the last answer.
async fn answered_tokens_survive_sigkill(kind: &str) {
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
async fn migrate_and_purge_commands(kind: &str) {
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

/// Scenario: the refresh grace across nodes. A refresh token used on A is reused within the
/// grace on B; a token presented to both at once is exchanged by both; once the grace is over
/// a replay on B revokes the lineage, as seen on both nodes.
async fn refresh_grace_holds_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let (a, b) = (a.base(), b.base());
    let api = Api::new(a).await;
    // Three seconds: a window the second request surely falls in, short enough to wait out.
    const GRACE: u64 = 3;
    api.create_tenant(a, json!({"id": "acme", "refresh_token_grace": GRACE}))
        .await;
    let body = json!({"client_id": "web", "grant_types": ["password", "refresh_token"]});
    let secret = api.create_client(a, body).await;
    let web = ("web", secret.as_str());
    let password = "correct-horse-battery-staple";
    let user = json!({"username": "alice", "password": password});
    api.admin(a, Method::POST, "/admin/tenants/acme/users", Some(user), 201)
        .await;
    let refresh = |answer: &Response| answer.json["refresh_token"].as_str().unwrap().to_string();
    let exchange = |node: &str, token: &str| {
        let (api, node, token) = (api.clone(), node.to_string(), token.to_string());
        async move {
            let form = [("grant_type", "refresh_token"), ("refresh_token", token.as_str())];
            api.at(&node).token(web, &form).await
        }
    };

    let login = api.password(a, web, "alice", password).await;
    let first = exchange(a, &refresh(&login)).await;
    let again = exchange(b, &refresh(&login)).await;
    assert_eq!(
        again.status, 200,
        "reused within the grace on the other node: {}",
        again.json
    );
    let (on_a, on_b) = tokio::join!(exchange(a, &refresh(&first)), exchange(b, &refresh(&first)));
    let mut issued = vec![login.access_token(), first.access_token(), again.access_token()];
    issued.extend([on_a.access_token(), on_b.access_token()]);
    for node in [a, b] {
        for token in &issued {
            assert_eq!(
                api.introspect(node, web, token).await["active"],
                true,
                "nothing revoked"
            );
        }
    }

    tokio::time::sleep(Duration::from_secs(GRACE) + Duration::from_millis(200)).await;
    let replay = exchange(b, &refresh(&login)).await;
    assert_eq!(
        (replay.status, &replay.json["error"]),
        (400, &json!("invalid_grant")),
        "{}",
        replay.json
    );
    for node in [a, b] {
        for token in &issued {
            assert_eq!(
                api.introspect(node, web, token).await["active"],
                false,
                "the lineage is revoked"
            );
        }
    }
}

/// Each scenario as one test per backend: `postgres::…` and `mysql::…`.
macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario("postgres").await
                }
            )*
        }
        mod mysql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario("mysql").await
                }
            )*
        }
    };
}

on_both_databases!(
    limit_holds_across_nodes,
    reuse_holds_across_nodes,
    changes_are_visible_across_nodes,
    origins_reach_every_nodes_preflights,
    answered_tokens_survive_sigkill,
    migrate_and_purge_commands,
    refresh_grace_holds_across_nodes,
);
