//! JWT access-token signing keys as the service uses them (issue 18).
//!
//! The keys live in the store, each private key wrapped under the token key; start-up loads
//! them (or, on a fleet's first start, generates the first one) before the server listens, a
//! refresh job picks up other nodes' rotations and retires keys, and `keep_key_until` records
//! before each JWT is answered how long its key must stay published.

mod keeper;
mod load;
mod rotate;
#[cfg(test)]
mod tests;
mod wraps;
#[cfg(test)]
mod wraps_tests;

use super::Service;
use crate::clock::UnixTime;
use crate::store::{KeepUntil, StoreError, StoreResult};
use crate::token::jwt::{KeyEntry, KeySet, SigningAlg, SigningKey, SigningKeys};

pub(super) use keeper::Keeper;
pub use keeper::SigningSettings;
pub use load::SigningKeysError;
pub use rotate::{KeyRefresher, RefreshReport, SigningKeyInfo};
pub use wraps::rewrap;

/// How far past the expiry asked for a watermark is written: one store write per key per this
/// many seconds of issuance per node, not one per token.
const WATERMARK_STEP: i64 = 3600;

/// Seconds between refreshes of a node's keys from the store (another node's rotation shows
/// up within this).
pub const KEY_REFRESH_INTERVAL: i64 = 60;

/// `max-age` of `/.well-known/jwks.json`: a gateway holds a JWK Set at most this long, so it
/// fetches a new key before it signs as long as the publish delay is at least
/// `KEY_REFRESH_INTERVAL + JWKS_MAX_AGE` (the config refuses less).
pub const JWKS_MAX_AGE: i64 = 300;

/// `Cache-Control` of the JWK Set: `max-age` is [`JWKS_MAX_AGE`], below the publish delay, so a
/// gateway that cached the set just before a rotation fetches it again, new key included,
/// before that key signs its first token (a unit test holds the two equal).
pub const JWKS_CACHE_CONTROL: &str = "public, max-age=300";

/// A single fresh ES256 key, signing at once: what a `Service` holds until start-up loads the
/// stored keys.
pub(super) fn ephemeral_keys() -> SigningKeys {
    let key = SigningKey::generate(SigningAlg::Es256).expect("the system RNG generates a P-256 key");
    SigningKeys::new(KeySet::new(vec![KeyEntry { key, sign_from: 0 }]))
}

impl Service {
    /// The node's signing keys: `current()` gives the set to sign and verify with.
    pub fn signing_keys(&self) -> &SigningKeys {
        &self.signing
    }

    /// Awaited before a JWT signed by `kid` that expires at `exp` (`None`: never) is answered:
    /// makes sure the key stays published and trusted until then, on every node. One atomic
    /// load and compare while the watermark already covers `exp`; a store write otherwise,
    /// `WATERMARK_STEP` ahead. `Missing("signing key")` when the key was retired meanwhile.
    pub(crate) async fn keep_key_until(&self, kid: &str, exp: Option<UnixTime>) -> StoreResult<()> {
        let needed = exp.map_or(KeepUntil::Forever, KeepUntil::Until);
        // Before start-up loads the stored keys (a `Service` of the unit tests) the ephemeral key
        // signs: it is in no store, and lives as long as the process.
        if self.keeper.covers(kid, needed) || !self.keeper.loaded.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(());
        }
        let target = exp.map_or(KeepUntil::Forever, |t| {
            KeepUntil::Until(t.saturating_add(WATERMARK_STEP))
        });
        if !self.store.keep_signing_key(kid, target).await? {
            return Err(StoreError::Missing("signing key"));
        }
        self.keeper.raised(kid, target);
        Ok(())
    }
}
