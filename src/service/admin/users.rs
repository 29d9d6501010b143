//! Admin operations on users: Argon2id passwords; disabling or deleting revokes their tokens [W].

use super::validate;
use super::{Access, AdminError, AdminResult, Area, Principal};
use crate::model::{TenantIdRef, User, Username, UsernameRef};
use crate::secret::Secret;
use crate::service::{passwords, Service};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: Username,
    /// Stored as Argon2id; never shown again.
    #[schema(value_type = String, format = Password, write_only, min_length = 1)]
    pub password: Secret<String>,
    #[serde(default)]
    #[schema(pattern = r"^[^\s\x00-\x1F\x7F-\x9F]{1,200}$")]
    pub authorities: Vec<String>,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// Absent fields stay as they are; disabling revokes the user's tokens.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(value_type = Option<String>, format = Password, write_only, min_length = 1)]
    pub password: Option<Secret<String>>,
    #[schema(pattern = r"^[^\s\x00-\x1F\x7F-\x9F]{1,200}$")]
    pub authorities: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UserView {
    pub username: String,
    pub tenant: String,
    pub authorities: Vec<String>,
    pub enabled: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            username: u.username.to_string(),
            tenant: u.tenant.to_string(),
            authorities: u.authorities.clone(),
            enabled: u.enabled,
        }
    }
}

async fn hash(password: Secret<String>) -> AdminResult<String> {
    passwords::hash(password).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        AdminError::Internal
    })
}

impl Service {
    async fn tenant_user(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        username: &UsernameRef,
        access: Access,
    ) -> AdminResult<User> {
        who.require(tenant, Area::Users, access)?;
        let user = match self.store.get_user(tenant, username).await? {
            Some(u) => User::clone(&u),
            None => return Err(AdminError::NotFound("user")),
        };
        // Changing a user's password, state or authorities is as strong as holding its authorities.
        if access == Access::Update {
            who.require_grantable(&user.authorities)?;
        }
        Ok(user)
    }

    pub async fn create_user(&self, who: &Principal, tenant: &TenantIdRef, new: NewUser) -> AdminResult<UserView> {
        who.require(tenant, Area::Users, Access::Update)?;
        validate::password("password", new.password.expose())?;
        validate::authorities("authorities", &new.authorities)?;
        who.require_grantable(&new.authorities)?;
        self.existing_tenant(tenant).await?;
        let user = User {
            tenant: tenant.to_owned(),
            username: new.username,
            password_hash: hash(new.password).await?,
            authorities: new.authorities,
            enabled: new.enabled,
        };
        self.store.create_user(user.clone()).await?;
        Ok(UserView::from(&user))
    }

    pub async fn list_users(&self, who: &Principal, tenant: &TenantIdRef) -> AdminResult<Vec<UserView>> {
        who.require(tenant, Area::Users, Access::Read)?;
        self.existing_tenant(tenant).await?;
        Ok(self
            .store
            .list_users(tenant)
            .await?
            .iter()
            .map(|u| UserView::from(&**u))
            .collect())
    }

    pub async fn get_user(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        username: &UsernameRef,
    ) -> AdminResult<UserView> {
        Ok(UserView::from(
            &self.tenant_user(who, tenant, username, Access::Read).await?,
        ))
    }

    /// Disabling a user revokes its tokens in the same store operation.
    pub async fn update_user(
        &self,
        who: &Principal,
        tenant: &TenantIdRef,
        username: &UsernameRef,
        change: UserPatch,
    ) -> AdminResult<UserView> {
        let mut user = self.tenant_user(who, tenant, username, Access::Update).await?;
        if let Some(authorities) = change.authorities {
            validate::authorities("authorities", &authorities)?;
            who.require_grantable(authorities.iter().filter(|a| !user.authorities.contains(a)))?;
            user.authorities = authorities;
        }
        if let Some(enabled) = change.enabled {
            user.enabled = enabled;
        }
        if let Some(password) = change.password {
            validate::password("password", password.expose())?;
            user.password_hash = hash(password).await?;
        }
        if !self.store.update_user(user.clone(), self.clock.now()).await? {
            return Err(AdminError::NotFound("user"));
        }
        Ok(UserView::from(&user))
    }

    pub async fn delete_user(&self, who: &Principal, tenant: &TenantIdRef, username: &UsernameRef) -> AdminResult<()> {
        self.tenant_user(who, tenant, username, Access::Update).await?;
        if self.store.delete_user(tenant, username, self.clock.now()).await? {
            Ok(())
        } else {
            Err(AdminError::NotFound("user"))
        }
    }
}
