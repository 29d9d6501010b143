//! A sorted list of token ids that only grows at the end in the common case and forgets lazily:
//! 16 bytes an id, where a `HashSet` takes about 29 and a `BTreeSet` of (expiry, id) about 48.
//!
//! Ids ascend in issue order (`TokenId::generate`), so inserting is an append, or a short move
//! near the end when two requests raced to the lock. Removing from the middle would move
//! megabytes, so the owner instead notes that an id went stale, and once half the list is stale
//! each later call to `sweep` cleans one chunk; readers skip stale ids by checking the token.
//!
//! The ids live in chunks of at most [`CHUNK`], so the list never reallocates as a whole: one
//! vector of a million ids doubling stalled issuance for 80 ms (copying 16 MiB into pages touched
//! for the first time), and sweeping it in one go took seconds at ten million.

use crate::model::TokenId;

/// Ids per chunk: 16 KiB.
const CHUNK: usize = 1024;

#[derive(Default)]
pub struct IdList {
    /// Each chunk sorted and non-empty, and every id of a chunk below every id of the next.
    chunks: Vec<Vec<TokenId>>,
    len: usize,
    /// How many listed ids the owner reported stale and no sweep has removed yet.
    stale: usize,
    /// The next chunk a sweep cleans, while one is under way.
    sweeping: Option<usize>,
}

impl IdList {
    /// Lists `id`; returns `false` if it was already listed (e.g. a stale id that is live again).
    pub fn insert(&mut self, id: TokenId) -> bool {
        match self.chunks.last_mut() {
            Some(last) if last.last().is_some_and(|l| *l < id) => {
                if last.len() < CHUNK {
                    last.push(id);
                } else {
                    self.chunks.push(vec![id]);
                }
            }
            None => self.chunks.push(vec![id]),
            Some(_) => {
                // The first chunk whose last id is not below `id` holds it, or will.
                let at = self.chunks.partition_point(|c| c.last().is_some_and(|l| *l < id));
                let chunk = &mut self.chunks[at];
                match chunk.binary_search(&id) {
                    Ok(_) => return false,
                    Err(pos) => chunk.insert(pos, id),
                }
                if chunk.len() > CHUNK {
                    let upper = chunk.split_off(chunk.len() / 2);
                    self.chunks.insert(at + 1, upper);
                }
            }
        }
        self.len += 1;
        true
    }

    /// Notes that `n` listed ids no longer belong (or, negative, that stale ones came back).
    pub fn add_stale(&mut self, n: isize) {
        self.stale = self.stale.saturating_add_signed(n);
    }

    /// Cleans one chunk of the ids for which `live` fails, once half the list is stale (and then
    /// on each call until the sweep has been through every chunk). Call it where ids are added,
    /// so cleaning keeps pace with growth a chunk at a time.
    pub fn sweep(&mut self, mut live: impl FnMut(&TokenId) -> bool) {
        let at = match self.sweeping {
            Some(at) => at,
            None if self.stale > 0 && self.stale * 2 >= self.len => 0,
            None => return,
        };
        let Some(chunk) = self.chunks.get_mut(at) else {
            self.sweeping = None;
            // A full pass removed every stale id it could: what it counted beyond the list is
            // an over-count, which would otherwise keep sweeping on every call.
            self.stale = self.stale.min(self.len);
            return;
        };
        let before = chunk.len();
        chunk.retain(|id| live(id));
        let removed = before - chunk.len();
        self.len -= removed;
        self.stale = self.stale.saturating_sub(removed);
        // Keep chunks from thinning out: fold this one into its predecessor when both fit.
        let next = if chunk.is_empty() {
            self.chunks.remove(at);
            at
        } else if at > 0 && self.chunks[at - 1].len() + self.chunks[at].len() <= CHUNK {
            let folded = self.chunks.remove(at);
            let previous = &mut self.chunks[at - 1];
            previous.extend(folded);
            previous.shrink_to_fit();
            at
        } else {
            self.chunks[at].shrink_to_fit();
            at + 1
        };
        self.sweeping = (next < self.chunks.len()).then_some(next);
        if self.sweeping.is_none() {
            self.stale = self.stale.min(self.len);
        }
    }

    /// Sweeps the whole list at once, for tests that want it clean.
    #[cfg(test)]
    pub fn sweep_all(&mut self, mut live: impl FnMut(&TokenId) -> bool) {
        self.stale = self.stale.max(self.len);
        self.sweep(&mut live);
        while self.sweeping.is_some() {
            self.sweep(&mut live);
        }
        self.stale = 0;
    }

    /// How many ids are listed, stale ones included.
    #[cfg(test)]
    pub fn listed(&self) -> usize {
        self.len
    }

    /// The listed ids, ascending; stale ones included.
    pub fn ids(&self) -> impl Iterator<Item = &TokenId> + '_ {
        self.chunks.iter().flatten()
    }

    /// The listed ids above `after` (all of them for `None`), ascending.
    pub fn after(&self, after: Option<TokenId>) -> impl Iterator<Item = &TokenId> + '_ {
        let (first_chunk, skip) = match after {
            None => (0, 0),
            Some(after) => {
                let at = self.chunks.partition_point(|c| c.last().is_some_and(|l| *l <= after));
                let skip = self.chunks.get(at).map_or(0, |c| c.partition_point(|id| *id <= after));
                (at, skip)
            }
        };
        self.chunks[first_chunk.min(self.chunks.len())..]
            .iter()
            .flatten()
            .skip(skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u32) -> TokenId {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&n.to_be_bytes());
        TokenId(bytes)
    }

    fn listed(list: &IdList) -> Vec<TokenId> {
        list.ids().copied().collect()
    }

    #[test]
    fn keeps_ids_sorted_and_unique_whatever_the_insert_order() {
        let mut list = IdList::default();
        for n in [1, 2, 5, 4, 9, 3, 0] {
            assert!(list.insert(id(n)));
        }
        assert!(!list.insert(id(4)) && !list.insert(id(9)));
        let want: Vec<TokenId> = [0, 1, 2, 3, 4, 5, 9].map(id).to_vec();
        assert_eq!(listed(&list), want);
        assert_eq!(list.after(Some(id(4))).copied().collect::<Vec<_>>(), &want[5..]);
        assert_eq!(list.after(Some(id(6))).copied().collect::<Vec<_>>(), &want[6..]);
        assert_eq!(list.after(None).count(), 7);
        assert_eq!(list.after(Some(id(9))).count(), 0);
        assert_eq!(list.len, 7);
    }

    #[test]
    fn many_ids_span_chunks_in_order_even_when_inserted_out_of_order() {
        let mut list = IdList::default();
        // Ascending in the main, with every tenth id arriving late.
        let late: Vec<u32> = (0..5000).filter(|n| n % 10 == 3).collect();
        for n in (0..5000).filter(|n| n % 10 != 3) {
            assert!(list.insert(id(n)));
        }
        for &n in late.iter().rev() {
            assert!(list.insert(id(n)));
        }
        assert!(!list.insert(id(4243)));
        assert!(list.chunks.len() > 4 && list.chunks.iter().all(|c| !c.is_empty() && c.len() <= CHUNK));
        assert_eq!(listed(&list), (0..5000).map(id).collect::<Vec<_>>());
        assert_eq!(list.len, 5000);
        for after in [0, 1023, 1024, 2047, 3333, 4998, 4999, 7000] {
            let want: Vec<TokenId> = (after + 1..5000).map(id).collect();
            assert_eq!(
                list.after(Some(id(after))).copied().collect::<Vec<_>>(),
                want,
                "after {after}"
            );
        }
    }

    #[test]
    fn sweeps_a_chunk_a_call_once_half_is_stale() {
        let mut list = IdList::default();
        for n in 0..4096 {
            list.insert(id(n));
        }
        let live = |i: &TokenId| i.0[3].is_multiple_of(4) && i.0[2] >= 8;
        list.add_stale(2000);
        list.sweep(live);
        assert_eq!(list.len, 4096, "under half stale: nothing swept");
        list.add_stale(1000);
        list.sweep(live);
        let after_one = list.len;
        assert!(
            (4096 - CHUNK..4096).contains(&after_one),
            "one chunk cleaned: {after_one}"
        );
        for _ in 0..10 {
            list.sweep(live);
        }
        let want: Vec<TokenId> = (0..4096).map(id).filter(|i| live(i)).collect();
        assert_eq!(listed(&list), want);
        assert_eq!(list.len, want.len());
        assert_eq!(list.stale, 0);
        assert!(list.chunks.iter().all(|c| !c.is_empty() && c.len() <= CHUNK));
        assert_eq!(
            list.chunks.len(),
            want.len().div_ceil(CHUNK),
            "thin chunks are folded together"
        );
        list.sweep_all(|_| false);
        assert_eq!(list.ids().count(), 0);
        assert_eq!(list.len, 0);
    }
}
