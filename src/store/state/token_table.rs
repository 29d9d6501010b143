//! Every token by id. The table holds bare `Arc` pointers (8 bytes a slot) and hashes the id
//! inside the record, where a `HashMap<TokenId, Arc<_>>` would store the 16-byte id again beside
//! each pointer: at ten million tokens and a table of 2^24 slots that is 270 MB less.

use crate::model::{TokenId, TokenRecord};
use hashbrown::hash_table::{Entry, HashTable};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;

#[derive(Default)]
pub struct TokenTable {
    table: HashTable<Arc<TokenRecord>>,
    hasher: RandomState,
}

impl TokenTable {
    fn hash(&self, id: &TokenId) -> u64 {
        self.hasher.hash_one(id)
    }

    pub fn get(&self, id: &TokenId) -> Option<&Arc<TokenRecord>> {
        self.table.find(self.hash(id), |t| t.id == *id)
    }

    /// The slot of a token, to change it in place. The caller must leave its `id` as it is: the
    /// slot was placed by it.
    pub fn get_mut(&mut self, id: &TokenId) -> Option<&mut Arc<TokenRecord>> {
        let hash = self.hash(id);
        self.table.find_mut(hash, |t| t.id == *id)
    }

    /// Adds the token, replacing one with the same id; returns the replaced one.
    pub fn insert(&mut self, token: Arc<TokenRecord>) -> Option<Arc<TokenRecord>> {
        let hash = self.hash(&token.id);
        let hasher = &self.hasher;
        match self.table.entry(hash, |t| t.id == token.id, |t| hasher.hash_one(t.id)) {
            Entry::Occupied(mut slot) => Some(std::mem::replace(slot.get_mut(), token)),
            Entry::Vacant(slot) => {
                slot.insert(token);
                None
            }
        }
    }

    pub fn remove(&mut self, id: &TokenId) -> Option<Arc<TokenRecord>> {
        let hash = self.hash(id);
        match self.table.find_entry(hash, |t| t.id == *id) {
            Ok(slot) => Some(slot.remove().0),
            Err(_) => None,
        }
    }

    pub fn values(&self) -> impl Iterator<Item = &Arc<TokenRecord>> {
        self.table.iter()
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
