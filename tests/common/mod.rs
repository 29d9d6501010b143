//! Test harness: an in-process server on port 0 with a manual clock, and the real binary.
#![allow(dead_code)]

pub mod flow;
pub mod proxy;
pub mod raw;
pub mod tmpfs;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use tessera::clock::ManualClock;
use tessera::config::Config;
use tessera::service::Service;
use tessera_testdb::{test_database, TestDatabase};

pub const START: i64 = 1_800_000_000;
pub const ADMIN_ID: &str = "test-admin";
pub const ADMIN_SECRET: &str = "test-admin-secret-0123456789";

/// A server running inside the test process, on a memory store, with a clock the test moves.
pub struct TestServer {
    pub base: String,
    /// The management listener's base URL (`/metrics`, `/healthz`, `/readyz`).
    pub management: String,
    pub http: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub service: Arc<Service>,
    pub admin_token: String,
    tasks: [tokio::task::JoinHandle<()>; 2],
    /// Where the store's data lives, kept (and then removed) with the server.
    _backing: Backing,
}

/// What holds a backend's data: nothing (memory), a directory (SQLite) or a database.
enum Backing {
    Nothing,
    Dir(tempfile::TempDir),
    Database(TestDatabase),
}

impl Drop for TestServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub async fn spawn() -> TestServer {
    spawn_with_store("memory://").await
}

pub async fn spawn_with_store(store: &str) -> TestServer {
    start(store, Backing::Nothing).await
}

/// Every backend [`spawn_on`] knows: the tests of behaviour that could differ by store loop over it.
pub const BACKENDS: [&str; 4] = ["memory", "sqlite", "postgres", "mysql"];

/// A server on a fresh store of `backend` (one of [`BACKENDS`]); `None` when its database server
/// is unreachable and not required (`test_database` says so on the terminal).
pub async fn spawn_on(backend: &str) -> Option<TestServer> {
    let (store, backing) = match backend {
        "memory" => ("memory://".to_string(), Backing::Nothing),
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let store = format!("sqlite://{}", dir.path().join("t.db").display());
            (store, Backing::Dir(dir))
        }
        database => {
            let (url, db) = test_database(database).await?;
            (url, Backing::Database(db))
        }
    };
    Some(start(&store, backing).await)
}

async fn start(store: &str, backing: Backing) -> TestServer {
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        management_listen: "127.0.0.1:0".parse().unwrap(),
        store: store.into(),
        admin_client_id: Some(ADMIN_ID.into()),
        admin_client_secret: Some(tessera::secret::Secret::new(ADMIN_SECRET.into())),
        // A server database keeps no key file: its nodes are given the key.
        token_key: tessera::store::is_shared(store)
            .then(|| tessera::secret::Secret::new(tessera::token::generate_key_text())),
        ..Config::default()
    };
    let clock = Arc::new(ManualClock::new(START));
    let prepared = tessera::server::prepare(&config, clock.clone()).await.unwrap();
    let service = prepared.service.clone();
    let app = tessera::http::router(prepared.service);
    let listener = prepared.listener;
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    let (management, management_addr) = prepared.management.expect("a management listener");
    let management_app = tessera::http::management_router(service.clone());
    let management_task = tokio::spawn(async move {
        axum::serve(management, management_app).await.unwrap();
    });
    let base = format!("http://{}", prepared.addr);
    let http = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();
    let mut server = TestServer {
        base,
        management: format!("http://{management_addr}"),
        http,
        clock,
        service,
        admin_token: String::new(),
        tasks: [task, management_task],
        _backing: backing,
    };
    server.admin_token = server.token_cc(ADMIN_ID, ADMIN_SECRET, None).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    server
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// One run of the job behind `tessera_active_access_tokens`, which a scrape only reads.
    pub async fn count_active_tokens(&self) {
        self.service.active_token_counter().run_once().await.unwrap();
    }

    /// A client_credentials token request with Basic auth; returns the JSON body (asserting 200).
    pub async fn token_cc(&self, id: &str, secret: &str, scope: Option<&str>) -> Value {
        let (status, body) = self
            .token_raw(id, secret, &[("grant_type", "client_credentials")], scope)
            .await;
        assert_eq!(status, 200, "token request failed: {body}");
        body
    }

    pub async fn token_raw(
        &self,
        id: &str,
        secret: &str,
        params: &[(&str, &str)],
        scope: Option<&str>,
    ) -> (u16, Value) {
        let mut form: Vec<(&str, &str)> = params.to_vec();
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        let r = self
            .http
            .post(self.url("/oauth/token"))
            .basic_auth(id, Some(secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn introspect(&self, id: &str, secret: &str, token: &str) -> Value {
        self.http
            .post(self.url("/oauth/introspect"))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// An admin call with the bootstrap admin's token; returns status and JSON body (or Null).
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.admin_as(&self.admin_token.clone(), method, path, body).await
    }

    pub async fn admin_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn create_tenant(&self, body: Value) {
        let (status, answer) = self.admin(reqwest::Method::POST, "/admin/tenants", Some(body)).await;
        assert_eq!(status, 201, "{answer}");
    }

    /// Creates a client and returns its secret.
    pub async fn create_client(&self, tenant: &str, body: Value) -> String {
        let (status, answer) = self
            .admin(
                reqwest::Method::POST,
                &format!("/admin/tenants/{tenant}/clients"),
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "{answer}");
        answer["client_secret"].as_str().unwrap_or_default().to_string()
    }

    pub async fn create_user(&self, tenant: &str, username: &str, password: &str, authorities: &[&str]) {
        let body = json!({"username": username, "password": password, "authorities": authorities});
        let (status, answer) = self
            .admin(
                reqwest::Method::POST,
                &format!("/admin/tenants/{tenant}/users"),
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "{answer}");
    }
}

/// The real `tessera` binary, started on port 0 in `dir`; killed on drop.
pub struct Process {
    pub child: Child,
    pub base: String,
    /// Everything it printed to stdout before it was listening.
    pub banner: Vec<String>,
    /// The management listener's base URL, unless it is off.
    pub management: Option<String>,
    /// Everything it has logged to stderr so far.
    pub stderr: Arc<std::sync::Mutex<String>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_binary(dir: &Path, envs: &[(&str, &str)]) -> Process {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    start_process(cmd, dir, envs)
}

/// The real binary, `serve` with these arguments (`--listen` among them), in `dir`.
pub fn start_binary_args(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Process {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.arg("serve").args(args);
    start_process(cmd, dir, envs)
}

/// The real binary started by `sh` with these soft and hard descriptor limits (`ulimit -n`).
pub fn start_binary_with_descriptors(dir: &Path, soft: u32, hard: u32, envs: &[(&str, &str)]) -> Process {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -Sn {soft} && ulimit -Hn {hard} && exec \"$0\" serve --listen 127.0.0.1:0"
        ))
        .arg(env!("CARGO_BIN_EXE_tessera"));
    start_process(cmd, dir, envs)
}

/// Starts `cmd` in `dir` with only `envs` of the `TESSERA_*` settings, and waits until it listens.
fn start_process(mut cmd: Command, dir: &Path, envs: &[(&str, &str)]) -> Process {
    cmd.current_dir(dir)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("TESSERA_") {
            cmd.env_remove(k);
        }
    }
    // Not the fixed default port: tests run servers side by side.
    cmd.env("TESSERA_MANAGEMENT_LISTEN", "127.0.0.1:0");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start tessera");
    let stderr = Arc::new(std::sync::Mutex::new(String::new()));
    let sink = stderr.clone();
    let err_pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
            let mut all = sink.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = Vec::new();
    let base = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("tessera exited before listening: {banner:?} {}", stderr.lock().unwrap()))
            .unwrap();
        if let Some(rest) = line.strip_prefix("tessera listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
        banner.push(line);
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let management = banner.iter().find_map(|l| {
        let rest = l.strip_prefix("tessera management on ")?;
        Some(rest.split_whitespace().next()?.to_string())
    });
    Process {
        child,
        base,
        banner,
        management,
        stderr,
    }
}
