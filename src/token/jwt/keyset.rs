//! The signing keys a node holds now: which one signs, which ones verify, and the JWK Set it serves.
//!
//! A [`KeySet`] is immutable and built once per change (start-up, rotation, a refresh that saw
//! another node's rotation); [`SigningKeys`] swaps whole sets, so the hot paths take one `Arc`
//! and never see a half-updated set.

use super::{jwks, verify, SigningKey, VerifiedClaims, VerifyError, VerifyKey};
use crate::clock::UnixTime;
use bytes::Bytes;
use parking_lot::RwLock;
use std::sync::Arc;

/// One key of the set and the moment it may start signing (published before that, so gateways
/// that cache the JWK Set already hold it when the first token signed with it arrives).
pub struct KeyEntry {
    pub key: SigningKey,
    pub sign_from: UnixTime,
}

/// The keys published and trusted, newest last.
pub struct KeySet {
    entries: Vec<KeyEntry>,
    verify_keys: Vec<VerifyKey>,
    jwks: Bytes,
}

impl KeySet {
    /// Keys in any order; they are kept ordered by `sign_from` (then kid) so "newest" is well defined.
    pub fn new(mut entries: Vec<KeyEntry>) -> Self {
        entries.sort_by(|a, b| (a.sign_from, a.key.kid()).cmp(&(b.sign_from, b.key.kid())));
        let verify_keys = entries.iter().map(|e| e.key.verify_key()).collect();
        let jwks = serde_json::to_vec(&jwks(entries.iter().map(|e| &e.key))).expect("a JWK Set serializes");
        Self {
            entries,
            verify_keys,
            jwks: Bytes::from(jwks),
        }
    }

    /// The key that signs at `now`: the newest whose `sign_from` has come. `None` only when no
    /// key may sign yet (a set holding only keys published for later).
    pub fn signer(&self, now: UnixTime) -> Option<&SigningKey> {
        self.entries.iter().rev().find(|e| e.sign_from <= now).map(|e| &e.key)
    }

    /// Checks a token against every published key (header bytes, then signature, then claims).
    pub fn verify(&self, token: &str) -> Result<(&VerifyKey, VerifiedClaims), VerifyError> {
        verify(&self.verify_keys, token)
    }

    /// `GET /.well-known/jwks.json`'s body, serialized once per set.
    pub fn jwks_json(&self) -> &Bytes {
        &self.jwks
    }

    pub fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }
}

/// The node's current [`KeySet`], replaced whole.
pub struct SigningKeys(RwLock<Arc<KeySet>>);

impl SigningKeys {
    pub fn new(set: KeySet) -> Self {
        Self(RwLock::new(Arc::new(set)))
    }

    /// The set in force now (an `Arc` clone under a short read lock).
    pub fn current(&self) -> Arc<KeySet> {
        self.0.read().clone()
    }

    pub fn replace(&self, set: KeySet) {
        *self.0.write() = Arc::new(set);
    }
}
