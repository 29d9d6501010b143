//! Tenants, clients and users on a server database; deletions and disabling revoke tokens in
//! the same transaction.

use super::rows::{self, hex, json, CLIENT_COLUMNS, USABLE};
use super::{db_err, is_unique_violation, SqlStore};
use crate::clock::UnixTime;
use crate::model::{Client, Tenant, User};
use crate::store::*;
use sqlx::any::AnyRow;

fn conflict_or(e: sqlx::Error, what: &'static str) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Conflict(what)
    } else {
        db_err(e)
    }
}

#[async_trait]
impl TenantStore for SqlStore {
    async fn create_tenant(&self, t: Tenant) -> StoreResult<()> {
        sqlx::query(&self.sql("INSERT INTO tenants (id, name, settings) VALUES (?, ?, ?)"))
            .bind(String::from(t.id))
            .bind(t.name)
            .bind(json(&t.settings))
            .execute(&self.pool)
            .await
            .map_err(|e| conflict_or(e, "tenant"))?;
        Ok(())
    }

    async fn get_tenant(&self, id: &TenantIdRef) -> StoreResult<Option<Arc<Tenant>>> {
        self.fetch_tenant(id).await
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let found: Vec<AnyRow> = sqlx::query("SELECT id, name, settings FROM tenants ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        found.iter().map(rows::tenant).collect()
    }

    async fn update_tenant(&self, t: Tenant) -> StoreResult<bool> {
        let exists = self.tenant_exists(&t.id).await?;
        sqlx::query(&self.sql("UPDATE tenants SET name = ?, settings = ? WHERE id = ?"))
            .bind(t.name)
            .bind(json(&t.settings))
            .bind(String::from(t.id))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(exists)
    }

    async fn delete_tenant(&self, id: &TenantIdRef) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for sql in [
            "DELETE FROM tokens WHERE tenant = ?",
            "DELETE FROM consents WHERE tenant = ?",
            "DELETE FROM users WHERE tenant = ?",
            "DELETE FROM clients WHERE tenant = ?",
        ] {
            sqlx::query(&self.sql(sql))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let gone = sqlx::query(&self.sql("DELETE FROM tenants WHERE id = ?"))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(gone.rows_affected() > 0)
    }
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn create_client(&self, c: Client) -> StoreResult<()> {
        if !self.tenant_exists(&c.tenant).await? {
            return Err(StoreError::Missing("tenant"));
        }
        // NULL as a literal: sqlx's Any driver hangs binding NULL on MySQL.
        let secret = if c.secret_hash.is_some() { "?" } else { "NULL" };
        let sql = format!("INSERT INTO clients ({CLIENT_COLUMNS}) VALUES (?, ?, ?, {secret}, ?, ?, ?, ?, ?, ?)");
        let sql = self.dialect.sql_owned(&sql);
        let settings = json(&c.stored_settings());
        let mut query = sqlx::query(&sql)
            .bind(String::from(c.client_id))
            .bind(String::from(c.tenant))
            .bind(c.name);
        if let Some(h) = c.secret_hash {
            query = query.bind(hex(&h));
        }
        query
            .bind(json(&c.grant_types))
            .bind(json(&c.scopes))
            .bind(json(&c.redirect_uris))
            .bind(json(&c.authorities))
            .bind(i64::from(c.public))
            .bind(settings)
            .execute(&self.pool)
            .await
            .map_err(|e| conflict_or(e, "client"))?;
        Ok(())
    }

    async fn get_client(&self, client_id: &ClientIdRef) -> StoreResult<Option<Arc<Client>>> {
        self.fetch_client(client_id).await
    }

    async fn list_clients(&self, tenant: Option<&TenantIdRef>) -> StoreResult<Vec<Arc<Client>>> {
        let found = match tenant {
            Some(tenant) => {
                let sql = self.dialect.sql_owned(&format!(
                    "SELECT {CLIENT_COLUMNS} FROM clients WHERE tenant = ? ORDER BY client_id"
                ));
                sqlx::query(&sql).bind(tenant.to_string()).fetch_all(&self.pool).await
            }
            None => {
                let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients ORDER BY client_id");
                sqlx::query(&sql).fetch_all(&self.pool).await
            }
        }
        .map_err(db_err)?;
        found.iter().map(|r| rows::client(r).map(Arc::new)).collect()
    }

    async fn update_client(&self, c: Client) -> StoreResult<bool> {
        let secret = if c.secret_hash.is_some() { "?" } else { "NULL" };
        let sql = format!(
            "UPDATE clients SET name = ?, secret_hash = {secret}, grant_types = ?, scopes = ?, redirect_uris = ?, \
             authorities = ?, is_public = ?, settings = ? WHERE client_id = ? AND tenant = ?"
        );
        let exists = self
            .fetch_client(&c.client_id)
            .await?
            .is_some_and(|old| old.tenant == c.tenant);
        let sql = self.dialect.sql_owned(&sql);
        let settings = json(&c.stored_settings());
        let mut query = sqlx::query(&sql).bind(c.name);
        if let Some(h) = c.secret_hash {
            query = query.bind(hex(&h));
        }
        query
            .bind(json(&c.grant_types))
            .bind(json(&c.scopes))
            .bind(json(&c.redirect_uris))
            .bind(json(&c.authorities))
            .bind(i64::from(c.public))
            .bind(settings)
            .bind(String::from(c.client_id.clone()))
            .bind(String::from(c.tenant))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(exists)
    }

    async fn delete_client(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let gone = sqlx::query(&self.sql("DELETE FROM clients WHERE client_id = ?"))
            .bind(client_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(&self.sql("DELETE FROM consents WHERE client_id = ?"))
            .bind(client_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let revoke = self.dialect.sql_owned(&format!(
            "UPDATE tokens SET state = 'revoked' WHERE client_id = ? AND {USABLE}"
        ));
        sqlx::query(&revoke)
            .bind(client_id.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(gone.rows_affected() > 0)
    }
}

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
