//! Users on a server database; disabling or deleting one revokes its tokens in the same
//! transaction.

use super::entities::conflict_or;
use super::rows::{self, json, USABLE};
use super::{db_err, SqlStore};
use crate::clock::UnixTime;
use crate::model::User;
use crate::store::*;

impl SqlStore {
    async fn revoke_user_tokens(
        &self,
        tx: &mut sqlx::AnyConnection,
        tenant: &str,
        username: &str,
        now: UnixTime,
    ) -> StoreResult<()> {
        let sql = self.dialect.sql_owned(&format!(
            "UPDATE tokens SET state = 'revoked' WHERE tenant = ? AND subject = ? AND {USABLE}"
        ));
        sqlx::query(&sql)
            .bind(tenant.to_string())
            .bind(username.to_string())
            .bind(now)
            .execute(tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, u: User) -> StoreResult<()> {
        if !self.tenant_exists(&u.tenant).await? {
            return Err(StoreError::Missing("tenant"));
        }
        let sql = "INSERT INTO users (tenant, username, password_hash, authorities, enabled) VALUES (?, ?, ?, ?, ?)";
        sqlx::query(&self.sql(sql))
            .bind(String::from(u.tenant))
            .bind(String::from(u.username))
            .bind(u.password_hash)
            .bind(json(&u.authorities))
            .bind(i64::from(u.enabled))
            .execute(&self.pool)
            .await
            .map_err(|e| conflict_or(e, "user"))?;
        Ok(())
    }

    async fn get_user(&self, tenant: &TenantIdRef, username: &UsernameRef) -> StoreResult<Option<Arc<User>>> {
        let sql =
            "SELECT tenant, username, password_hash, authorities, enabled FROM users WHERE tenant = ? AND username = ?";
        let row = sqlx::query(&self.sql(sql))
            .bind(tenant.to_string())
            .bind(username.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| rows::user(&r).map(Arc::new)).transpose()
    }

    async fn list_users(&self, tenant: &TenantIdRef) -> StoreResult<Vec<Arc<User>>> {
        let sql = "SELECT tenant, username, password_hash, authorities, enabled FROM users WHERE tenant = ? ORDER BY username";
        let found = sqlx::query(&self.sql(sql))
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        found.iter().map(|r| rows::user(r).map(Arc::new)).collect()
    }

    async fn update_user(&self, u: User, now: UnixTime) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let sql = "SELECT enabled FROM users WHERE tenant = ? AND username = ? FOR UPDATE";
        let Some(row) = sqlx::query(&self.sql(sql))
            .bind(String::from(u.tenant.clone()))
            .bind(String::from(u.username.clone()))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
        else {
            tx.rollback().await.map_err(db_err)?;
            return Ok(false);
        };
        let was_enabled = sqlx::Row::try_get::<i64, _>(&row, 0).map_err(db_err)? != 0;
        let sql = "UPDATE users SET password_hash = ?, authorities = ?, enabled = ? WHERE tenant = ? AND username = ?";
        sqlx::query(&self.sql(sql))
            .bind(u.password_hash.clone())
            .bind(json(&u.authorities))
            .bind(i64::from(u.enabled))
            .bind(String::from(u.tenant.clone()))
            .bind(String::from(u.username.clone()))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if was_enabled && !u.enabled {
            self.revoke_user_tokens(&mut tx, &u.tenant, &u.username, now).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn delete_user(&self, tenant: &TenantIdRef, username: &UsernameRef, now: UnixTime) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let gone = sqlx::query(&self.sql("DELETE FROM users WHERE tenant = ? AND username = ?"))
            .bind(tenant.to_string())
            .bind(username.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if gone.rows_affected() > 0 {
            self.revoke_user_tokens(&mut tx, tenant, username, now).await?;
            sqlx::query(&self.sql("DELETE FROM consents WHERE tenant = ? AND subject = ?"))
                .bind(tenant.to_string())
                .bind(username.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(gone.rows_affected() > 0)
    }
}
