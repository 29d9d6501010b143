//! The node's signing settings and the watermarks it knows are stored, per kid, for the
//! lock-free check on every JWT answered.

use crate::store::KeepUntil;
use crate::token::jwt::SigningAlg;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

/// `jwt_signing_alg` and `jwt_key_publish_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningSettings {
    /// The alg of keys this server generates (first start, rotation).
    pub alg: SigningAlg,
    /// Seconds between adding a key (published at once) and its first signature.
    pub publish_delay: i64,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            alg: SigningAlg::Es256,
            publish_delay: 600,
        }
    }
}

#[derive(Default)]
pub struct Keeper {
    pub settings: SigningSettings,
    /// The node's keys came from the store (start-up loaded them); before that it holds the
    /// ephemeral key alone, which nothing stores or needs to keep.
    pub loaded: AtomicBool,
    /// Per kid, the watermark the store holds at least (`KeepUntil::to_column`).
    marks: RwLock<HashMap<String, Arc<AtomicI64>>>,
}

impl Keeper {
    pub fn new(settings: SigningSettings) -> Self {
        Self {
            settings,
            loaded: AtomicBool::new(false),
            marks: RwLock::default(),
        }
    }

    /// Whether the stored watermark of `kid` is known to be at least `needed` (no allocation).
    pub fn covers(&self, kid: &str, needed: KeepUntil) -> bool {
        let needed = needed.to_column();
        self.marks
            .read()
            .get(kid)
            .is_some_and(|mark| mark.load(Ordering::Acquire) >= needed)
    }

    /// The store holds at least `until` for `kid` now.
    pub fn raised(&self, kid: &str, until: KeepUntil) {
        if let Some(mark) = self.marks.read().get(kid) {
            mark.fetch_max(until.to_column(), Ordering::AcqRel);
            return;
        }
        let mut marks = self.marks.write();
        let mark = marks
            .entry(kid.to_string())
            .or_insert_with(|| Arc::new(AtomicI64::new(i64::MIN)));
        mark.fetch_max(until.to_column(), Ordering::AcqRel);
    }

    /// Forgets the kids no longer stored.
    pub fn retain(&self, stored: &[&str]) {
        self.marks.write().retain(|kid, _| stored.contains(&kid.as_str()));
    }
}
