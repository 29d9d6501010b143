//! Token ids: public, unique, ascending in issue order, with a URL-safe text form.

use std::fmt;

/// The public, non-secret identifier of a token: 128 bits, a counter in issue order and 64 random
/// bits (see [`TokenId::generate`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(pub [u8; 16]);

/// The high half of the next id: wall-clock seconds at start-up shifted up, then counted up. A
/// restart begins above everything issued before unless a run averaged 2^24 ids a second.
static NEXT_ID_PREFIX: std::sync::LazyLock<std::sync::atomic::AtomicU64> = std::sync::LazyLock::new(|| {
    use crate::clock::Clock;
    let seconds = crate::clock::SystemClock.now().max(0) as u64;
    std::sync::atomic::AtomicU64::new(seconds << 24)
});

impl TokenId {
    /// A new id: a per-process counter seeded from the wall clock (8 bytes, big-endian) and 64
    /// random bits. Unique (the counter within a node, the random half across nodes) and
    /// ascending in issue order, so the B-trees that store ids (SQLite, PostgreSQL, MySQL) append
    /// to their last page instead of dirtying a random page per token. The id is not a secret:
    /// a token's value also carries a MAC under the server key.
    pub fn generate() -> Self {
        use rand::RngCore;
        let prefix = NEXT_ID_PREFIX.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&prefix.to_be_bytes());
        // ThreadRng is a CSPRNG seeded from the OS: no system call per token on the hot path.
        rand::thread_rng().fill_bytes(&mut bytes[8..]);
        TokenId(bytes)
    }

    /// URL-safe text form used by the admin API.
    pub fn to_text(self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn from_text(text: &str) -> Option<Self> {
        use base64::Engine;
        if text.len() != 22 {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(TokenId(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({})", self.to_text())
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_ascend_and_differ() {
        let ids: Vec<TokenId> = (0..1000).map(|_| TokenId::generate()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "issue order is id order");
    }

    #[test]
    fn token_id_text_round_trips_and_rejects_garbage() {
        let id = TokenId::generate();
        assert_eq!(TokenId::from_text(&id.to_text()), Some(id));
        assert_eq!(TokenId::from_text("short"), None);
        assert_eq!(TokenId::from_text("!!!!!!!!!!!!!!!!!!!!!!"), None);
    }
}
