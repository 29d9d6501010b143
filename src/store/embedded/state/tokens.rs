//! Token operations of the state engine: revocation, listing, updates and purging (issuance is
//! in `issue.rs`).

use super::{Change, State};
use crate::clock::UnixTime;
use crate::model::{TokenId, TokenKind, TokenRecord, TokenState};
use crate::store::{Authorization, TokenPatch, TokenQuery};
use std::collections::BTreeSet;
use std::sync::Arc;

impl State {
    pub fn token(&self, id: &TokenId) -> Option<Arc<TokenRecord>> {
        self.tokens.get(id).cloned()
    }

    /// Ids of a client's tokens that can still be used (active and unexpired), optionally of one subject.
    pub(super) fn usable_tokens_of(&self, client_id: &str, subject: Option<&str>, now: UnixTime) -> Vec<TokenId> {
        let Some(index) = self.by_client.get(client_id) else {
            return Vec::new();
        };
        index
            .all
            .ids()
            .filter_map(|id| self.tokens.get(id))
            .filter(|t| {
                t.client_id() == client_id && t.is_active(now) && subject.is_none_or(|s| t.subject() == Some(s))
            })
            .map(|t| t.id)
            .collect()
    }

    pub fn revoke_client_tokens(
        &mut self,
        client_id: &str,
        subject: Option<&str>,
        now: UnixTime,
    ) -> (u64, Vec<Change>) {
        let ids = self.usable_tokens_of(client_id, subject, now);
        self.set_state(ids, TokenState::Revoked)
    }

    pub fn revoke_token(&mut self, id: &TokenId) -> (bool, Vec<Change>) {
        match self.tokens.get(id) {
            Some(t) if t.state == TokenState::Active => {
                let (n, changes) = self.set_state(vec![*id], TokenState::Revoked);
                (n > 0, changes)
            }
            _ => (false, vec![]),
        }
    }

    /// Every token of a grant: the token whose id names the grant, and those that joined it.
    pub(super) fn grant_members<'a>(
        &'a self,
        grant_id: &'a TokenId,
    ) -> impl Iterator<Item = &'a Arc<TokenRecord>> + 'a {
        let founder = self.tokens.get(grant_id).filter(|t| t.grant_id == *grant_id);
        let joined = self.by_grant.get(grant_id).into_iter().flatten();
        founder.into_iter().chain(joined.filter_map(|id| self.tokens.get(id)))
    }

    pub fn revoke_grant(&mut self, grant_id: &TokenId) -> (u64, Vec<Change>) {
        let ids: Vec<TokenId> = self
            .grant_members(grant_id)
            .filter(|t| t.state != TokenState::Revoked)
            .map(|t| t.id)
            .collect();
        self.set_state(ids, TokenState::Revoked)
    }

    /// Moves tokens to `state`, keeping the indexes right; returns how many changed.
    pub(super) fn set_state(&mut self, ids: Vec<TokenId>, state: TokenState) -> (u64, Vec<Change>) {
        let mut changed = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(slot) = self.tokens.get_mut(&id) else { continue };
            if slot.state == state {
                continue;
            }
            // Stale ids this leaves in the client's lists go at its next insert.
            if let Some(index) = self.by_client.get_mut(slot.client_id()) {
                index.uncount(slot);
            }
            Arc::make_mut(slot).state = state;
            changed.push(id);
        }
        let n = changed.len() as u64;
        let changes = if changed.is_empty() {
            vec![]
        } else {
            vec![Change::SetTokenState(changed, state)]
        };
        (n, changes)
    }

    /// Marks an active token exchanged at `now` (a refresh token or code used once).
    pub(super) fn mark_used(&mut self, id: TokenId, now: UnixTime) -> Option<Change> {
        let slot = self.tokens.get_mut(&id)?;
        if let Some(index) = self.by_client.get_mut(slot.client_id()) {
            index.uncount(slot);
        }
        Arc::make_mut(slot).mark_used(now);
        Some(Change::MarkUsed(id, now))
    }

    /// Adds a token to the maps and indexes (also used when loading from disk). Its strings and
    /// scope sets are swapped for shared copies: millions of tokens of one client then hold a
    /// handful of allocations between them instead of several each.
    pub fn insert_token(&mut self, mut token: Arc<TokenRecord>) {
        if let Some(record) = Arc::get_mut(&mut token) {
            self.interner.intern_record(record);
        }
        // A token that starts its own grant is found through its id: most grants (every
        // client-credentials token) never need an index entry.
        if token.grant_id != token.id {
            self.by_grant.entry(token.grant_id).or_default().push(token.id);
        }
        self.expiry_floor = self.expiry_floor.min(token.expiry_key());
        let replaced = self.tokens.insert(token.clone());
        self.index_token(&token, replaced.as_deref());
    }

    /// Removes a token entirely, e.g. when its insert could not be made durable.
    pub fn forget_token(&mut self, id: &TokenId) {
        let Some(token) = self.tokens.remove(id) else { return };
        self.unindex_token(&token, true);
        if let Some(ids) = self.by_grant.get_mut(&token.grant_id) {
            ids.retain(|other| other != id);
            if ids.is_empty() {
                self.by_grant.remove(&token.grant_id);
            }
        }
    }

    pub fn list_tokens(&self, q: &TokenQuery) -> Vec<Arc<TokenRecord>> {
        let Some(index) = self.by_client.get(q.client_id.as_str()) else {
            return Vec::new();
        };
        // The list is in id order: the page is its first matches after the cursor.
        index
            .all
            .after(q.after)
            .filter_map(|id| self.tokens.get(id))
            .filter(|t| {
                t.client_id() == q.client_id.as_str()
                    && t.is_active(q.now)
                    && t.kind != TokenKind::Code
                    && q.kind.is_none_or(|k| t.kind == k)
                    && q.subject.as_deref().is_none_or(|s| t.subject() == Some(s))
            })
            .take(q.limit)
            .cloned()
            .collect()
    }

    pub fn count_active_access(&self, client_id: &str, now: UnixTime) -> u64 {
        self.by_client
            .get(client_id)
            .map_or(0, |index| index.expiries.live(now))
    }

    pub fn update_token(
        &mut self,
        id: &TokenId,
        patch: TokenPatch,
        now: UnixTime,
    ) -> (Option<Arc<TokenRecord>>, Vec<Change>) {
        let Some(slot) = self.tokens.get_mut(id).filter(|t| t.is_active(now)) else {
            return (None, vec![]);
        };
        // A new expiry moves the token between the counts' entries (uncounting and counting it
        // again nets out when it stays).
        let mut index = self
            .by_client
            .get_mut(slot.client_id())
            .filter(|_| patch.expires_at.is_some());
        if let Some(index) = &mut index {
            index.uncount(slot);
        }
        let record = Arc::make_mut(slot);
        if let Some(scopes) = patch.scopes {
            record.set_scopes(scopes);
            self.interner.intern_record(record);
        }
        if let Some(expires_at) = patch.expires_at {
            record.set_expires_at(expires_at);
            self.expiry_floor = self.expiry_floor.min(record.expiry_key());
        }
        if let Some(properties) = patch.properties {
            record.properties = properties;
        }
        if let Some(index) = index {
            index.count(record);
        }
        let updated = slot.clone();
        (Some(updated.clone()), vec![Change::PutToken(updated)])
    }

    pub fn authorizations(&self, tenant: &str, subject: &str, now: UnixTime) -> Vec<Authorization> {
        let mut found = Vec::new();
        for client in self.clients_of(Some(tenant)) {
            let mut scopes = BTreeSet::new();
            let mut count = 0;
            for id in self.usable_tokens_of(&client.client_id, Some(subject), now) {
                if let Some(t) = self.tokens.get(&id).filter(|t| t.kind != TokenKind::Code) {
                    scopes.extend(t.scopes().iter().cloned());
                    count += 1;
                }
            }
            if count > 0 {
                found.push(Authorization {
                    client_id: client.client_id.to_string(),
                    scopes: scopes.into_iter().collect(),
                    token_count: count,
                });
            }
        }
        found
    }

    pub fn set_pair_scopes(
        &mut self,
        client_id: &str,
        subject: &str,
        scopes: Arc<[String]>,
        now: UnixTime,
    ) -> (u64, Vec<Change>) {
        let ids = self.usable_tokens_of(client_id, Some(subject), now);
        let mut changes = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(slot) = self.tokens.get_mut(id) {
                let record = Arc::make_mut(slot);
                record.set_scopes(scopes.clone());
                self.interner.intern_record(record);
                changes.push(Change::PutToken(slot.clone()));
            }
        }
        (ids.len() as u64, changes)
    }

    /// Forgets up to `batch` tokens that expired before `before` (never-expiring ones stay).
    /// A run that looks at every token remembers the earliest expiry left, so that the periodic
    /// purge of a store with nothing due is a comparison, not a walk over millions of tokens
    /// under the write lock.
    pub fn purge_expired(&mut self, before: UnixTime, batch: usize) -> (u64, Vec<Change>) {
        if before <= self.expiry_floor {
            return (0, vec![]);
        }
        let mut ids = Vec::new();
        let mut floor = UnixTime::MAX;
        let mut saw_all = true;
        for t in self.tokens.values() {
            let exp = t.expiry_key();
            if exp >= before {
                floor = floor.min(exp);
            } else if ids.len() < batch {
                ids.push(t.id);
            } else {
                saw_all = false;
                break;
            }
        }
        if saw_all {
            self.expiry_floor = floor;
        }
        for id in &ids {
            self.forget_token(id);
        }
        self.interner.tokens_removed(ids.len());
        let n = ids.len() as u64;
        let changes = if ids.is_empty() {
            vec![]
        } else {
            vec![Change::DeleteTokens(ids)]
        };
        (n, changes)
    }
}
