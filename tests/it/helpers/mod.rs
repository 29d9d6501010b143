//! Test harness: an in-process server on port 0 with a manual clock (`TestApp`, whose endpoints
//! are in `api`), and the real binary (`process`).

mod api;
pub mod flow;
mod process;
pub mod proxy;
pub mod raw;
pub mod tmpfs;

pub use api::{Api, Response};
pub use process::{failed_start, start_binary, start_binary_args, start_binary_with_descriptors, Process};

use std::sync::Arc;
use tessera::clock::ManualClock;
use tessera::config::Config;
use tessera::service::Service;
// The one place the tests name the throw-away database helper.
pub use tessera_testdb::{test_database, TestDatabase};

pub const START: i64 = 1_800_000_000;
pub const ADMIN_ID: &str = "test-admin";
pub const ADMIN_SECRET: &str = "test-admin-secret-0123456789";

/// A server running inside the test process, on any backend, with a clock the test moves.
/// Its endpoints are those of its [`Api`], which it derefs to.
pub struct TestApp {
    api: Api,
    pub clock: Arc<ManualClock>,
    pub service: Arc<Service>,
    tasks: [tokio::task::JoinHandle<()>; 2],
    /// Where the store's data lives, kept (and then removed) with the server.
    _backing: Backing,
}

/// What holds a backend's data, removed when the server drops: nothing (memory), a directory
/// (SQLite) or a database.
#[derive(Default)]
struct Backing {
    _dir: Option<tempfile::TempDir>,
    _database: Option<TestDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub async fn spawn() -> TestApp {
    spawn_with_store("memory://").await
}

pub async fn spawn_with_store(store: &str) -> TestApp {
    start(store, Backing::default()).await
}

/// Every backend [`spawn_on`] knows: the tests of behaviour that could differ by store loop over it.
pub const BACKENDS: [&str; 5] = ["memory", "sqlite", "postgres", "mysql", "cassandra"];

/// A server on a fresh store of `backend` (one of [`BACKENDS`]); `None` when its database server
/// is unreachable and not required (`test_database` says so on the terminal).
pub async fn spawn_on(backend: &str) -> Option<TestApp> {
    let (store, backing) = match backend {
        "memory" => ("memory://".to_string(), Backing::default()),
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let store = format!("sqlite://{}", dir.path().join("t.db").display());
            (
                store,
                Backing {
                    _dir: Some(dir),
                    ..Backing::default()
                },
            )
        }
        database => {
            let (url, db) = test_database(database).await?;
            (
                url,
                Backing {
                    _database: Some(db),
                    ..Backing::default()
                },
            )
        }
    };
    Some(start(&store, backing).await)
}

/// The token key of every node this process starts on the database at `store`.
fn fleet_key(store: &str) -> String {
    static KEYS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let mut keys = KEYS.lock().unwrap();
    if let Some((_, key)) = keys.iter().find(|(at, _)| at == store) {
        return key.clone();
    }
    let key = tessera::token::generate_key_text();
    keys.push((store.to_string(), key.clone()));
    key
}

async fn start(store: &str, backing: Backing) -> TestApp {
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        management_listen: "127.0.0.1:0".parse().unwrap(),
        store: store.into(),
        admin_client_id: Some(ADMIN_ID.into()),
        admin_client_secret: Some(tessera::secret::Secret::new(ADMIN_SECRET.into())),
        // A server database keeps no key file: its nodes are given the key, the same on every
        // node of one database (its JWT signing keys are wrapped under it).
        token_key: tessera::store::is_shared(store).then(|| tessera::secret::Secret::new(fleet_key(store))),
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
    let api = Api::new(
        &format!("http://{}", prepared.addr),
        &format!("http://{management_addr}"),
    );
    TestApp {
        api: api.signed_in().await,
        clock,
        service,
        tasks: [task, management_task],
        _backing: backing,
    }
}

impl std::ops::Deref for TestApp {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

impl TestApp {
    /// One run of the job behind `tessera_active_access_tokens`, which a scrape only reads.
    pub async fn count_active_tokens(&self) {
        self.service.active_token_counter().run_once().await.unwrap();
    }
}
