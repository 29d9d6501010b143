//! `TokenStore` on Cassandra: issuance in `issue.rs`; revocation, listing and changes here,
//! each through the table partitioned for its query [T].

use super::schema::CassandraStore;
use super::token_rows::Rows;
use crate::clock::UnixTime;
use crate::model::{ClientIdRef, TenantIdRef, TokenId, TokenKind, TokenRecord};
use crate::store::*;
use std::collections::HashSet;

/// Index rows read a step while paging a client's tokens.
const STEP: usize = 200;

/// One `tokens_by_client` row: (id, kind, subject, expires_at).
type ByClient = (String, Option<String>, Option<String>, Option<i64>);

impl CassandraStore {
    /// A client's index rows from after `after`, in id order, at most `limit`.
    async fn client_index(&self, client_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Vec<ByClient>> {
        let limit = limit as i32;
        match after {
            None => {
                let cql = "SELECT id, kind, subject, expires_at FROM tokens_by_client WHERE client_id = ? LIMIT ?";
                self.rows(self.read(cql), (client_id, limit)).await
            }
            Some(after) => {
                let cql = "SELECT id, kind, subject, expires_at FROM tokens_by_client WHERE client_id = ? AND id > ? \
                           LIMIT ?";
                self.rows(self.read(cql), (client_id, after, limit)).await
            }
        }
    }

    /// The usable tokens of a client that pass `keep` (on the index row), in id order, at most `limit`.
    pub(super) async fn client_tokens(
        &self,
        client_id: &str,
        after: Option<String>,
        limit: usize,
        now: UnixTime,
        keep: impl Fn(&ByClient) -> bool,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut found = Vec::new();
        let mut after = after;
        loop {
            let index = self.client_index(client_id, after.as_deref(), STEP).await?;
            let done = index.len() < STEP;
            after = index.last().map(|r| r.0.clone());
            let unexpired = |r: &&ByClient| r.3.is_none_or(|at| at > now);
            let ids: Vec<String> = index
                .iter()
                .filter(unexpired)
                .filter(|r| keep(r))
                .map(|r| r.0.clone())
                .collect();
            let stored = self.tokens_by_ids(&ids).await?;
            for id in &ids {
                let usable = TokenId::from_text(id)
                    .and_then(|id| stored.get(&id))
                    .filter(|s| s.token.is_active(now));
                if let Some(s) = usable {
                    found.push(s.token.clone());
                    if found.len() == limit {
                        return Ok(found);
                    }
                }
            }
            if done {
                return Ok(found);
            }
        }
    }
}

#[async_trait]
impl TokenStore for CassandraStore {
    async fn issue(&self, request: IssueRequest) -> StoreResult<IssueOutcome> {
        self.issue_tokens(request).await
    }

    async fn insert_code(&self, code: TokenRecord) -> StoreResult<bool> {
        if code.subject().is_none() || !self.may_issue(&code).await? {
            return Ok(false);
        }
        self.write_tokens(&[&code], code.issued_at, Rows::All).await?;
        Ok(true)
    }

    async fn get_token(&self, id: &TokenId) -> StoreResult<Option<Arc<TokenRecord>>> {
        Ok(self.stored_token(id).await?.map(|s| Arc::new(s.token)))
    }

    async fn revoke_token(&self, id: &TokenId) -> StoreResult<bool> {
        let Some(s) = self.stored_token(id).await? else {
            return Ok(false);
        };
        let cql = "UPDATE tokens USING TTL ? SET state = 'revoked' WHERE id = ? IF state = 'active'";
        self.applied(self.write(cql), (s.ttl, id.to_text())).await
    }

    /// Conditional revocations, listed again until no new token appears: an exchange that
    /// wrote into the lineage before its token was revoked is found by the next listing.
    async fn revoke_grant(&self, grant_id: &TokenId) -> StoreResult<u64> {
        let mut seen = HashSet::new();
        let mut revoked = 0;
        loop {
            let cql = "SELECT id FROM tokens_by_grant WHERE grant_id = ?";
            let ids: Vec<(String,)> = self.rows(self.read(cql), (grant_id.to_text(),)).await?;
            let new: Vec<String> = ids
                .into_iter()
                .map(|(id,)| id)
                .filter(|id| seen.insert(id.clone()))
                .collect();
            if new.is_empty() {
                return Ok(revoked);
            }
            for s in self.tokens_by_ids(&new).await?.values() {
                revoked += u64::from(self.revoke_stored(s).await?);
            }
        }
    }

    async fn revoke_client_tokens(
        &self,
        client_id: &ClientIdRef,
        subject: Option<&str>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        let tenant = self.client_row(client_id.as_str()).await?.map(|c| c.tenant);
        let ids: Vec<String> = match (subject, tenant) {
            (Some(subject), Some(tenant)) => self
                .subject_token_ids(tenant.as_str(), subject, Some(client_id.as_str()))
                .await?
                .into_iter()
                .map(|(_, id)| id)
                .collect(),
            _ => {
                let wanted = |r: &ByClient| subject.is_none_or(|s| r.2.as_deref() == Some(s));
                let found = self
                    .client_tokens(client_id.as_str(), None, usize::MAX, now, wanted)
                    .await?;
                found.iter().map(|t| t.id.to_text()).collect()
            }
        };
        self.revoke_usable(&ids, now).await
    }

    async fn list_tokens(&self, query: &TokenQuery) -> StoreResult<Vec<Arc<TokenRecord>>> {
        let wanted = |r: &ByClient| {
            let kind = r.1.as_deref().and_then(TokenKind::parse);
            kind.is_some_and(|k| k != TokenKind::Code && query.kind.is_none_or(|q| q == k))
                && query.subject.as_deref().is_none_or(|s| r.2.as_deref() == Some(s))
        };
        let after = query.after.map(|id| id.to_text());
        let found = self
            .client_tokens(query.client_id.as_str(), after, query.limit, query.now, wanted)
            .await?;
        Ok(found.into_iter().map(Arc::new).collect())
    }

    async fn count_active_access(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<u64> {
        let access = |r: &ByClient| r.1.as_deref() == Some(TokenKind::Access.as_str());
        let found = self
            .client_tokens(client_id.as_str(), None, usize::MAX, now, access)
            .await?;
        Ok(found.len() as u64)
    }

    /// The record is written again whole, with the TTL of its new expiry (a cell keeps the TTL
    /// it was written with), index rows too.
    async fn update_token(
        &self,
        id: &TokenId,
        patch: TokenPatch,
        now: UnixTime,
    ) -> StoreResult<Option<Arc<TokenRecord>>> {
        let Some(s) = self.serial_token(id).await? else {
            return Ok(None);
        };
        let mut token = s.token;
        if !token.is_active(now) {
            return Ok(None);
        }
        patch.apply(&mut token);
        if !self.update_active(&token, now).await? {
            return Ok(None);
        }
        self.write_tokens(&[&token], now, Rows::Index).await?;
        Ok(Some(Arc::new(token)))
    }

    async fn authorizations(
        &self,
        tenant: &TenantIdRef,
        subject: &str,
        now: UnixTime,
    ) -> StoreResult<Vec<Authorization>> {
        let ids = self.subject_token_ids(tenant.as_str(), subject, None).await?;
        let ids: Vec<String> = ids.into_iter().map(|(_, id)| id).collect();
        let found = self.tokens_by_ids(&ids).await?;
        let usable = found.values().map(|s| &s.token).filter(|t| t.is_active(now));
        Ok(crate::store::grouped_authorizations::group(usable))
    }

    async fn set_pair_scopes(
        &self,
        client_id: &ClientIdRef,
        subject: &str,
        scopes: Arc<[String]>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        let Some(client) = self.client_row(client_id.as_str()).await? else {
            return Ok(0);
        };
        let ids = self
            .subject_token_ids(client.tenant.as_str(), subject, Some(client_id.as_str()))
            .await?;
        let ids: Vec<String> = ids.into_iter().map(|(_, id)| id).collect();
        let mut changed = 0;
        for s in self.tokens_by_ids(&ids).await?.values() {
            if s.token.is_active(now) {
                let cql = "UPDATE tokens USING TTL ? SET scopes = ? WHERE id = ?";
                let values = (s.ttl, super::cql::json(&*scopes), s.token.id.to_text());
                self.run(self.write(cql), values).await?;
                changed += 1;
            }
        }
        Ok(changed)
    }
}
