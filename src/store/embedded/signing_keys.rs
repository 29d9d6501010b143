//! The embedded store's signing keys: in the state, journaled like every other row.

use super::EmbeddedStore;
use crate::store::{KeepUntil, SigningKeyStore, StoreResult, StoredSigningKey};
use async_trait::async_trait;

#[async_trait]
impl SigningKeyStore for EmbeddedStore {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>> {
        Ok(self.state.read().signing_keys())
    }
    async fn add_signing_key(&self, key: StoredSigningKey, first: bool) -> StoreResult<bool> {
        let mut added = false;
        self.apply_fallible(|s| {
            let (done, changes) = s.add_signing_key(key, first)?;
            added = done;
            Ok(changes)
        })
        .await?;
        Ok(added)
    }
    async fn keep_signing_key(&self, kid: &str, until: KeepUntil) -> StoreResult<bool> {
        self.apply(|s| s.keep_signing_key(kid, until)).await
    }
    async fn rewrap_signing_key(&self, kid: &str, wrapped: Vec<u8>) -> StoreResult<bool> {
        self.apply(|s| s.rewrap_signing_key(kid, wrapped)).await
    }
    async fn delete_signing_key(&self, kid: &str, seen: KeepUntil) -> StoreResult<bool> {
        self.apply(|s| s.delete_signing_key(kid, seen)).await
    }
}
