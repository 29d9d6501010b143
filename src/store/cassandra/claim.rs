//! Exact issuance's reads and writes around `decide`: the held tokens that the client's
//! `client_issuance` partition does not list, the conditional batch that claims a slot, and
//! what a decision hands back or ends.

use super::schema::CassandraStore;
use crate::clock::UnixTime;
use crate::model::{TokenId, TokenKind, TokenPolicy, TokenRecord, TokenState};
use crate::store::{IssueRequest, StoreResult};
use scylla::serialize::row::SerializeRow;
use scylla::statement::batch::{Batch, BatchType};
use std::sync::Arc;

impl CassandraStore {
    /// The ids of access tokens the client's partition may not list (issued while the client had
    /// no limit or policy), which the decision counts too: the subject's for a policy, every one
    /// for a limit.
    pub(super) async fn held_outside(&self, req: &IssueRequest) -> StoreResult<Vec<String>> {
        let (client_id, access) = (req.access.client_id(), &req.access);
        let is_access = |kind: &Option<String>| kind.as_deref() == Some(TokenKind::Access.as_str());
        let found = match (req.max_active, access.subject(), req.policy) {
            (None, _, TokenPolicy::Multi) => return Ok(Vec::new()),
            (None, Some(subject), _) => {
                let ids = self
                    .subject_token_ids(access.tenant(), subject, Some(client_id))
                    .await?;
                return Ok(ids.into_iter().map(|(_, id)| id).collect());
            }
            (None, None, _) => {
                let app = |r: &(String, Option<String>, Option<String>, Option<i64>)| is_access(&r.1) && r.2.is_none();
                self.client_tokens(client_id, None, usize::MAX, req.now, app).await?
            }
            (Some(_), _, _) => {
                let any = |r: &(String, Option<String>, Option<String>, Option<i64>)| is_access(&r.1);
                self.client_tokens(client_id, None, usize::MAX, req.now, any).await?
            }
        };
        Ok(found.iter().map(|t| t.id.to_text()).collect())
    }

    /// The conditional batch: the version moves on from `version`, the new access token takes
    /// its row, the replaced and stale rows go. Whether it applied.
    pub(super) async fn claim(
        &self,
        client_id: &str,
        version: Option<i64>,
        access: &TokenRecord,
        gone: impl Iterator<Item = TokenId>,
        now: UnixTime,
    ) -> StoreResult<bool> {
        let mut batch = Batch::new(BatchType::Logged);
        batch.set_consistency(self.options.write_consistency);
        batch.set_serial_consistency(Some(scylla::statement::SerialConsistency::LocalSerial));
        let mut values: Vec<Box<dyn SerializeRow + Send + Sync>> = Vec::new();
        batch.append_statement("UPDATE client_issuance SET version = ? WHERE client_id = ? IF version = ?");
        values.push(Box::new((version.unwrap_or(0) + 1, client_id.to_string(), version)));
        batch.append_statement(
            "INSERT INTO client_issuance (client_id, id, subject, scopes, expires_at) VALUES (?, ?, ?, ?, ?) USING TTL ?",
        );
        values.push(Box::new((
            client_id.to_string(),
            access.id.to_text(),
            access.subject().map(str::to_string),
            super::cql::json(&**access.scopes()),
            access.expires_at(),
            self.ttl(access, now),
        )));
        for id in gone {
            batch.append_statement("DELETE FROM client_issuance WHERE client_id = ? AND id = ?");
            values.push(Box::new((client_id.to_string(), id.to_text())));
        }
        let result = self
            .session
            .batch(&batch, values)
            .await
            .map_err(super::schema::db_err)?;
        let rows = result.into_rows_result().map_err(super::schema::db_err)?;
        let first = rows
            .rows::<scylla::value::Row>()
            .map_err(|e| super::cql::corrupt("[applied]", e))?
            .next();
        match first
            .and_then(Result::ok)
            .and_then(|r| r.columns.into_iter().next().flatten())
        {
            Some(scylla::value::CqlValue::Boolean(applied)) => Ok(applied),
            _ => Err(super::cql::corrupt(
                "[applied]",
                "missing from a conditional batch's answer",
            )),
        }
    }

    /// Marks the tokens a new one replaced revoked.
    pub(super) async fn revoke_replaced(&self, ids: &[TokenId]) -> StoreResult<()> {
        let ids: Vec<String> = ids.iter().map(|id| id.to_text()).collect();
        for s in self.tokens_by_ids(&ids).await?.values() {
            self.set_state(s, TokenState::Revoked).await?;
        }
        Ok(())
    }

    /// The usable refresh token of a grant, if any.
    pub(super) async fn refresh_of(&self, grant_id: &TokenId, now: UnixTime) -> StoreResult<Option<Arc<TokenRecord>>> {
        let cql = "SELECT id FROM tokens_by_grant WHERE grant_id = ?";
        let ids: Vec<(String,)> = self.rows(self.read(cql), (grant_id.to_text(),)).await?;
        let ids: Vec<String> = ids.into_iter().map(|(id,)| id).collect();
        let mut found: Vec<TokenRecord> = self
            .tokens_by_ids(&ids)
            .await?
            .into_values()
            .map(|s| s.token)
            .filter(|t| t.kind == TokenKind::Refresh && t.is_active(now))
            .collect();
        found.sort_by_key(|t| t.id);
        Ok(found.into_iter().next().map(Arc::new))
    }
}
