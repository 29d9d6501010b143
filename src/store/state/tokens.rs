//! Token operations of the state engine: issuance under the policies and the limit, revocation,
//! listing, updates and purging.

use super::{Change, State, NEVER};
use crate::clock::UnixTime;
use crate::model::{TokenId, TokenKind, TokenPolicy, TokenRecord, TokenState};
use crate::store::{Authorization, IssueOutcome, IssueRequest, TokenPatch, TokenQuery};
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
            .iter()
            .filter_map(|id| self.tokens.get(id))
            .filter(|t| t.is_active(now) && subject.is_none_or(|s| t.subject.as_deref() == Some(s)))
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
    fn grant_members<'a>(&'a self, grant_id: &'a TokenId) -> impl Iterator<Item = &'a Arc<TokenRecord>> + 'a {
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
            if slot.kind == TokenKind::Access && slot.state == TokenState::Active {
                if let Some(index) = self.by_client.get_mut(&slot.client_id) {
                    index.active_access.remove(&(slot.expires_at.unwrap_or(NEVER), id));
                }
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

    /// Adds a token to the maps and indexes (also used when loading from disk). Its strings and
    /// scope sets are swapped for shared copies: millions of tokens of one client then hold a
    /// handful of allocations between them instead of several each.
    pub fn insert_token(&mut self, mut token: Arc<TokenRecord>) {
        if let Some(record) = Arc::get_mut(&mut token) {
            self.interner.intern_record(record);
        }
        let index = self.by_client.entry(token.client_id.clone()).or_default();
        index.all.insert(token.id);
        if token.kind == TokenKind::Access && token.state == TokenState::Active {
            index
                .active_access
                .insert((token.expires_at.unwrap_or(NEVER), token.id));
        }
        // A token that starts its own grant is found through its id: most grants (every
        // client-credentials token) never need an index entry.
        if token.grant_id != token.id {
            self.by_grant.entry(token.grant_id).or_default().push(token.id);
        }
        self.tokens.insert(token.id, token);
    }

    /// Removes a token entirely, e.g. when its insert could not be made durable.
    pub fn forget_token(&mut self, id: &TokenId) {
        let Some(token) = self.tokens.remove(id) else { return };
        if let Some(index) = self.by_client.get_mut(&token.client_id) {
            index.all.remove(id);
            index.active_access.remove(&(token.expires_at.unwrap_or(NEVER), *id));
        }
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
        let mut page: Vec<Arc<TokenRecord>> = index
            .all
            .iter()
            .filter(|id| q.after.is_none_or(|after| **id > after))
            .filter_map(|id| self.tokens.get(id))
            .filter(|t| {
                t.is_active(q.now)
                    && t.kind != TokenKind::Code
                    && q.kind.is_none_or(|k| t.kind == k)
                    && q.subject.as_deref().is_none_or(|s| t.subject.as_deref() == Some(s))
            })
            .cloned()
            .collect();
        page.sort_unstable_by_key(|t| t.id);
        page.truncate(q.limit);
        page
    }

    pub fn count_active_access(&self, client_id: &str, now: UnixTime) -> u64 {
        self.by_client.get(client_id).map_or(0, |index| {
            index
                .active_access
                .range((now.saturating_add(1), TokenId([0; 16]))..)
                .count() as u64
        })
    }

    pub fn update_token(&mut self, id: &TokenId, patch: TokenPatch) -> (Option<Arc<TokenRecord>>, Vec<Change>) {
        let Some(slot) = self.tokens.get_mut(id) else {
            return (None, vec![]);
        };
        let record = Arc::make_mut(slot);
        let old_expiry = record.expires_at;
        if let Some(scopes) = patch.scopes {
            record.scopes = scopes;
        }
        if let Some(expires_at) = patch.expires_at {
            record.expires_at = expires_at;
        }
        if let Some(properties) = patch.properties {
            record.properties = properties;
        }
        let updated = slot.clone();
        if updated.kind == TokenKind::Access && updated.state == TokenState::Active && old_expiry != updated.expires_at
        {
            if let Some(index) = self.by_client.get_mut(&updated.client_id) {
                index.active_access.remove(&(old_expiry.unwrap_or(NEVER), *id));
                index.active_access.insert((updated.expires_at.unwrap_or(NEVER), *id));
            }
        }
        (Some(updated.clone()), vec![Change::PutToken(updated)])
    }

    pub fn authorizations(&self, tenant: &str, subject: &str, now: UnixTime) -> Vec<Authorization> {
        let mut found = Vec::new();
        for client in self.clients_of(tenant) {
            let mut scopes = BTreeSet::new();
            let mut count = 0;
            for id in self.usable_tokens_of(&client.client_id, Some(subject), now) {
                if let Some(t) = self.tokens.get(&id).filter(|t| t.kind != TokenKind::Code) {
                    scopes.extend(t.scopes.iter().cloned());
                    count += 1;
                }
            }
            if count > 0 {
                found.push(Authorization {
                    client_id: client.client_id.clone(),
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
                Arc::make_mut(slot).scopes = scopes.clone();
                changes.push(Change::PutToken(slot.clone()));
            }
        }
        (ids.len() as u64, changes)
    }

    /// Forgets up to `batch` tokens that expired before `before` (never-expiring ones stay).
    pub fn purge_expired(&mut self, before: UnixTime, batch: usize) -> (u64, Vec<Change>) {
        let ids: Vec<TokenId> = self
            .tokens
            .values()
            .filter(|t| t.expires_at.is_some_and(|exp| exp < before))
            .map(|t| t.id)
            .take(batch)
            .collect();
        for id in &ids {
            self.forget_token(id);
        }
        let n = ids.len() as u64;
        let changes = if ids.is_empty() {
            vec![]
        } else {
            vec![Change::DeleteTokens(ids)]
        };
        (n, changes)
    }

    /// Drops expired entries from the front of a client's active set.
    fn prune_expired(&mut self, client_id: &str, now: UnixTime) {
        if let Some(index) = self.by_client.get_mut(client_id) {
            while let Some(&(exp, id)) = index.active_access.first() {
                if exp > now {
                    break;
                }
                index.active_access.remove(&(exp, id));
            }
        }
    }

    fn active_access_of(&self, client_id: &str) -> impl Iterator<Item = &Arc<TokenRecord>> {
        self.by_client
            .get(client_id)
            .into_iter()
            .flat_map(|index| index.active_access.iter())
            .filter_map(|(_, id)| self.tokens.get(id))
    }

    fn active_refresh_of_grant(&self, grant_id: &TokenId, now: UnixTime) -> Option<Arc<TokenRecord>> {
        self.grant_members(grant_id)
            .find(|t| t.kind == TokenKind::Refresh && t.is_active(now))
            .cloned()
    }

    pub fn issue(&mut self, req: IssueRequest) -> (IssueOutcome, Vec<Change>) {
        let now = req.now;
        if let Some(consumed) = &req.consume {
            if !self.tokens.get(consumed).is_some_and(|t| t.is_active(now)) {
                return (IssueOutcome::ConsumedAlready, vec![]);
            }
        }
        let client_id = req.access.client_id.clone();
        // Re-checked under the lock: a concurrent delete or disable must not be outrun.
        let subject_ok = match &req.access.subject {
            Some(subject) => self.user(&req.access.tenant, subject).is_some_and(|u| u.enabled),
            None => true,
        };
        if !self.clients.contains_key(&*client_id) || !subject_ok {
            return (IssueOutcome::Gone, vec![]);
        }
        self.prune_expired(&client_id, now);
        let same_subject = |t: &TokenRecord| t.subject == req.access.subject;

        let mut replaced = Vec::new();
        match req.policy {
            TokenPolicy::Reuse => {
                let existing = self
                    .active_access_of(&client_id)
                    .find(|t| same_subject(t) && t.scopes == req.access.scopes)
                    .cloned();
                if let Some(access) = existing {
                    if req.consume.is_none() {
                        let refresh = self.active_refresh_of_grant(&access.grant_id, now);
                        return (IssueOutcome::Reused { access, refresh }, vec![]);
                    }
                    // A refresh exchange always mints; it replaces the older token of the same key
                    // so that `reuse` still leaves one active token per key.
                    replaced.push(access.id);
                }
            }
            TokenPolicy::SinglePerSubject => {
                replaced.extend(
                    self.active_access_of(&client_id)
                        .filter(|t| same_subject(t))
                        .map(|t| t.id),
                );
            }
            TokenPolicy::Multi => {}
        }

        if let Some(max) = req.max_active {
            let index = self.by_client.get(&client_id);
            let active = index.map_or(0, |i| i.active_access.len()) - replaced.len();
            if active >= max as usize {
                let earliest_expiry = index
                    .and_then(|i| i.active_access.first())
                    .map(|&(exp, _)| exp)
                    .filter(|&exp| exp != NEVER);
                return (IssueOutcome::LimitReached { earliest_expiry }, vec![]);
            }
        }

        let mut changes = Vec::with_capacity(4);
        changes.extend(self.set_state(replaced, TokenState::Revoked).1);
        if let Some(consumed) = req.consume {
            changes.extend(self.set_state(vec![consumed], TokenState::Used).1);
        }
        let mut access = req.access;
        self.interner.intern_record(&mut access);
        let access = Arc::new(access);
        self.insert_token(access.clone());
        changes.push(Change::PutToken(access));
        if let Some(mut refresh) = req.refresh {
            self.interner.intern_record(&mut refresh);
            let refresh = Arc::new(refresh);
            self.insert_token(refresh.clone());
            changes.push(Change::PutToken(refresh));
        }
        (IssueOutcome::Issued, changes)
    }
}
