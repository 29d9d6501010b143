//! Two `tessera` nodes on one PostgreSQL, MariaDB or Cassandra database: limits, `reuse` and
//! revocations hold across nodes, answered tokens survive SIGKILL, `tessera purge` / `tessera
//! migrate` work against the database, and the nodes share their JWT signing keys. Every scenario
//! runs on every shared backend (Cassandra has its own purge scenario: TTL does the work there).

mod api;
mod limits;
mod processes;
mod signing;
mod visibility;

use crate::helpers::{start_binary, test_database, Process, TestDatabase, ADMIN_ID, ADMIN_SECRET};
use limits::{limit_holds_across_nodes, refresh_grace_holds_across_nodes, reuse_holds_across_nodes};
use processes::{answered_tokens_survive_sigkill, migrate_and_purge_commands, migrate_and_purge_on_ttl};
use signing::signing_keys_are_shared_across_nodes;
use std::time::Duration;
use visibility::{changes_are_visible_across_nodes, origins_reach_every_nodes_preflights};

/// A change on one node is seen by every node within this bound (docs/concepts.md, "Stores").
pub(super) const VISIBLE_WITHIN: Duration = Duration::from_secs(1);

/// At most this many cluster tests at once, so their connection pools stay below the database
/// server's connection limit whatever the machine's core count.
pub(super) static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// One throw-away database and the settings every node on it shares.
pub(super) struct Cluster {
    pub(super) store: String,
    pub(super) key: String,
    _db: TestDatabase,
}

/// A running `tessera serve` in its own directory; SIGKILLed on drop.
pub(super) struct Node {
    pub(super) process: Process,
    _dir: tempfile::TempDir,
}

impl Node {
    pub(super) fn base(&self) -> &str {
        &self.process.base
    }
}

impl Cluster {
    pub(super) async fn new(kind: &str) -> Option<Self> {
        let (store, db) = test_database(kind).await?;
        Some(Self {
            store,
            key: tessera::token::generate_key_text(),
            _db: db,
        })
    }

    pub(super) fn env(&self) -> [(&'static str, &str); 5] {
        [
            ("TESSERA_STORE", &self.store),
            ("TESSERA_TOKEN_KEY", &self.key),
            ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
            ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
            ("TESSERA_MAX_CONNECTIONS", "8"),
        ]
    }

    pub(super) fn start(&self) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let process = start_binary(dir.path(), &self.env());
        Node { process, _dir: dir }
    }

    /// Nodes A and B, started at the same time (both migrate and bootstrap the fresh database).
    pub(super) fn start_two(&self) -> (Node, Node) {
        std::thread::scope(|s| {
            let a = s.spawn(|| self.start());
            let b = s.spawn(|| self.start());
            (a.join().unwrap(), b.join().unwrap())
        })
    }

    /// Runs `tessera <command>` against the database; asserts success and returns its stdout.
    pub(super) fn cli(&self, command: &str) -> String {
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

/// Each scenario as one test of a backend's module: `postgres::…`, `mysql::…`, `cassandra::…`.
macro_rules! on_backend {
    ($kind:ident: $($scenario:ident),* $(,)?) => {
        mod $kind {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario(stringify!($kind)).await
                }
            )*
        }
    };
}

/// Each scenario on every shared backend, with the backend's own purge scenario.
macro_rules! on_every_shared_store {
    ($($scenario:ident),* $(,)?) => {
        on_backend!(postgres: $($scenario,)* migrate_and_purge_commands);
        on_backend!(mysql: $($scenario,)* migrate_and_purge_commands);
        on_backend!(cassandra: $($scenario,)* migrate_and_purge_on_ttl);
    };
}

on_every_shared_store!(
    limit_holds_across_nodes,
    reuse_holds_across_nodes,
    changes_are_visible_across_nodes,
    origins_reach_every_nodes_preflights,
    answered_tokens_survive_sigkill,
    refresh_grace_holds_across_nodes,
    signing_keys_are_shared_across_nodes,
);
