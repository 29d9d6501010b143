//! Issuance on Cassandra. Plain issuance (`multi` without a limit) is one batch of plain writes.
//! Exact issuance gathers `model::issuance::decide`'s inputs from the client's
//! `client_issuance` partition (and the tokens listed outside it) and applies its answer with
//! one conditional batch on that partition (`claim.rs`); one-use tokens are taken with
//! `IF state = 'active'` (`consume.rs`).

use super::schema::CassandraStore;
use super::token_rows::Rows;
use crate::clock::UnixTime;
use crate::model::issuance::{decide, Ask, Decision, Limit};
use crate::model::{TokenId, TokenKind, TokenPolicy, TokenProfile, TokenRecord};
use crate::store::{Consume, IssueOutcome, IssueRequest, StoreError, StoreResult};
use scylla::statement::Consistency;
use std::sync::Arc;

/// Rounds of exact issuance a request tries before it gives up (each lost round means another
/// request for the same client won one).
const TRIES: u32 = 200;

/// Conditional batches of one issuance that may fail (time out, lose the coordinator) before
/// the store answers with the error.
const FAILED_CLAIMS: u32 = 3;

/// One row of `client_issuance`: (version, id, subject, scopes, expires_at).
type IssuanceRow = (Option<i64>, Option<String>, Option<String>, Option<String>, Option<i64>);

impl CassandraStore {
    pub(super) async fn issue_tokens(&self, req: IssueRequest) -> StoreResult<IssueOutcome> {
        if !self.may_issue(&req.access).await? {
            return Ok(IssueOutcome::Gone);
        }
        let consumed = match req.consume {
            None => None,
            Some(consume) => match self.take(consume, req.now).await? {
                Ok(stored) => Some((consume, stored)),
                Err(used_at) => return Ok(IssueOutcome::ConsumedAlready { used_at }),
            },
        };
        let new: Vec<&TokenRecord> = std::iter::once(&req.access).chain(req.refresh.as_ref()).collect();
        let outcome = if req.policy == TokenPolicy::Multi && req.max_active.is_none() {
            self.write_tokens(&new, req.now, Rows::All).await?;
            IssueOutcome::Issued
        } else {
            // The records first, for a request on another node that decides to reuse one; the
            // index rows, which the listings read, once the token is decided.
            self.write_tokens(&new, req.now, Rows::Record).await?;
            let outcome = self.issue_exact(&req).await?;
            if matches!(outcome, IssueOutcome::Issued) {
                self.write_tokens(&new, req.now, Rows::Index).await?;
            }
            outcome
        };
        if !matches!(outcome, IssueOutcome::Issued) {
            self.delete_tokens(&new, Rows::Record).await?;
            if let Some((Consume::First(_), taken)) = &consumed {
                self.give_back(taken, req.now).await?;
            }
            return Ok(outcome);
        }
        // A revocation of the lineage that took the exchanged token meanwhile may have listed
        // the lineage before the new tokens were written: ask the token again, under Paxos. If
        // it was revoked, the exchange still happened first (as on the SQL stores, where the
        // revocation waits for the exchange's transaction and then takes its tokens too): the
        // new tokens are answered, revoked like the rest of their lineage.
        if let Some((_, taken)) = consumed {
            let cql = "UPDATE tokens USING TTL ? SET state = 'used' WHERE id = ? IF state = 'used'";
            if !self
                .applied(self.write(cql), (taken.ttl, taken.token.id.to_text()))
                .await?
            {
                for t in &new {
                    let cql = "UPDATE tokens USING TTL ? SET state = 'revoked' WHERE id = ?";
                    self.run(self.write(cql), (self.ttl(t, req.now), t.id.to_text()))
                        .await?;
                }
            }
        }
        Ok(outcome)
    }

    /// The client exists, and the user too (enabled) for a user token.
    pub(super) async fn may_issue(&self, token: &TokenRecord) -> StoreResult<bool> {
        if self.client_row(token.client_id()).await?.is_none() {
            return Ok(false);
        }
        match token.subject() {
            None => Ok(true),
            Some(subject) => self.user_enabled(token.tenant(), subject).await,
        }
    }

    /// The client's partition at `LOCAL_SERIAL`: its version and its rows.
    async fn issuance(&self, client_id: &str) -> StoreResult<(Option<i64>, Vec<IssuanceRow>)> {
        let cql = "SELECT version, id, subject, scopes, expires_at FROM client_issuance WHERE client_id = ?";
        let mut read = self.read(cql);
        read.set_consistency(Consistency::LocalSerial);
        let rows: Vec<IssuanceRow> = self.rows(read, (client_id,)).await?;
        let version = rows.first().and_then(|r| r.0);
        Ok((version, rows.into_iter().filter(|r| r.1.is_some()).collect()))
    }

    async fn issue_exact(&self, req: &IssueRequest) -> StoreResult<IssueOutcome> {
        let (access, now) = (&req.access, req.now);
        let client_id = access.client_id();
        let mine = access.id.to_text();
        // The replacements of a round whose batch timed out: if it applied, they are still due.
        let mut uncertain: Option<Vec<TokenId>> = None;
        let mut failed = 0;
        let outside = self.held_outside(req).await?;
        for round in 0..TRIES {
            let (version, rows) = self.issuance(client_id).await?;
            if rows.iter().any(|r| r.1.as_deref() == Some(&*mine)) {
                let revoke = uncertain.take().unwrap_or_default();
                self.revoke_replaced(&revoke).await?;
                return Ok(IssueOutcome::Issued);
            }
            let mut ids: Vec<String> = rows.iter().filter_map(|r| r.1.clone()).collect();
            ids.extend(
                outside
                    .iter()
                    .filter(|id| !ids.contains(id))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            let stored = self.tokens_by_ids(&ids).await?;
            // A row whose record is not visible yet (written at a weak level) still counts.
            let mut held = Vec::with_capacity(ids.len());
            let mut listed = std::collections::HashSet::new();
            for (_, id, subject, scopes, expires_at) in rows {
                let id = TokenId::from_text(id.as_deref().unwrap_or_default())
                    .ok_or_else(|| super::cql::corrupt("client_issuance.id", "not a token id"))?;
                listed.insert(id);
                held.push(match stored.get(&id) {
                    Some(s) => s.token.clone(),
                    None => placeholder(access, id, subject, scopes.as_deref(), expires_at)?,
                });
            }
            let unlisted = stored
                .values()
                .filter(|s| !listed.contains(&s.token.id) && s.token.kind == TokenKind::Access);
            held.extend(unlisted.map(|s| s.token.clone()));
            let (active, stale): (Vec<TokenRecord>, Vec<TokenRecord>) =
                held.into_iter().partition(|t| t.is_active(now));
            let limit = req.max_active.map(|max| Limit {
                max,
                active: active.len() as u64,
                earliest_expiry: active.iter().filter_map(TokenRecord::expires_at).min(),
            });
            let ask = Ask {
                access,
                policy: req.policy,
                exchange: req.consume.is_some(),
                now,
            };
            let revoke = match decide(ask, &active, limit) {
                Decision::Reuse(found) => {
                    let access = match stored.get(&found.id) {
                        Some(s) => Arc::new(s.token.clone()),
                        None => {
                            return Err(StoreError::Unavailable(
                                "cassandra: a reused token is not visible yet".into(),
                            ))
                        }
                    };
                    let refresh = self.refresh_of(&access.grant_id, now).await?;
                    return Ok(IssueOutcome::Reused { access, refresh });
                }
                Decision::Refused { earliest_expiry } => return Ok(IssueOutcome::LimitReached { earliest_expiry }),
                Decision::Issue { revoke } => revoke,
            };
            let gone = revoke.iter().copied().chain(stale.iter().map(|t| t.id));
            match self.claim(client_id, version, access, gone, now).await {
                Ok(true) => {
                    self.revoke_replaced(&revoke).await?;
                    return Ok(IssueOutcome::Issued);
                }
                Ok(false) => {}
                // A timed-out conditional batch may still apply: the next read tells. A cluster
                // that keeps failing gets its error back, not rounds until `TRIES`.
                Err(e) if failed + 1 >= FAILED_CLAIMS => return Err(e),
                Err(_) => {
                    failed += 1;
                    uncertain = Some(revoke);
                }
            }
            let pause = rand::random::<u64>() % (2 + u64::from(round.min(20)) * 2);
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        }
        Err(StoreError::Unavailable(
            "cassandra: exact issuance lost every round to other requests".into(),
        ))
    }
}

/// A held access token known only from its `client_issuance` row (its record not visible yet):
/// enough for the limit and the policies, which look at subject, scopes and expiry.
fn placeholder(
    access: &TokenRecord,
    id: TokenId,
    subject: Option<String>,
    scopes: Option<&str>,
    expires_at: Option<UnixTime>,
) -> StoreResult<TokenRecord> {
    let profile = TokenProfile {
        tenant: access.tenant().into(),
        client_id: access.client_id().into(),
        subject: subject.map(Into::into),
        scopes: super::cql::parse::<Vec<String>>("client_issuance.scopes", scopes.unwrap_or("[]"))?.into(),
        authorities: Arc::from([]),
    };
    Ok(TokenRecord::new(
        id,
        TokenKind::Access,
        Arc::new(profile),
        0,
        expires_at,
        id,
    ))
}
