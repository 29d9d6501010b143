//! The service layer: grants, policies, lifetimes, token minting and admin rules; no HTTP or SQL.

mod access_jwt;
pub mod admin;
pub mod authorize;
pub mod bootstrap;
pub mod client_auth;
pub mod console;
pub mod error;
pub mod grants;
pub mod introspect;
pub mod issue;
pub mod origins;
pub mod passwords;
pub mod scopes;
pub mod signing;
pub mod throttle;

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::metered::metered;
use crate::store::Store;
use crate::token::Keyring;
use std::sync::Arc;

pub use error::OAuthError;

/// Built-in lifetimes (seconds) when neither client nor tenant sets one.
pub mod defaults {
    use crate::model::Lifetime;
    pub const ACCESS_TOKEN_TTL: Lifetime = Lifetime::of_seconds(3600);
    pub const USER_ACCESS_TOKEN_TTL: Lifetime = Lifetime::of_seconds(3600);
    pub const REFRESH_TOKEN_TTL: Lifetime = Lifetime::of_seconds(1_209_600);
    pub const CODE_TTL: Lifetime = Lifetime::of_seconds(60);
}

/// Every rule of the product, over one store. Its parts are private: the HTTP layer and the jobs
/// reach the store, the key ring and the clock only through what the service decides.
pub struct Service {
    /// The backend, wrapped so that every operation is timed for the metrics.
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keys: Arc<Keyring>,
    /// Public base URL, without a trailing slash; `iss` of introspection answers.
    issuer: Arc<str>,
    /// Clients this node saw fail their secret lately (the count itself is in the store).
    client_locks: throttle::ClientLocks,
    /// This server's own metrics registry.
    metrics: Arc<Metrics>,
    /// The origins some client allows, for CORS preflights.
    origins: origins::OriginIndex,
    /// What the admin API's store view shows and its "purge now" runs with.
    operations: Operations,
    /// The console's signed-in sessions.
    console: console::Sessions,
    /// JWT access-token signing keys (issue 18; see `signing.rs`).
    signing: Arc<crate::token::jwt::SigningKeys>,
    /// Signing settings and the stored watermarks this node knows of.
    keeper: signing::Keeper,
}

/// The deployment facts the admin API's store view needs (set by the server from its configuration).
#[derive(Debug, Clone, Copy)]
pub struct Operations {
    /// `memory`, `sqlite`, `postgres`, `mysql` or `cassandra`.
    pub backend: &'static str,
    /// Seconds past expiry before the purge deletes a token.
    pub purge_grace: i64,
    pub purge_interval: std::time::Duration,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, keys: Arc<Keyring>, issuer: &str) -> Self {
        let metrics = Arc::new(Metrics::new());
        Self {
            store: Arc::new(metered(store, metrics.clone())),
            clock,
            keys,
            issuer: issuer.trim_end_matches('/').into(),
            client_locks: throttle::ClientLocks::default(),
            metrics,
            origins: origins::OriginIndex::default(),
            operations: Operations {
                backend: "memory",
                purge_grace: 3600,
                purge_interval: std::time::Duration::from_secs(300),
            },
            console: console::Sessions::default(),
            signing: Arc::new(signing::ephemeral_keys()),
            keeper: signing::Keeper::default(),
        }
    }

    /// The backend's name and the purge settings, for the admin API's store view.
    pub fn with_operations(mut self, operations: Operations) -> Self {
        self.operations = operations;
        self
    }

    /// One sample of the hot routes' recent rate and latency (the sampler job's run).
    pub fn sample_routes(&self) {
        self.metrics.sample_routes(self.clock.now());
    }

    /// `jwt_signing_alg` and `jwt_key_publish_delay` (the defaults otherwise).
    pub fn with_signing_settings(mut self, settings: signing::SigningSettings) -> Self {
        self.keeper = signing::Keeper::new(settings);
        self
    }

    /// The job behind `tessera_active_access_tokens`, counting through the timed store.
    pub fn active_token_counter(&self) -> crate::active_tokens::ActiveTokenCounter {
        crate::active_tokens::ActiveTokenCounter::new(self.store.clone(), self.clock.clone(), self.metrics.clone())
    }

    /// The purge job, through the timed store, forgetting failed attempts once they no longer count.
    pub fn purger(&self, grace: i64, interval: std::time::Duration) -> crate::purge::Purger {
        crate::purge::Purger::new(
            self.store.clone(),
            self.clock.clone(),
            grace,
            interval,
            throttle::FORGET_AFTER,
        )
        .with_metrics(self.metrics.clone())
    }

    /// Public base URL, without a trailing slash.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// This server's own metrics registry.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Whether the store can serve now (SQLite: a test write commits): readiness.
    pub async fn store_health(&self) -> crate::store::StoreResult<()> {
        self.store.health().await
    }
}
