//! Constrained issuance on a server database: under the client's row lock (and the user's, for a
//! user token) the inputs of `model::issuance::decide` are read and its answer applied, with the
//! refresh rotation, in one transaction.

use super::inserts::insert_tokens;
use super::rows::{self, json, subject_column, TOKEN_COLUMNS, USABLE};
use super::{db_err, SqlStore};
use crate::model::issuance::{decide, Ask, Candidates, Decision, Limit};
use crate::model::TokenRecord;
use crate::store::{IssueOutcome, IssueRequest, StoreResult};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::sync::Arc;

impl SqlStore {
    pub(super) async fn issue_locked(&self, req: &IssueRequest) -> StoreResult<IssueOutcome> {
        let d = self.dialect;
        let now = req.now;
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Every node serializes constrained issuance for a client on its row.
        let locked = sqlx::query(&d.sql("SELECT client_id FROM clients WHERE client_id = ? FOR UPDATE"))
            .bind(req.access.client_id().to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        let user_ok = match req.access.subject() {
            None => true,
            // Locked like `update_user` locks it, so a disable cannot slip between check and insert.
            Some(subject) => {
                let sql = d.sql("SELECT enabled FROM users WHERE tenant = ? AND username = ? FOR UPDATE");
                let user = sqlx::query(&sql)
                    .bind(req.access.tenant().to_string())
                    .bind(subject.to_string())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                match user {
                    Some(row) => row.try_get::<i64, _>(0).map_err(db_err)? != 0,
                    None => false,
                }
            }
        };
        if locked.is_none() || !user_ok {
            tx.rollback().await.map_err(db_err)?;
            return Ok(IssueOutcome::Gone);
        }
        if let Some(consume) = req.consume {
            if let Err(used_at) = super::consume::take(&mut tx, d, consume, now).await? {
                tx.rollback().await.map_err(db_err)?;
                return Ok(IssueOutcome::ConsumedAlready { used_at });
            }
        }
        let client_id = req.access.client_id().to_string();
        let subject = subject_column(req.access.subject()).to_string();
        // The tokens the policy looks at: a few at most (one active token per key or subject).
        let same_key = match Candidates::of(req.policy) {
            Candidates::None => None,
            Candidates::SameSubject => Some(false),
            Candidates::SameKey => Some(true),
        };
        let mut candidates = Vec::new();
        if let Some(same_key) = same_key {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens WHERE client_id = ? AND kind = 'access' AND subject = ? AND {USABLE}{}",
                if same_key { " AND scopes = ?" } else { "" }
            );
            let sql = d.sql_owned(&sql);
            let mut query = sqlx::query(&sql).bind(&client_id).bind(&subject).bind(now);
            if same_key {
                query = query.bind(json(req.access.scopes()));
            }
            for row in query.fetch_all(&mut *tx).await.map_err(db_err)? {
                candidates.push(rows::token(&row)?);
            }
        }
        let limit = match req.max_active {
            None => None,
            Some(max) => {
                let sql = format!(
                    "SELECT COUNT(*), MIN(expires_at) FROM tokens WHERE client_id = ? AND kind = 'access' AND {USABLE}"
                );
                let row: AnyRow = sqlx::query(&d.sql_owned(&sql))
                    .bind(&client_id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let active: i64 = row.try_get(0).map_err(db_err)?;
                let earliest_expiry: Option<i64> = row.try_get(1).map_err(db_err)?;
                Some(Limit {
                    max,
                    active: active.max(0) as u64,
                    earliest_expiry,
                })
            }
        };
        let ask = Ask {
            access: &req.access,
            policy: req.policy,
            exchange: req.consume.is_some(),
            now,
        };
        let replaced = match decide(ask, &candidates, limit) {
            Decision::Reuse(access) => {
                let sql = format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens WHERE grant_id = ? AND kind = 'refresh' AND {USABLE} LIMIT 1"
                );
                let refresh = sqlx::query(&d.sql_owned(&sql))
                    .bind(access.grant_id.to_text())
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .map(|r| rows::token(&r))
                    .transpose()?;
                // Release the client's row lock now, not when the pool next uses this connection.
                tx.rollback().await.map_err(db_err)?;
                return Ok(IssueOutcome::Reused {
                    access: Arc::new(access.clone()),
                    refresh: refresh.map(Into::into),
                });
            }
            Decision::Refused { earliest_expiry } => {
                tx.rollback().await.map_err(db_err)?;
                return Ok(IssueOutcome::LimitReached { earliest_expiry });
            }
            Decision::Issue { revoke } => revoke,
        };
        for id in &replaced {
            sqlx::query(&d.sql("UPDATE tokens SET state = 'revoked' WHERE id = ?"))
                .bind(id.to_text())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let rows: Vec<&TokenRecord> = std::iter::once(&req.access).chain(req.refresh.as_ref()).collect();
        insert_tokens(&mut *tx, d, &rows).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(IssueOutcome::Issued)
    }
}
