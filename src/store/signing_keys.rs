//! Signing keys as stored: each private key wrapped under the token key, when it may sign, and
//! how long it must stay published (the watermark). The rules (which key signs, when one
//! retires) are the service's; the store keeps the rows and makes each change atomic.

use crate::clock::UnixTime;
use crate::token::jwt::SigningAlg;
use async_trait::async_trait;
use std::fmt;

use super::StoreResult;

/// How long a key must stay published and trusted: the latest expiry of any token it signed.
/// Ordered `Nothing < Until(_) < Forever`, so raising is taking the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeepUntil {
    /// No token signed by it was answered yet.
    Nothing,
    Until(UnixTime),
    /// It signed a never-expiring token: kept until an operator deletes it.
    Forever,
}

impl KeepUntil {
    /// One BIGINT column on every backend: `i64::MIN` nothing, `i64::MAX` forever.
    pub fn to_column(self) -> i64 {
        match self {
            KeepUntil::Nothing => i64::MIN,
            KeepUntil::Until(t) => t.clamp(i64::MIN + 1, i64::MAX - 1),
            KeepUntil::Forever => i64::MAX,
        }
    }

    pub fn from_column(value: i64) -> Self {
        match value {
            i64::MIN => KeepUntil::Nothing,
            i64::MAX => KeepUntil::Forever,
            t => KeepUntil::Until(t),
        }
    }

    /// Whether every token the key signed has expired at `now`.
    pub fn passed(self, now: UnixTime) -> bool {
        match self {
            KeepUntil::Nothing => true,
            KeepUntil::Until(t) => t < now,
            KeepUntil::Forever => false,
        }
    }
}

/// One stored signing key. `wrapped` is the private key encrypted by `token::jwt::wrap`; the
/// store never sees it in the clear.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub wrapped: Vec<u8>,
    pub created_at: UnixTime,
    /// When it may start signing (published from `created_at` on).
    pub sign_from: UnixTime,
    pub keep_until: KeepUntil,
}

impl fmt::Debug for StoredSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("created_at", &self.created_at)
            .field("sign_from", &self.sign_from)
            .field("keep_until", &self.keep_until)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait SigningKeyStore: Send + Sync {
    /// Every stored key, in kid order.
    async fn signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>>;
    /// Adds a key; `Conflict("signing key")` when its kid exists. With `first`, only while the
    /// store holds no key at all (a fleet's first start): `Ok(false)` when it holds one, also when
    /// another node's first key won a race for it.
    async fn add_signing_key(&self, key: StoredSigningKey, first: bool) -> StoreResult<bool>;
    /// Raises the key's watermark to `until` unless it is that high already (never lowers it);
    /// `Ok(false)` when there is no such key.
    async fn keep_signing_key(&self, kid: &str, until: KeepUntil) -> StoreResult<bool>;
    /// Replaces the wrapped private key (re-wrapped under a new token key); `Ok(false)` when there
    /// is no such key.
    async fn rewrap_signing_key(&self, kid: &str, wrapped: Vec<u8>) -> StoreResult<bool>;
    /// Retires a key whose watermark is still `seen` (as read): one raised meanwhile (another
    /// node just answered a JWT it signed) keeps the key. `Ok(false)` when there was no such key
    /// or its watermark moved.
    async fn delete_signing_key(&self, kid: &str, seen: KeepUntil) -> StoreResult<bool>;
}
