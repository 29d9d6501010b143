//! Which web origins some client allows, for CORS preflights: a preflight names no client, so it
//! is answered from a snapshot of every client's origins, rebuilt at most once per
//! [`SNAPSHOT_TTL`] and dropped by this node's admin writes to clients.
//!
//! Why a snapshot rather than an indexed query: the origins live inside each client's settings
//! JSON (no column to index without a schema change), and a preflight only decides whether the
//! browser may send the real request, whose answer is checked against the authenticated client
//! itself, so a stale snapshot never lets an origin read an answer. This node's changes show at
//! once, another node's within a second (the bound every change keeps on a fleet,
//! docs/concepts.md). A preflight costs a hash lookup, never a store query, except the one that
//! rebuilds: at most one scan of the clients (one query) per second, and only while preflights arrive
//! (browsers keep a preflight's answer for `Access-Control-Max-Age`).

use super::{OAuthError, Service};
use crate::clock::UnixTime;
use crate::model::Origin;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// How long a snapshot answers, in (whole clock) seconds: one, so that another node's client
/// change reaches this node's preflights within a second.
pub const SNAPSHOT_TTL: i64 = 1;

#[derive(Default)]
pub struct OriginIndex {
    snapshot: RwLock<Option<Snapshot>>,
    /// One rebuild at a time; preflights arriving meanwhile wait for it rather than scan too.
    rebuild: tokio::sync::Mutex<()>,
    /// Bumped by every admin write to clients; a snapshot built before the bump is stale.
    generation: AtomicU64,
}

struct Snapshot {
    built: UnixTime,
    generation: u64,
    origins: Arc<HashSet<Origin>>,
}

impl OriginIndex {
    /// Called after any change to a client's origins or redirect URIs on this node.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The snapshot's answer, if it is still good at `now`.
    fn answer(&self, now: UnixTime, origin: &Origin) -> Option<bool> {
        let guard = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        let s = guard.as_ref()?;
        let fresh =
            s.generation == self.generation.load(Ordering::Acquire) && (s.built..s.built + SNAPSHOT_TTL).contains(&now);
        fresh.then(|| s.origins.contains(origin))
    }
}

impl Service {
    /// Whether some client of any tenant allows `origin` (its `allowed_origins` or a redirect URI).
    pub async fn origin_allowed(&self, origin: &Origin) -> Result<bool, OAuthError> {
        let index = &self.origins;
        let now = self.clock.now();
        if let Some(answer) = index.answer(now, origin) {
            return Ok(answer);
        }
        let _one = index.rebuild.lock().await;
        if let Some(answer) = index.answer(now, origin) {
            return Ok(answer);
        }
        let generation = index.generation.load(Ordering::Acquire);
        let mut origins = HashSet::new();
        for client in self.store.list_clients(None).await? {
            origins.extend(client.origins());
        }
        let answer = origins.contains(origin);
        *index.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Some(Snapshot {
            built: now,
            generation,
            origins: Arc::new(origins),
        });
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Client, TokenSettings};
    use crate::service::grants::testing::fixture;

    fn spa(id: &str, redirect: &str, allowed: &[&str]) -> Client {
        Client {
            client_id: crate::model::cid(id).to_owned(),
            tenant: crate::model::tid("acme").to_owned(),
            name: id.into(),
            secret_hash: None,
            grant_types: vec![crate::model::GrantType::AuthorizationCode],
            scopes: vec![],
            redirect_uris: vec![redirect.into()],
            authorities: vec![],
            public: true,
            settings: TokenSettings::default(),
            allowed_origins: allowed.iter().map(|o| Origin::parse(o).unwrap()).collect(),
        }
    }

    fn origin(o: &str) -> Origin {
        Origin::parse(o).unwrap()
    }

    #[tokio::test]
    async fn origins_of_redirect_uris_and_allowed_origins_are_known() {
        let f = fixture().await;
        let store = &f.service.store;
        store
            .create_client(spa("spa", "https://app.example:443/cb", &["http://localhost:3000"]))
            .await
            .unwrap();
        assert!(f.service.origin_allowed(&origin("https://app.example")).await.unwrap());
        assert!(f
            .service
            .origin_allowed(&origin("http://localhost:3000"))
            .await
            .unwrap());
        assert!(!f.service.origin_allowed(&origin("https://evil.example")).await.unwrap());
    }

    #[tokio::test]
    async fn a_change_elsewhere_shows_after_the_ttl_and_one_here_at_once() {
        let f = fixture().await;
        let (a, b) = (origin("https://a.example"), origin("https://b.example"));
        assert!(!f.service.origin_allowed(&a).await.unwrap());
        // Written straight to the store, as another node would: the snapshot still answers.
        f.service
            .store
            .create_client(spa("a", "https://a.example/cb", &[]))
            .await
            .unwrap();
        assert!(!f.service.origin_allowed(&a).await.unwrap());
        f.clock.advance(SNAPSHOT_TTL);
        assert!(f.service.origin_allowed(&a).await.unwrap());
        f.service
            .store
            .create_client(spa("b", "https://b.example/cb", &[]))
            .await
            .unwrap();
        assert!(!f.service.origin_allowed(&b).await.unwrap());
        f.service.origins.invalidate();
        assert!(f.service.origin_allowed(&b).await.unwrap());
    }
}
