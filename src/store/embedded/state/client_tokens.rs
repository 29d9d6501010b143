//! The per-client token indexes of the state engine, and the rules that keep them in step with
//! the token table. An access token is *counted* while it is active and unexpired as of the last
//! drop of expired entries: it is then in `expiries` and (live) in `active_access`.

use super::expiry_counts::ExpiryCounts;
use super::id_list::IdList;
use super::token_table::TokenTable;
use super::State;
use crate::clock::UnixTime;
use crate::model::{TokenKind, TokenRecord, TokenState};
use std::sync::Arc;

#[derive(Default)]
pub(super) struct ClientTokens {
    /// The tenant of the client's latest active access token: the metrics count per tenant, and
    /// a client deleted since no longer says.
    pub tenant: Option<Arc<str>>,
    /// Every token issued to the client that has not been purged, plus stale ids.
    pub all: IdList,
    /// The counted access tokens, plus stale ids: the `reuse` and `single_per_subject` policies.
    pub active_access: IdList,
    /// Expiries of the counted access tokens: the limit, `Retry-After`, the counts.
    pub expiries: ExpiryCounts,
}

/// Whether `token` is counted in `expiries` (and so live in `active_access`).
fn counted(expiries: &ExpiryCounts, token: &TokenRecord) -> bool {
    token.kind == TokenKind::Access && token.state == TokenState::Active && expiries.counts(token.expiry_key())
}

impl ClientTokens {
    /// Whether the token is counted here (active, an access token, not expired at the last drop).
    pub fn is_counted(&self, token: &TokenRecord) -> bool {
        counted(&self.expiries, token)
    }

    /// Starts counting an access token that became active (or got a new expiry).
    pub fn count(&mut self, token: &TokenRecord) {
        if token.kind == TokenKind::Access
            && token.state == TokenState::Active
            && self.expiries.add(token.expiry_key())
            && !self.active_access.insert(token.id)
        {
            self.active_access.add_stale(-1);
        }
    }

    /// Stops counting a token that is leaving the active state (or its old expiry), if it was.
    pub fn uncount(&mut self, token: &TokenRecord) {
        if token.kind == TokenKind::Access
            && token.state == TokenState::Active
            && self.expiries.remove(token.expiry_key())
        {
            self.active_access.add_stale(1);
        }
    }

    /// Drops the entries expired at `now`.
    pub fn drop_expired(&mut self, now: UnixTime) {
        let dropped = self.expiries.drop_expired(now);
        self.active_access.add_stale(dropped as isize);
    }

    /// Cleans stale ids out of the lists, a chunk at a time once half of a list is stale.
    pub fn sweep(&mut self, client_id: &str, tokens: &TokenTable) {
        self.all
            .sweep(|id| tokens.get(id).is_some_and(|t| t.client_id() == client_id));
        let expiries = &self.expiries;
        self.active_access.sweep(|id| {
            tokens
                .get(id)
                .is_some_and(|t| t.client_id() == client_id && counted(expiries, t))
        });
    }
}

impl State {
    /// Adds a token to its client's indexes; `replaced` is the record it took the place of.
    pub(super) fn index_token(&mut self, token: &TokenRecord, replaced: Option<&TokenRecord>) {
        if let Some(old) = replaced {
            self.unindex_token(old, false);
        }
        let index = self.by_client.entry(token.profile().client_id.clone()).or_default();
        if !index.all.insert(token.id) && replaced.is_none() {
            index.all.add_stale(-1);
        }
        index.count(token);
        if counted(&index.expiries, token) && index.tenant.as_deref() != Some(token.tenant()) {
            index.tenant = Some(token.profile().tenant.clone());
        }
        // Revocations and expiry leave stale ids behind; they are swept here, where the client
        // is issuing anyway, and on purge.
        index.sweep(token.client_id(), &self.tokens);
    }

    /// Takes a token that left the table (`forgotten`) or was replaced in it out of its client's
    /// indexes.
    pub(super) fn unindex_token(&mut self, token: &TokenRecord, forgotten: bool) {
        if let Some(index) = self.by_client.get_mut(token.client_id()) {
            index.uncount(token);
            if forgotten {
                index.all.add_stale(1);
            }
            index.sweep(token.client_id(), &self.tokens);
        }
    }
}
