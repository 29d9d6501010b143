//! The authorization-code flow's rows on a server database: remembered consents and codes.

use super::inserts::insert_tokens;
use super::rows::{self, json};
use super::{db_err, SqlStore};
use crate::model::{scope_set, Consent, TokenRecord};
use crate::store::{ConsentStore, StoreError, StoreResult};
use async_trait::async_trait;
use sqlx::Row;

impl SqlStore {
    /// [`crate::store::TokenStore::insert_code`].
    pub(super) async fn store_code(&self, code: TokenRecord) -> StoreResult<bool> {
        let client = sqlx::query(&self.sql("SELECT client_id FROM clients WHERE client_id = ?"))
            .bind(code.client_id().to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let Some(subject) = code.subject() else {
            return Ok(false);
        };
        let user = sqlx::query(&self.sql("SELECT enabled FROM users WHERE tenant = ? AND username = ?"))
            .bind(code.tenant().to_string())
            .bind(subject.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let enabled = match user {
            Some(row) => row.try_get::<i64, _>(0).map_err(db_err)? != 0,
            None => false,
        };
        if client.is_none() || !enabled {
            return Ok(false);
        }
        // The exchange re-checks client and user under their row locks, so no lock is needed here.
        insert_tokens(&self.pool, self.dialect, &[&code]).await?;
        Ok(true)
    }
}

const CONSENT_COLUMNS: &str = "client_id, subject, tenant, scopes, granted_at";

#[async_trait]
impl ConsentStore for SqlStore {
    async fn get_consent(&self, client_id: &crate::model::ClientIdRef, subject: &str) -> StoreResult<Option<Consent>> {
        let sql = format!("SELECT {CONSENT_COLUMNS} FROM consents WHERE client_id = ? AND subject = ?");
        let row = sqlx::query(&self.dialect.sql_owned(&sql))
            .bind(client_id.to_string())
            .bind(subject.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| rows::consent(&r)).transpose()
    }

    async fn grant_consent(&self, mut consent: Consent) -> StoreResult<Consent> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // The client's row lock orders concurrent Allows for it (their scopes add up, no
        // dialect-specific upsert) and keeps a concurrent client delete from leaving an orphan;
        // the user's row lock does the same for a user delete or disable.
        let client = sqlx::query(&self.sql("SELECT client_id FROM clients WHERE client_id = ? FOR UPDATE"))
            .bind(String::from(consent.client_id.clone()))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if client.is_none() {
            tx.rollback().await.map_err(db_err)?;
            return Err(StoreError::Missing("client"));
        }
        let user = sqlx::query(&self.sql("SELECT enabled FROM users WHERE tenant = ? AND username = ? FOR UPDATE"))
            .bind(String::from(consent.tenant.clone()))
            .bind(consent.subject.clone())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        let enabled = match user {
            Some(row) => sqlx::Row::try_get::<i64, _>(&row, 0).map_err(db_err)? != 0,
            None => false,
        };
        if !enabled {
            tx.rollback().await.map_err(db_err)?;
            return Err(StoreError::Missing("user"));
        }
        let sql = format!("SELECT {CONSENT_COLUMNS} FROM consents WHERE client_id = ? AND subject = ?");
        let before = sqlx::query(&self.dialect.sql_owned(&sql))
            .bind(String::from(consent.client_id.clone()))
            .bind(consent.subject.clone())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if let Some(row) = before {
            let before = rows::consent(&row)?;
            consent.scopes = scope_set(before.scopes.into_iter().chain(consent.scopes));
            sqlx::query(&self.sql("DELETE FROM consents WHERE client_id = ? AND subject = ?"))
                .bind(String::from(consent.client_id.clone()))
                .bind(consent.subject.clone())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let sql = "INSERT INTO consents (client_id, subject, tenant, scopes, granted_at) VALUES (?, ?, ?, ?, ?)";
        sqlx::query(&self.sql(sql))
            .bind(String::from(consent.client_id.clone()))
            .bind(consent.subject.clone())
            .bind(String::from(consent.tenant.clone()))
            .bind(json(&consent.scopes))
            .bind(consent.granted_at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(consent)
    }

    async fn delete_consent(&self, client_id: &crate::model::ClientIdRef, subject: &str) -> StoreResult<bool> {
        let gone = sqlx::query(&self.sql("DELETE FROM consents WHERE client_id = ? AND subject = ?"))
            .bind(client_id.to_string())
            .bind(subject.to_string())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(gone.rows_affected() > 0)
    }

    async fn consents_of(&self, tenant: &crate::model::TenantIdRef, subject: &str) -> StoreResult<Vec<Consent>> {
        let sql = format!("SELECT {CONSENT_COLUMNS} FROM consents WHERE tenant = ? AND subject = ? ORDER BY client_id");
        let found = sqlx::query(&self.dialect.sql_owned(&sql))
            .bind(tenant.to_string())
            .bind(subject.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        found.iter().map(rows::consent).collect()
    }
}
