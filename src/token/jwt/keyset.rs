//! The signing keys a node holds now: which one signs, which ones verify, and the JWK Set it serves.
//!
//! A [`KeySet`] is immutable and built once per change (start-up, rotation, a refresh that saw
//! another node's rotation); [`SigningKeys`] swaps whole sets, so the hot paths take one `Arc`
//! and never see a half-updated set.
//!
//! Each set remembers the tokens it has verified (by their whole text) with their `jti`: a
//! resource server introspects the same token on every call, and a signature check (ES256
//! ~50 µs) costs far more than the rest of an introspection. A new set starts empty, so a
//! retired key's tokens never hit.

use super::{jwks, verify, SigningKey, VerifiedClaims, VerifyError, VerifyKey};
use crate::clock::UnixTime;
use crate::model::TokenId;
use bytes::Bytes;
use parking_lot::RwLock;
use std::sync::Arc;

/// One key of the set and the moment it may start signing (published before that, so gateways
/// that cache the JWK Set already hold it when the first token signed with it arrives).
pub struct KeyEntry {
    pub key: SigningKey,
    pub sign_from: UnixTime,
}

/// Bytes of token text (plus the `jti`) the verified-token memory of one set holds at most:
/// some 50 000 ES256 tokens.
const VERIFIED_CAPACITY: u64 = 32 << 20;

/// A remembered token's share of [`VERIFIED_CAPACITY`]: its text, its id, and the cache's own
/// bookkeeping.
fn weight(token: &str) -> u32 {
    (token.len() + 16 + 64) as u32
}

/// The keys published and trusted, newest last.
pub struct KeySet {
    entries: Vec<KeyEntry>,
    verify_keys: Vec<VerifyKey>,
    jwks: Bytes,
    /// Token text → `jti`, for tokens that verified under this set (only those: an unverified
    /// text is never inserted, and a hit compares the whole text).
    verified: moka::sync::Cache<String, TokenId>,
}

impl KeySet {
    /// Keys in any order; they are kept ordered by `sign_from` (then kid) so "newest" is well defined.
    pub fn new(mut entries: Vec<KeyEntry>) -> Self {
        entries.sort_by(|a, b| (a.sign_from, a.key.kid()).cmp(&(b.sign_from, b.key.kid())));
        let verify_keys = entries.iter().map(|e| e.key.verify_key()).collect();
        let jwks = serde_json::to_vec(&jwks(entries.iter().map(|e| &e.key))).expect("a JWK Set serializes");
        let verified = moka::sync::Cache::builder()
            .weigher(|token: &String, _: &TokenId| weight(token))
            .max_capacity(VERIFIED_CAPACITY)
            .build();
        Self {
            entries,
            verify_keys,
            jwks: Bytes::from(jwks),
            verified,
        }
    }

    /// The key that signs at `now`: the newest whose `sign_from` has come. `None` only when no
    /// key may sign yet (a set holding only keys published for later).
    pub fn signer(&self, now: UnixTime) -> Option<&SigningKey> {
        self.signer_index(now).map(|i| &self.entries[i].key)
    }

    /// [`KeySet::signer`]'s place in [`KeySet::entries`].
    pub fn signer_index(&self, now: UnixTime) -> Option<usize> {
        self.entries.iter().rposition(|e| e.sign_from <= now)
    }

    /// Checks a token against every published key (header bytes, then signature, then claims).
    pub fn verify(&self, token: &str) -> Result<(&VerifyKey, VerifiedClaims), VerifyError> {
        verify(&self.verify_keys, token)
    }

    /// The token id (`jti`) of a token that verifies under this set: remembered from an earlier
    /// check of the same text, else checked ([`KeySet::verify`]) and remembered. `None` also for
    /// a signed token whose `jti` is not a token id.
    pub fn verified_id(&self, token: &str) -> Option<TokenId> {
        if let Some(id) = self.verified.get(token) {
            return Some(id);
        }
        let (_, claims) = self.verify(token).ok()?;
        let id = TokenId::from_text(&claims.jti)?;
        self.verified.insert(token.to_owned(), id);
        Some(id)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::jwt::tests::claims;
    use crate::token::jwt::SigningAlg;

    fn set(keys: Vec<SigningKey>) -> KeySet {
        KeySet::new(keys.into_iter().map(|key| KeyEntry { key, sign_from: 0 }).collect())
    }

    #[test]
    fn a_verified_token_is_remembered_by_its_whole_text_and_only_under_its_set() {
        let key = SigningKey::generate(SigningAlg::Es256).unwrap();
        let token = key.sign(&claims(None));
        let other = SigningKey::generate(SigningAlg::Es256).unwrap();
        let keys = set(vec![key]);
        let id = TokenId::from_text("AAAAAAAAAAAAAAAAAAAAAA");
        assert!(id.is_some());
        assert_eq!(keys.verified_id(&token), id);
        assert_eq!(keys.verified_id(&token), id, "remembered");
        assert!(keys.verified.contains_key(token.as_str()));

        // The cached signature with another payload is checked, and refused, like any forgery.
        let (head, signature) = token.rsplit_once('.').unwrap();
        let (header, _) = head.split_once('.').unwrap();
        let forged_payload = B64.encode(br#"{"jti":"someone-else","iat":1,"client_id":"c","sub":"s"}"#);
        assert_eq!(
            keys.verified_id(&format!("{header}.{forged_payload}.{signature}")),
            None
        );
        assert_eq!(keys.verified_id(&format!("{token}x")), None);

        // A set without the key (retired) does not know the token, whatever an older set knew.
        let rotated = set(vec![other]);
        assert_eq!(rotated.verified_id(&token), None);
    }

    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
}
