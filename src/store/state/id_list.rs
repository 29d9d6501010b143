//! A sorted list of token ids that only grows at the end in the common case and forgets lazily:
//! 16 bytes an id, where a `HashSet` takes about 29 and a `BTreeSet` of (expiry, id) about 48.
//!
//! Ids ascend in issue order (`TokenId::generate`), so inserting is an append, or a short move
//! near the end when two requests raced to the lock. Removing from the middle would move
//! megabytes, so the owner instead notes that an id went stale and calls `compact` when half the
//! list is stale; readers skip stale ids by checking the token itself.

use crate::model::TokenId;

#[derive(Default)]
pub struct IdList {
    ids: Vec<TokenId>,
    /// How many listed ids the owner reported stale since the last compaction.
    stale: usize,
}

impl IdList {
    /// Lists `id`; returns `false` if it was already listed (e.g. a stale id that is live again).
    pub fn insert(&mut self, id: TokenId) -> bool {
        match self.ids.last() {
            None => self.ids.push(id),
            Some(last) if *last < id => self.ids.push(id),
            _ => match self.ids.binary_search(&id) {
                Ok(_) => return false,
                Err(at) => self.ids.insert(at, id),
            },
        }
        true
    }

    /// Notes that `n` listed ids no longer belong (or, negative, that stale ones came back).
    pub fn add_stale(&mut self, n: isize) {
        self.stale = self.stale.saturating_add_signed(n);
    }

    /// Whether enough ids went stale that a compaction pays for itself.
    pub fn wants_compaction(&self) -> bool {
        self.stale > 0 && self.stale * 2 >= self.ids.len()
    }

    /// Keeps the ids for which `live` holds, and releases the room the others took.
    pub fn compact(&mut self, live: impl FnMut(&TokenId) -> bool) {
        self.ids.retain(live);
        self.ids.shrink_to(self.ids.len() * 9 / 8);
        self.stale = 0;
    }

    /// The listed ids, ascending; stale ones included.
    pub fn ids(&self) -> &[TokenId] {
        &self.ids
    }

    /// The listed ids above `after` (all of them for `None`), ascending.
    pub fn after(&self, after: Option<TokenId>) -> &[TokenId] {
        match after {
            None => &self.ids,
            Some(after) => &self.ids[self.ids.partition_point(|id| *id <= after)..],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> TokenId {
        TokenId([n; 16])
    }

    #[test]
    fn keeps_ids_sorted_and_unique_whatever_the_insert_order() {
        let mut list = IdList::default();
        for n in [1, 2, 5, 4, 9, 3, 0] {
            assert!(list.insert(id(n)));
        }
        assert!(!list.insert(id(4)) && !list.insert(id(9)));
        let want: Vec<TokenId> = [0, 1, 2, 3, 4, 5, 9].map(id).to_vec();
        assert_eq!(list.ids(), want.as_slice());
        assert_eq!(list.after(Some(id(4))), &want[5..]);
        assert_eq!(list.after(Some(id(6))), &want[6..]);
        assert_eq!(list.after(None).len(), 7);
        assert!(list.after(Some(id(9))).is_empty());
    }

    #[test]
    fn compacts_once_half_is_stale() {
        let mut list = IdList::default();
        for n in 0..10 {
            list.insert(id(n));
        }
        list.add_stale(4);
        assert!(!list.wants_compaction());
        list.add_stale(2);
        list.add_stale(-1);
        assert!(list.wants_compaction());
        list.compact(|i| i.0[0] % 2 == 0);
        assert!(!list.wants_compaction());
        assert_eq!(list.ids(), [0, 2, 4, 6, 8].map(id).as_slice());
        list.compact(|_| false);
        assert!(list.ids().is_empty());
    }
}
