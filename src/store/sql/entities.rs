//! Tenants and clients on a server database; deletions revoke tokens in the same transaction.

use super::rows::{self, hex, json, CLIENT_COLUMNS, USABLE};
use super::{db_err, is_unique_violation, SqlStore};
use crate::clock::UnixTime;
use crate::model::{Client, Tenant};
use crate::store::*;
use sqlx::any::AnyRow;

pub(super) fn conflict_or(e: sqlx::Error, what: &'static str) -> StoreError {
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
