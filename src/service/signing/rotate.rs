//! Rotation (a new key, published at once, signing after the publish delay), the refresh that
//! brings other nodes' rotations in, and retirement of keys whose tokens have all expired.

use super::super::Service;
use super::SigningKeysError;
use crate::clock::UnixTime;
use crate::store::{KeepUntil, StoredSigningKey};
use crate::token::jwt::SigningAlg;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A signing key as the admin API lists it: never private material.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SigningKeyInfo {
    pub kid: String,
    /// `ES256`, `EdDSA` or `RS256`.
    pub alg: String,
    /// When it was added (and published).
    pub created_at: UnixTime,
    /// When it starts (or started) signing.
    pub sign_from: UnixTime,
    /// The latest expiry of a token it signed (plus a margin): it stays published until then.
    /// `null` when it signed none, or signed one that never expires (see `kept_forever`).
    pub keep_until: Option<UnixTime>,
    /// It signed a never-expiring token: kept until it is deleted by hand.
    pub kept_forever: bool,
    /// It is the key this node signs with now.
    pub signing: bool,
}

impl SigningKeyInfo {
    fn of(key: &StoredSigningKey, signing: bool) -> Self {
        Self {
            kid: key.kid.clone(),
            alg: key.alg.name().to_string(),
            created_at: key.created_at,
            sign_from: key.sign_from,
            keep_until: match key.keep_until {
                KeepUntil::Until(t) => Some(t),
                KeepUntil::Nothing | KeepUntil::Forever => None,
            },
            kept_forever: key.keep_until == KeepUntil::Forever,
            signing,
        }
    }
}

/// What one refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshReport {
    /// Keys deleted because every token they signed has expired.
    pub retired: usize,
    /// The node's set changed (a key added or retired here or on another node).
    pub replaced: bool,
}

/// The order a set keeps its keys in: the newest signs.
fn rank(key: &StoredSigningKey) -> (UnixTime, &str) {
    (key.sign_from, key.kid.as_str())
}

impl Service {
    /// Adds a key of `alg` (default `jwt_signing_alg`): in this node's JWK Set at once, in every
    /// node's after its next refresh, signing from `jwt_key_publish_delay` seconds on.
    pub async fn rotate_signing_key(&self, alg: Option<SigningAlg>) -> Result<SigningKeyInfo, SigningKeysError> {
        let now = self.clock.now();
        let settings = self.keeper.settings;
        let sign_from = now.saturating_add(settings.publish_delay);
        let key = self.new_stored_key(alg.unwrap_or(settings.alg), now, sign_from)?;
        let info = SigningKeyInfo::of(&key, false);
        self.store.add_signing_key(key, false).await?;
        self.refresh_signing_keys().await?;
        Ok(info)
    }

    /// Every stored key, newest (by `sign_from`) last.
    pub async fn signing_key_list(&self) -> Result<Vec<SigningKeyInfo>, SigningKeysError> {
        let mut stored = self.store.signing_keys().await?;
        stored.sort_by(|a, b| rank(a).cmp(&rank(b)));
        let signer = self
            .signing
            .current()
            .signer(self.clock.now())
            .map(|k| k.kid().to_string());
        Ok(stored
            .iter()
            .map(|k| SigningKeyInfo::of(k, signer.as_deref() == Some(k.kid.as_str())))
            .collect())
    }

    /// Re-reads the stored keys: retires (deletes) those older than the signer whose watermark
    /// has passed (never the signer, never a key not signing yet), and replaces the node's set
    /// when the stored keys differ from it.
    pub async fn refresh_signing_keys(&self) -> Result<RefreshReport, SigningKeysError> {
        let now = self.clock.now();
        let mut stored = self.store.signing_keys().await?;
        stored.sort_by(|a, b| rank(a).cmp(&rank(b)));
        let signer = stored
            .iter()
            .rfind(|k| k.sign_from <= now)
            .map(|k| (k.sign_from, k.kid.clone()));
        let mut kept = Vec::with_capacity(stored.len());
        let mut retired = 0;
        for key in stored {
            let older = signer
                .as_ref()
                .is_some_and(|(at, kid)| rank(&key) < (*at, kid.as_str()));
            // Deleted only if its watermark is still the one read: a node that just answered a
            // token it signed raised it, and the key stays.
            if older && key.keep_until.passed(now) && self.store.delete_signing_key(&key.kid, key.keep_until).await? {
                tracing::info!(kid = %key.kid, "retired a JWT signing key: every token it signed has expired");
                retired += 1;
            } else {
                kept.push(key);
            }
        }
        if kept.is_empty() {
            // Only by hand: keep serving with what this node holds rather than with nothing.
            tracing::warn!("the store holds no JWT signing key; this node keeps the keys it has");
            return Ok(RefreshReport {
                retired,
                replaced: false,
            });
        }
        let current = self.signing.current();
        let same = current.entries().len() == kept.len()
            && current
                .entries()
                .iter()
                .zip(&kept)
                .all(|(e, k)| e.key.kid() == k.kid && e.sign_from == k.sign_from);
        if !same {
            let set = self.open_all(&kept).await?;
            self.signing.replace(set);
        }
        self.remember_marks(&kept);
        Ok(RefreshReport {
            retired,
            replaced: !same,
        })
    }

    /// The refresh job of this service.
    pub fn key_refresher(self: &Arc<Self>) -> KeyRefresher {
        KeyRefresher(self.clone())
    }
}

/// The background refresh of the signing keys; [`run_once`](Self::run_once) is one refresh.
pub struct KeyRefresher(Arc<Service>);

impl KeyRefresher {
    pub async fn run_once(&self) -> Result<RefreshReport, SigningKeysError> {
        self.0.refresh_signing_keys().await
    }

    /// Refreshes every `interval` until `shutdown` turns true, the first time at once.
    pub async fn run(self, interval: Duration, shutdown: watch::Receiver<bool>) {
        let this = &self;
        crate::background::every(interval, shutdown, || async move {
            if let Err(e) = this.run_once().await {
                tracing::warn!(error = %e, "cannot refresh the JWT signing keys; will retry");
            }
        })
        .await;
    }
}
