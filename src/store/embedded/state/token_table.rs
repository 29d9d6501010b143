//! Every token by id. A slot holds the `Arc` and the id's hash (16 bytes), where a
//! `HashMap<TokenId, Arc<_>>` would store the 16-byte id again beside each pointer (24 bytes).
//!
//! The hash is kept rather than recomputed from the record because growing the table rehashes
//! every entry while the state's write lock is held: reading each record's id there cost a cache
//! miss per token, a stall of over 100 ms at a few hundred thousand tokens (p99 of issuance went
//! from 5 to 132 ms), where the stored hash keeps the rehash within the table's own memory.
//!
//! The table is split in [`SHARDS`] tables by hash, and each grows on its own: one growth moves
//! a thousandth of the tokens into a thousandth of the new memory. Growing one table of a million
//! tokens stalled issuance for 60–95 ms on the benchmark VM (most of it first touches of 16 MiB of
//! fresh pages); a shard's growth takes microseconds, the same work in total but spread out.

use crate::model::{TokenId, TokenRecord};
use foldhash::fast::RandomState;
use hashbrown::hash_table::{Entry, HashTable};
use std::hash::BuildHasher;
use std::sync::Arc;

/// How many tables the tokens are spread over (a power of two); 32 KiB of empty tables.
const SHARDS: usize = 1024;

type Shard = HashTable<(u64, Arc<TokenRecord>)>;

pub struct TokenTable {
    shards: Box<[Shard; SHARDS]>,
    hasher: RandomState,
}

impl Default for TokenTable {
    fn default() -> Self {
        Self {
            shards: Box::new(std::array::from_fn(|_| HashTable::new())),
            hasher: RandomState::default(),
        }
    }
}

impl TokenTable {
    /// The id's hash and its shard. The shard takes bits 40–49, which a shard's own table never
    /// uses: hashbrown places entries by the low bits and tags them with the top seven.
    fn locate(&self, id: &TokenId) -> (u64, usize) {
        let hash = self.hasher.hash_one(id);
        (hash, (hash >> 40) as usize & (SHARDS - 1))
    }

    pub fn get(&self, id: &TokenId) -> Option<&Arc<TokenRecord>> {
        let (hash, shard) = self.locate(id);
        self.shards[shard].find(hash, |(_, t)| t.id == *id).map(|(_, t)| t)
    }

    /// The slot of a token, to change it in place. The caller must leave its `id` as it is: the
    /// slot was placed by it.
    pub fn get_mut(&mut self, id: &TokenId) -> Option<&mut Arc<TokenRecord>> {
        let (hash, shard) = self.locate(id);
        self.shards[shard].find_mut(hash, |(_, t)| t.id == *id).map(|(_, t)| t)
    }

    /// Adds the token, replacing one with the same id; returns the replaced one.
    pub fn insert(&mut self, token: Arc<TokenRecord>) -> Option<Arc<TokenRecord>> {
        let (hash, shard) = self.locate(&token.id);
        match self.shards[shard].entry(hash, |(_, t)| t.id == token.id, |(hash, _)| *hash) {
            Entry::Occupied(mut slot) => Some(std::mem::replace(&mut slot.get_mut().1, token)),
            Entry::Vacant(slot) => {
                slot.insert((hash, token));
                None
            }
        }
    }

    pub fn remove(&mut self, id: &TokenId) -> Option<Arc<TokenRecord>> {
        let (hash, shard) = self.locate(id);
        match self.shards[shard].find_entry(hash, |(_, t)| t.id == *id) {
            Ok(slot) => Some(slot.remove().0 .1),
            Err(_) => None,
        }
    }

    pub fn values(&self) -> impl Iterator<Item = &Arc<TokenRecord>> {
        self.shards.iter().flat_map(|shard| shard.iter().map(|(_, t)| t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::{access_token, fixtures};

    #[test]
    fn finds_replaces_and_removes_by_id() {
        let (_, client) = fixtures("table");
        let mut table = TokenTable::default();
        let tokens: Vec<Arc<TokenRecord>> = (0..100)
            .map(|i| Arc::new(access_token(&client, None, i, None)))
            .collect();
        for t in &tokens {
            assert!(table.insert(t.clone()).is_none());
        }
        assert_eq!(table.values().count(), 100);
        assert!(tokens.iter().all(|t| Arc::ptr_eq(table.get(&t.id).unwrap(), t)));
        assert!(table.get(&TokenId::generate()).is_none());

        let mut newer = TokenRecord::clone(&tokens[3]);
        newer.issued_at = 7;
        let replaced = table.insert(Arc::new(newer)).unwrap();
        assert!(Arc::ptr_eq(&replaced, &tokens[3]));
        assert_eq!(table.values().count(), 100);
        Arc::make_mut(table.get_mut(&tokens[4].id).unwrap()).issued_at = 9;
        assert_eq!(table.get(&tokens[4].id).unwrap().issued_at, 9);

        assert!(table.remove(&tokens[5].id).is_some());
        assert!(table.remove(&tokens[5].id).is_none());
        assert!(table.get(&tokens[5].id).is_none() && table.get(&tokens[6].id).is_some());
        assert_eq!(table.values().count(), 99);
    }
}
