//! How many of a client's active access tokens expire at each second: enough for the active-token
//! limit, `Retry-After` and the metrics, in one map entry per distinct expiry instead of one set
//! entry per token (tokens issued in the same second share an entry).

use crate::clock::UnixTime;
use std::collections::BTreeMap;

pub struct ExpiryCounts {
    by_expiry: BTreeMap<UnixTime, u64>,
    total: u64,
    /// Every expiry up to this one has been dropped: tokens expiring then are no longer counted.
    dropped_through: UnixTime,
}

impl Default for ExpiryCounts {
    fn default() -> Self {
        ExpiryCounts {
            by_expiry: BTreeMap::new(),
            total: 0,
            dropped_through: UnixTime::MIN,
        }
    }
}

impl ExpiryCounts {
    /// Counts a token expiring at `expiry`; one that expired before the last drop is not
    /// counted, as it would have been dropped then. Returns whether it is counted.
    pub fn add(&mut self, expiry: UnixTime) -> bool {
        if expiry <= self.dropped_through {
            return false;
        }
        *self.by_expiry.entry(expiry).or_default() += 1;
        self.total += 1;
        true
    }

    /// Stops counting a token expiring at `expiry`; returns whether it was counted.
    pub fn remove(&mut self, expiry: UnixTime) -> bool {
        if expiry <= self.dropped_through {
            return false;
        }
        let Some(n) = self.by_expiry.get_mut(&expiry) else {
            debug_assert!(false, "removing a token that was never counted");
            return false;
        };
        *n -= 1;
        if *n == 0 {
            self.by_expiry.remove(&expiry);
        }
        self.total -= 1;
        true
    }

    /// Drops the tokens expired at `now`; returns how many.
    pub fn drop_expired(&mut self, now: UnixTime) -> u64 {
        let mut dropped = 0;
        while let Some(entry) = self.by_expiry.first_entry() {
            if *entry.key() > now {
                break;
            }
            dropped += entry.remove();
        }
        self.total -= dropped;
        self.dropped_through = self.dropped_through.max(now);
        dropped
    }

    /// Counted tokens, including any expired since the last drop.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Counted tokens still unexpired at `now`.
    pub fn live(&self, now: UnixTime) -> u64 {
        let expired: u64 = self.by_expiry.range(..=now).map(|(_, n)| n).sum();
        self.total - expired
    }

    /// The earliest expiry counted.
    pub fn earliest(&self) -> Option<UnixTime> {
        self.by_expiry.keys().next().copied()
    }

    /// Whether a token expiring at `expiry` would be counted.
    pub fn counts(&self, expiry: UnixTime) -> bool {
        expiry > self.dropped_through
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_live_tokens_and_the_earliest_expiry() {
        let mut c = ExpiryCounts::default();
        for exp in [10, 10, 20, 30, UnixTime::MAX] {
            assert!(c.add(exp));
        }
        assert_eq!((c.total(), c.live(0), c.live(10), c.live(29)), (5, 5, 3, 2));
        assert_eq!(c.earliest(), Some(10));
        assert!(c.remove(10));
        assert_eq!(c.live(0), 4);
        assert_eq!(c.drop_expired(20), 2);
        assert_eq!((c.total(), c.earliest()), (2, Some(30)));
    }

    #[test]
    fn tokens_expired_before_a_drop_are_not_counted() {
        let mut c = ExpiryCounts::default();
        c.add(10);
        c.drop_expired(15);
        assert!(!c.counts(12) && c.counts(16));
        assert!(!c.add(12), "already expired at the last drop");
        assert!(!c.remove(10), "dropped already");
        assert_eq!(c.total(), 0);
        c.drop_expired(5);
        assert!(!c.add(14), "a drop never moves back");
        assert!(c.add(16));
        assert_eq!((c.total(), c.live(15), c.live(16)), (1, 1, 0));
    }
}
