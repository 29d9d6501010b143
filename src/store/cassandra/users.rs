//! Users, one partition per tenant clustered by username. Disabling or deleting one revokes its
//! tokens (its `tokens_by_subject` partition); deleting one forgets its consents.

use super::cql::{id, json, parse};
use super::schema::db_err;
use super::schema::CassandraStore;
use crate::clock::UnixTime;
use crate::model::{TenantIdRef, User, UsernameRef};
use crate::store::{StoreError, StoreResult, TenantStore as _, UserStore};
use async_trait::async_trait;
use std::sync::Arc;

type UserRow = (String, String, String, String, bool);

const SELECT: &str = "SELECT tenant, username, password_hash, authorities, enabled FROM users";

fn user((tenant, username, password_hash, authorities, enabled): UserRow) -> StoreResult<User> {
    Ok(User {
        tenant: id("tenant", tenant)?,
        username: id("username", username)?,
        password_hash,
        authorities: parse("authorities", &authorities)?,
        enabled,
    })
}

impl CassandraStore {
    /// Whether the user exists and is enabled (a prepared statement: every user token asks).
    pub(super) async fn user_enabled(&self, tenant: &str, username: &str) -> StoreResult<bool> {
        let result = self
            .session
            .execute_unpaged(&self.prepared.get_user_enabled, (tenant, username))
            .await
            .map_err(db_err)?;
        let rows = result.into_rows_result().map_err(db_err)?;
        let row = rows
            .maybe_first_row::<(Option<bool>,)>()
            .map_err(|e| super::cql::corrupt("row", e))?;
        Ok(matches!(row, Some((Some(true),))))
    }
}

#[async_trait]
impl UserStore for CassandraStore {
    async fn create_user(&self, u: User) -> StoreResult<()> {
        if self.get_tenant(&u.tenant).await?.is_none() {
            return Err(StoreError::Missing("tenant"));
        }
        let cql = "INSERT INTO users (tenant, username, password_hash, authorities, enabled) \
                   VALUES (?, ?, ?, ?, ?) IF NOT EXISTS";
        let values = (
            u.tenant.to_string(),
            u.username.to_string(),
            u.password_hash,
            json(&u.authorities),
            u.enabled,
        );
        match self.applied(self.write(cql), values).await? {
            true => Ok(()),
            false => Err(StoreError::Conflict("user")),
        }
    }

    async fn get_user(&self, tenant: &TenantIdRef, username: &UsernameRef) -> StoreResult<Option<Arc<User>>> {
        let cql = format!("{SELECT} WHERE tenant = ? AND username = ?");
        let found: Vec<UserRow> = self
            .rows(self.read(cql), (tenant.to_string(), username.to_string()))
            .await?;
        found.into_iter().next().map(|row| user(row).map(Arc::new)).transpose()
    }

    /// A tenant's users in username order (the partition's clustering order).
    async fn list_users(&self, tenant: &TenantIdRef) -> StoreResult<Vec<Arc<User>>> {
        let found: Vec<UserRow> = self
            .rows(self.read(format!("{SELECT} WHERE tenant = ?")), (tenant.to_string(),))
            .await?;
        found.into_iter().map(|row| user(row).map(Arc::new)).collect()
    }

    /// Replaces the user; `Ok(false)` if it does not exist. Disabling revokes its tokens.
    async fn update_user(&self, u: User, now: UnixTime) -> StoreResult<bool> {
        let (tenant, username, enabled) = (u.tenant.to_string(), u.username.to_string(), u.enabled);
        let cql = "UPDATE users SET password_hash = ?, authorities = ?, enabled = ? \
                   WHERE tenant = ? AND username = ? IF EXISTS";
        let values = (
            u.password_hash,
            json(&u.authorities),
            u.enabled,
            u.tenant.to_string(),
            u.username.to_string(),
        );
        let updated = self.applied(self.write(cql), values).await?;
        if updated && !enabled {
            self.revoke_subject_tokens(&tenant, &username, now).await?;
        }
        Ok(updated)
    }

    /// Deletes the user, revokes its tokens and forgets its consents.
    async fn delete_user(&self, tenant: &TenantIdRef, username: &UsernameRef, now: UnixTime) -> StoreResult<bool> {
        let cql = "DELETE FROM users WHERE tenant = ? AND username = ? IF EXISTS";
        let (tenant, username) = (tenant.to_string(), username.to_string());
        let gone = self.applied(self.write(cql), (&tenant, &username)).await?;
        if gone {
            self.revoke_subject_tokens(&tenant, &username, now).await?;
            self.forget_consents_of_subject(&tenant, &username).await?;
        }
        Ok(gone)
    }
}
