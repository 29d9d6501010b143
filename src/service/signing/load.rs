//! Start-up: the stored signing keys opened with the token keyring, or on a fleet's first start
//! one key generated and stored; the node's key set built from them.

use super::super::Service;
use super::wraps;
use crate::store::{KeepUntil, StoreError, StoredSigningKey};
use crate::token::jwt::{wrap, KeyEntry, KeyError, KeySet, SigningAlg, SigningKey};

/// Why the signing keys could not be loaded; each names the setting to fix. No key material.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeysError {
    #[error("JWT signing keys: {0}")]
    Store(#[from] StoreError),
    #[error(
        "JWT signing key {kid} in the store does not open under token_key (TESSERA_TOKEN_KEY, or the key file \
         beside a sqlite store) nor any of token_previous_keys (TESSERA_TOKEN_PREVIOUS_KEYS): configure the token \
         key it was stored under, at least as a previous key"
    )]
    Locked { kid: String },
    #[error("JWT signing key {kid} ({alg}): {source}")]
    Key {
        kid: String,
        alg: SigningAlg,
        source: KeyError,
    },
}

impl Service {
    /// Loads the stored signing keys into the node's set (start-up, before listening). On a
    /// fleet's first start one key of `jwt_signing_alg` is generated, signing at once (no token
    /// can have been signed before it); nodes racing for that end with the one key the store
    /// took. Keys that open only under a previous token key are re-wrapped under the current one.
    pub async fn load_signing_keys(&self) -> Result<(), SigningKeysError> {
        let mut stored = self.store.signing_keys().await?;
        if stored.is_empty() {
            let now = self.clock.now();
            let first = self.new_stored_key(self.keeper.settings.alg, now, now)?;
            self.store.add_signing_key(first, true).await?;
            // Ours or the node's that won: read what the store holds.
            stored = self.store.signing_keys().await?;
        }
        let set = self.open_all(&stored).await?;
        self.signing.replace(set);
        self.remember_marks(&stored);
        self.keeper.loaded.store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// A fresh key of `alg`, wrapped under the current token key, as the store keeps it.
    pub(super) fn new_stored_key(
        &self,
        alg: SigningAlg,
        now: i64,
        sign_from: i64,
    ) -> Result<StoredSigningKey, SigningKeysError> {
        let failed = |kid: &str, source| SigningKeysError::Key {
            kid: kid.to_string(),
            alg,
            source,
        };
        let key = SigningKey::generate(alg).map_err(|e| failed("(new)", e))?;
        let wrapped = wrap(&key, self.keys.current_raw()).map_err(|e| failed(key.kid(), e))?;
        let wrapped = wraps::join([&wrapped[..]]);
        Ok(StoredSigningKey {
            kid: key.kid().to_string(),
            alg,
            wrapped,
            created_at: now,
            sign_from,
            keep_until: KeepUntil::Nothing,
        })
    }

    /// The set of `stored`, adding a wrap under the current token key to those without one, so
    /// that the previous token key can be dropped later without losing them.
    pub(super) async fn open_all(&self, stored: &[StoredSigningKey]) -> Result<KeySet, SigningKeysError> {
        let mut entries = Vec::with_capacity(stored.len());
        for row in stored {
            let opened = wraps::open(row, &self.keys, false)?;
            if let Some(blob) = opened.rewrapped {
                self.store.rewrap_signing_key(&row.kid, blob).await?;
                tracing::info!(kid = %row.kid, "wrapped a JWT signing key under the current token key too");
            }
            entries.push(KeyEntry {
                key: opened.key,
                sign_from: row.sign_from,
            });
        }
        Ok(KeySet::new(entries))
    }

    pub(super) fn remember_marks(&self, stored: &[StoredSigningKey]) {
        for row in stored {
            self.keeper.raised(&row.kid, row.keep_until);
        }
        self.keeper
            .retain(&stored.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>());
    }
}
