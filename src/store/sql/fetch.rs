//! Reading one client or tenant as the database has it now (the caching decorator,
//! `store::cached`, keeps each node's copies).

use super::rows::{self, CLIENT_COLUMNS};
use super::{db_err, SqlStore};
use crate::model::{Client, Tenant};
use crate::store::StoreResult;
use std::sync::Arc;

impl SqlStore {
    pub(super) async fn tenant_exists(&self, id: &str) -> StoreResult<bool> {
        Ok(self.fetch_tenant(id).await?.is_some())
    }

    /// The tenant as the database has it now.
    pub(super) async fn fetch_tenant(&self, id: &str) -> StoreResult<Option<Arc<Tenant>>> {
        let row = sqlx::query(&self.sql("SELECT id, name, settings FROM tenants WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| rows::tenant(&r).map(Arc::new)).transpose()
    }

    /// The client as the database has it now.
    pub(super) async fn fetch_client(&self, client_id: &str) -> StoreResult<Option<Arc<Client>>> {
        let sql = self
            .dialect
            .sql_owned(&format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id = ?"));
        let row = sqlx::query(&sql)
            .bind(client_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| rows::client(&r).map(Arc::new)).transpose()
    }
}
