//! Issuance in the state engine: the inputs of `model::issuance::decide` gathered and its answer
//! applied, with the refresh rotation, under one lock.

use super::{Change, State};
use crate::clock::UnixTime;
use crate::model::issuance::{decide, Ask, Decision, Limit};
use crate::model::{TokenId, TokenKind, TokenRecord, TokenState};
use crate::store::{Consume, IssueOutcome, IssueRequest};
use std::sync::Arc;

impl State {
    /// Drops the expired entries of a client's counts.
    fn prune_expired(&mut self, client_id: &str, now: UnixTime) {
        if let Some(index) = self.by_client.get_mut(client_id) {
            index.drop_expired(now);
        }
    }

    /// A client's counted access tokens that are unexpired at `now`, in id order: a subset of
    /// what the limit counts, and the candidates of every policy.
    fn active_access_of<'a>(
        &'a self,
        client_id: &'a str,
        now: UnixTime,
    ) -> impl Iterator<Item = &'a Arc<TokenRecord>> + 'a {
        self.by_client.get(client_id).into_iter().flat_map(move |index| {
            index
                .active_access
                .ids()
                .filter_map(|id| self.tokens.get(id))
                .filter(move |t| t.client_id() == client_id && t.is_active(now) && index.is_counted(t))
        })
    }

    fn active_refresh_of_grant(&self, grant_id: &TokenId, now: UnixTime) -> Option<Arc<TokenRecord>> {
        self.grant_members(grant_id)
            .find(|t| t.kind == TokenKind::Refresh && t.is_active(now))
            .cloned()
    }

    pub fn issue(&mut self, req: IssueRequest) -> (IssueOutcome, Vec<Change>) {
        let now = req.now;
        if let Some(consume) = req.consume {
            let (Consume::First(id) | Consume::Again(id)) = consume;
            let token = self.tokens.get(&id);
            let ready = token.is_some_and(|t| match consume {
                Consume::First(_) => t.is_active(now),
                Consume::Again(_) => t.state == TokenState::Used && t.expiry_key() > now,
            });
            if !ready {
                let used_at = token.filter(|t| t.expiry_key() > now).and_then(|t| t.used_at());
                return (IssueOutcome::ConsumedAlready { used_at }, vec![]);
            }
        }
        let client_id = req.access.profile().client_id.clone();
        // Re-checked under the lock: a concurrent delete or disable must not be outrun.
        let subject_ok = match req.access.subject() {
            Some(subject) => self.user(req.access.tenant(), subject).is_some_and(|u| u.enabled),
            None => true,
        };
        if !self.clients.contains_key(&*client_id) || !subject_ok {
            return (IssueOutcome::Gone, vec![]);
        }
        self.prune_expired(&client_id, now);
        let index = self.by_client.get(&*client_id);
        let limit = req.max_active.map(|max| Limit {
            max,
            active: index.map_or(0, |i| i.expiries.total()),
            earliest_expiry: index.and_then(|i| i.expiries.earliest()),
        });
        let ask = Ask {
            access: &req.access,
            policy: req.policy,
            exchange: req.consume.is_some(),
            now,
        };
        let replaced = match decide(ask, self.active_access_of(&client_id, now), limit) {
            Decision::Reuse(access) => {
                let access = access.clone();
                let refresh = self.active_refresh_of_grant(&access.grant_id, now);
                return (IssueOutcome::Reused { access, refresh }, vec![]);
            }
            Decision::Refused { earliest_expiry } => return (IssueOutcome::LimitReached { earliest_expiry }, vec![]),
            Decision::Issue { revoke } => revoke,
        };

        let mut changes = Vec::with_capacity(4);
        changes.extend(self.set_state(replaced, TokenState::Revoked).1);
        if let Some(Consume::First(id)) = req.consume {
            changes.extend(self.mark_used(id, now));
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
