//! The state engine's signing keys: a handful of rows, each change one journal entry.

use super::{Change, State};
use crate::store::{KeepUntil, StoreError, StoredSigningKey};

impl State {
    pub fn signing_keys(&self) -> Vec<StoredSigningKey> {
        self.signing_keys.values().cloned().collect()
    }

    /// Under the state's write lock, so "while there is none" holds until the key is in.
    pub fn add_signing_key(&mut self, key: StoredSigningKey, first: bool) -> Result<(bool, Vec<Change>), StoreError> {
        if first && !self.signing_keys.is_empty() {
            return Ok((false, vec![]));
        }
        if self.signing_keys.contains_key(&key.kid) {
            return Err(StoreError::Conflict("signing key"));
        }
        self.signing_keys.insert(key.kid.clone(), key.clone());
        Ok((true, vec![Change::PutSigningKey(key)]))
    }

    pub fn keep_signing_key(&mut self, kid: &str, until: KeepUntil) -> (bool, Vec<Change>) {
        match self.signing_keys.get_mut(kid) {
            Some(key) if key.keep_until < until => {
                key.keep_until = until;
                (true, vec![Change::PutSigningKey(key.clone())])
            }
            Some(_) => (true, vec![]),
            None => (false, vec![]),
        }
    }

    pub fn rewrap_signing_key(&mut self, kid: &str, wrapped: Vec<u8>) -> (bool, Vec<Change>) {
        match self.signing_keys.get_mut(kid) {
            Some(key) => {
                key.wrapped = wrapped;
                (true, vec![Change::PutSigningKey(key.clone())])
            }
            None => (false, vec![]),
        }
    }

    pub fn delete_signing_key(&mut self, kid: &str, seen: KeepUntil) -> (bool, Vec<Change>) {
        if self.signing_keys.get(kid).is_none_or(|k| k.keep_until != seen) {
            return (false, vec![]);
        }
        self.signing_keys.remove(kid);
        (true, vec![Change::DeleteSigningKey(kid.to_string())])
    }

    pub fn load_signing_key(&mut self, key: StoredSigningKey) {
        self.signing_keys.insert(key.kid.clone(), key);
    }
}
