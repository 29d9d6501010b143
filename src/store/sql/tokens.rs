//! Token operations on a server database: plain issuance through the grouped inserts (the
//! constrained kind is in `issue.rs`), revocation, listing and updates [T].

use super::rows::{self, json, TOKEN_COLUMNS, USABLE};
use super::{db_err, SqlStore};
use crate::clock::UnixTime;
use crate::model::{TokenId, TokenPolicy, TokenRecord};
use crate::store::*;
use sqlx::any::AnyRow;
use sqlx::Row;

impl SqlStore {
    async fn fetch_tokens(
        &self,
        sql: &str,
        binds: impl FnOnce(SqlQuery<'_>) -> SqlQuery<'_>,
    ) -> StoreResult<Vec<TokenRecord>> {
        let sql = self.dialect.sql_owned(sql);
        let rows = binds(sqlx::query(&sql)).fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(rows::token).collect()
    }

    async fn update_count(&self, sql: &str, binds: impl FnOnce(SqlQuery<'_>) -> SqlQuery<'_>) -> StoreResult<u64> {
        let sql = self.dialect.sql_owned(sql);
        let done = binds(sqlx::query(&sql)).execute(&self.pool).await.map_err(db_err)?;
        Ok(done.rows_affected())
    }
}

pub(super) type SqlQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

#[async_trait]
impl TokenStore for SqlStore {
    async fn issue(&self, req: IssueRequest) -> StoreResult<IssueOutcome> {
        // Plain application tokens skip the client's row lock and share multi-row inserts, which
        // share-lock the client row by row instead; user tokens always take the locked path,
        // which also re-checks the user.
        let unconstrained = req.policy == TokenPolicy::Multi
            && req.max_active.is_none()
            && req.consume.is_none()
            && req.access.subject().is_none();
        if unconstrained {
            let mut rows = vec![req.access];
            rows.extend(req.refresh);
            let stored = self.inserts.insert(rows).await?;
            return Ok(if stored {
                IssueOutcome::Issued
            } else {
                IssueOutcome::Gone
            });
        }
        super::deadlock::retrying_deadlocks(|| self.issue_locked(&req)).await
    }

    async fn insert_code(&self, code: TokenRecord) -> StoreResult<bool> {
        self.store_code(code).await
    }

    async fn get_token(&self, id: &TokenId) -> StoreResult<Option<Arc<TokenRecord>>> {
        self.lookups.get(*id).await
    }

    async fn revoke_token(&self, id: &TokenId) -> StoreResult<bool> {
        let sql = "UPDATE tokens SET state = 'revoked' WHERE id = ? AND state = 'active'";
        Ok(self.update_count(sql, |q| q.bind(id.to_text())).await? > 0)
    }

    async fn revoke_grant(&self, grant_id: &TokenId) -> StoreResult<u64> {
        let grant_id = grant_id.to_text();
        super::deadlock::retrying_deadlocks(|| super::consume::revoke_grant(&self.pool, self.dialect, &grant_id)).await
    }

    async fn revoke_client_tokens(
        &self,
        client_id: &ClientIdRef,
        subject: Option<&str>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        let (client_id, subject) = (client_id.to_string(), subject.map(str::to_string));
        match subject {
            Some(subject) => {
                let sql =
                    format!("UPDATE tokens SET state = 'revoked' WHERE client_id = ? AND subject = ? AND {USABLE}");
                self.update_count(&sql, |q| q.bind(client_id).bind(subject).bind(now))
                    .await
            }
            None => {
                let sql = format!("UPDATE tokens SET state = 'revoked' WHERE client_id = ? AND {USABLE}");
                self.update_count(&sql, |q| q.bind(client_id).bind(now)).await
            }
        }
    }

    async fn list_tokens(&self, query: &TokenQuery) -> StoreResult<Vec<Arc<TokenRecord>>> {
        let mut sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE client_id = ? AND kind <> 'code' AND {USABLE}");
        if query.kind.is_some() {
            sql.push_str(" AND kind = ?");
        }
        if query.subject.is_some() {
            sql.push_str(" AND subject = ?");
        }
        if query.after.is_some() {
            sql.push_str(" AND id > ?");
        }
        sql.push_str(" ORDER BY id LIMIT ?");
        let found = self
            .fetch_tokens(&sql, |mut q| {
                q = q.bind(String::from(query.client_id.clone())).bind(query.now);
                if let Some(kind) = query.kind {
                    q = q.bind(kind.as_str());
                }
                if let Some(subject) = &query.subject {
                    q = q.bind(subject.clone());
                }
                if let Some(after) = query.after {
                    q = q.bind(after.to_text());
                }
                q.bind(query.limit as i64)
            })
            .await?;
        Ok(found.into_iter().map(Arc::new).collect())
    }

    async fn count_active_access(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<u64> {
        let sql = self.dialect.sql_owned(&format!(
            "SELECT COUNT(*) FROM tokens WHERE client_id = ? AND kind = 'access' AND {USABLE}"
        ));
        let row: AnyRow = sqlx::query(&sql)
            .bind(client_id.to_string())
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(row.try_get::<i64, _>(0).map_err(db_err)? as u64)
    }

    async fn update_token(
        &self,
        id: &TokenId,
        patch: TokenPatch,
        now: UnixTime,
    ) -> StoreResult<Option<Arc<TokenRecord>>> {
        let d = self.dialect;
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let sql = d.sql_owned(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ? FOR UPDATE"));
        let found = sqlx::query(&sql)
            .bind(id.to_text())
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        let Some(row) = found.into_iter().next() else {
            tx.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        let mut token = rows::token(&row)?;
        if !token.is_active(now) {
            tx.rollback().await.map_err(db_err)?;
            return Ok(None);
        }
        patch.apply(&mut token);
        // NULLs as literals: sqlx's Any driver hangs binding NULL on MySQL.
        let sql = format!(
            "UPDATE tokens SET scopes = ?, expires_at = {}, properties = {} WHERE id = ?",
            if token.expires_at().is_some() { "?" } else { "NULL" },
            if token.properties.is_some() { "?" } else { "NULL" },
        );
        let sql = d.sql_owned(&sql);
        let mut query = sqlx::query(&sql).bind(json(token.scopes()));
        if let Some(exp) = token.expires_at() {
            query = query.bind(exp);
        }
        if let Some(p) = &token.properties {
            query = query.bind(json(&**p));
        }
        query.bind(id.to_text()).execute(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(Arc::new(token)))
    }

    async fn authorizations(
        &self,
        tenant: &TenantIdRef,
        subject: &str,
        now: UnixTime,
    ) -> StoreResult<Vec<Authorization>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant = ? AND subject = ? AND kind <> 'code' AND {USABLE}"
        );
        let (tenant, subject) = (tenant.to_string(), subject.to_string());
        let found = self
            .fetch_tokens(&sql, |q| q.bind(tenant).bind(subject).bind(now))
            .await?;
        Ok(crate::store::grouped_authorizations::group(&found))
    }

    async fn set_pair_scopes(
        &self,
        client_id: &ClientIdRef,
        subject: &str,
        scopes: Arc<[String]>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        let sql = format!("UPDATE tokens SET scopes = ? WHERE client_id = ? AND subject = ? AND {USABLE}");
        let (client_id, subject) = (client_id.to_string(), subject.to_string());
        // MySQL reports changed rows only: count the pair's usable tokens rather than trust it.
        let before = self
            .fetch_tokens(
                &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE client_id = ? AND subject = ? AND {USABLE}"),
                |q| q.bind(client_id.clone()).bind(subject.clone()).bind(now),
            )
            .await?
            .len() as u64;
        self.update_count(&sql, |q| q.bind(json(&*scopes)).bind(client_id).bind(subject).bind(now))
            .await?;
        Ok(before)
    }
}
