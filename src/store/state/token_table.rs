//! Every token by id. A slot holds the `Arc` and the id's hash (16 bytes), where a
//! `HashMap<TokenId, Arc<_>>` would store the 16-byte id again beside each pointer (24 bytes).
//!
//! The hash is kept rather than recomputed from the record because growing the table rehashes
//! every entry while the state's write lock is held: reading each record's id there cost a cache
//! miss per token, a stall of over 100 ms at a few hundred thousand tokens (p99 of issuance went
//! from 5 to 132 ms), where the stored hash keeps the rehash within the table's own memory.

use crate::model::{TokenId, TokenRecord};
use hashbrown::hash_table::{Entry, HashTable};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;

#[derive(Default)]
pub struct TokenTable {
    table: HashTable<(u64, Arc<TokenRecord>)>,
    hasher: RandomState,
}

impl TokenTable {
    fn hash(&self, id: &TokenId) -> u64 {
        self.hasher.hash_one(id)
    }

    pub fn get(&self, id: &TokenId) -> Option<&Arc<TokenRecord>> {
        self.table.find(self.hash(id), |(_, t)| t.id == *id).map(|(_, t)| t)
    }

    /// The slot of a token, to change it in place. The caller must leave its `id` as it is: the
    /// slot was placed by it.
    pub fn get_mut(&mut self, id: &TokenId) -> Option<&mut Arc<TokenRecord>> {
        let hash = self.hash(id);
        self.table.find_mut(hash, |(_, t)| t.id == *id).map(|(_, t)| t)
    }

    /// Adds the token, replacing one with the same id; returns the replaced one.
    pub fn insert(&mut self, token: Arc<TokenRecord>) -> Option<Arc<TokenRecord>> {
        let hash = self.hash(&token.id);
        match self.table.entry(hash, |(_, t)| t.id == token.id, |(hash, _)| *hash) {
            Entry::Occupied(mut slot) => Some(std::mem::replace(&mut slot.get_mut().1, token)),
            Entry::Vacant(slot) => {
                slot.insert((hash, token));
                None
            }
        }
    }

    pub fn remove(&mut self, id: &TokenId) -> Option<Arc<TokenRecord>> {
        let hash = self.hash(id);
        match self.table.find_entry(hash, |(_, t)| t.id == *id) {
            Ok(slot) => Some(slot.remove().0 .1),
            Err(_) => None,
        }
    }

    pub fn values(&self) -> impl Iterator<Item = &Arc<TokenRecord>> {
        self.table.iter().map(|(_, t)| t)
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
