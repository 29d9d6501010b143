//! Users, one partition per tenant clustered by username (inherent methods until the whole
//! `Store` exists). Revoking a disabled or deleted user's tokens comes with the token tables.

use super::cql::{id, json, parse};
use super::schema::CassandraStore;
use crate::model::{TenantIdRef, User, UsernameRef};
use crate::store::{StoreError, StoreResult};
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
    pub async fn create_user(&self, u: User) -> StoreResult<()> {
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

    pub async fn get_user(&self, tenant: &TenantIdRef, username: &UsernameRef) -> StoreResult<Option<Arc<User>>> {
        let cql = format!("{SELECT} WHERE tenant = ? AND username = ?");
        let found: Vec<UserRow> = self
            .rows(self.read(cql), (tenant.to_string(), username.to_string()))
            .await?;
        found.into_iter().next().map(|row| user(row).map(Arc::new)).transpose()
    }

    /// A tenant's users in username order (the partition's clustering order).
    pub async fn list_users(&self, tenant: &TenantIdRef) -> StoreResult<Vec<Arc<User>>> {
        let found: Vec<UserRow> = self
            .rows(self.read(format!("{SELECT} WHERE tenant = ?")), (tenant.to_string(),))
            .await?;
        found.into_iter().map(|row| user(row).map(Arc::new)).collect()
    }

    /// Replaces the user; `Ok(false)` if it does not exist.
    pub async fn update_user(&self, u: User) -> StoreResult<bool> {
        let cql = "UPDATE users SET password_hash = ?, authorities = ?, enabled = ? \
                   WHERE tenant = ? AND username = ? IF EXISTS";
        let values = (
            u.password_hash,
            json(&u.authorities),
            u.enabled,
            u.tenant.to_string(),
            u.username.to_string(),
        );
        self.applied(self.write(cql), values).await
    }

    pub async fn delete_user(&self, tenant: &TenantIdRef, username: &UsernameRef) -> StoreResult<bool> {
        let cql = "DELETE FROM users WHERE tenant = ? AND username = ? IF EXISTS";
        self.applied(self.write(cql), (tenant.to_string(), username.to_string()))
            .await
    }
}
