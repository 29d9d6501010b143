//! JWT access-token signing keys as the service uses them (issue 18).
//!
//! INTERFACE SKELETON shared by the two issue-18 branches (keys / tokens). The keys branch
//! replaces `ephemeral_keys` at start-up with the keys loaded from (or first generated into) the
//! store, and implements `keep_key_until`; the tokens branch calls both.

use super::Service;
use crate::clock::UnixTime;
use crate::store::StoreResult;
use crate::token::jwt::{KeyEntry, KeySet, SigningAlg, SigningKey, SigningKeys};

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
    /// makes sure the key stays published and trusted until then, on every node.
    #[allow(dead_code)] // called by issuance once JWTs are issued (the tokens branch)
    pub(crate) async fn keep_key_until(&self, kid: &str, exp: Option<UnixTime>) -> StoreResult<()> {
        let _ = (kid, exp);
        Ok(())
    }
}
