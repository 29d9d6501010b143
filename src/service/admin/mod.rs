//! The admin API's rules: who may do what (roles and authorities [R]) and the errors it answers.

pub mod app_tokens;
pub mod authorizations;
pub mod backup;
pub mod clients;
pub mod operations;
pub mod signing_keys;
pub mod tenants;
pub mod token_update;
pub mod tokens;
pub mod users;
pub(crate) mod validate;

use super::Service;
use crate::model::{TokenKind, SYSTEM_TENANT};
use crate::store::StoreError;
use std::sync::Arc;

pub use validate::Patch;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// 401: no bearer token at all (no `Authorization`, or another scheme).
    #[error("missing or invalid bearer token")]
    NoToken,
    /// 401: a bearer token that is not a live access token (forged, expired, revoked, a refresh
    /// token, or its user or client is gone).
    #[error("missing or invalid bearer token")]
    InvalidToken,
    /// 403: the token is good but its authorities do not cover the operation.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The store cannot serve right now: 503 with `Retry-After`.
    #[error("the server cannot reach its store right now; retry shortly")]
    Unavailable,
    /// A change to something that has ended: a token expired, revoked or used stays so.
    #[error("the {0} is no longer active (expired, revoked or used) and cannot be changed")]
    NotActive(&'static str),
    /// 429 with `Retry-After`: the client holds its limit of active access tokens; the same
    /// error the token endpoint answers.
    #[error("the client already holds its limit of {limit} active access tokens")]
    TooManyActiveTokens { retry_after: Option<u64>, limit: u32 },
    #[error("the server could not complete the request")]
    Internal,
}

impl AdminError {
    /// The table: each error's code and HTTP status, a row each (the text is its `#[error]`).
    fn row(&self) -> (&'static str, u16) {
        match self {
            AdminError::NoToken | AdminError::InvalidToken => ("unauthorized", 401),
            AdminError::Forbidden(_) => ("forbidden", 403),
            AdminError::NotFound(_) => ("not_found", 404),
            AdminError::Invalid(_) => ("invalid_request", 400),
            AdminError::Conflict(_) | AdminError::NotActive(_) => ("conflict", 409),
            AdminError::Unavailable => ("temporarily_unavailable", 503),
            AdminError::TooManyActiveTokens { .. } => ("too_many_active_tokens", 429),
            AdminError::Internal => ("server_error", 500),
        }
    }

    pub fn code(&self) -> &'static str {
        self.row().0
    }

    pub fn status(&self) -> u16 {
        self.row().1
    }
}

/// The store logged the failure with its operation (`store::metered`); this only picks the answer.
impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => AdminError::Conflict(what),
            StoreError::Missing(what) => AdminError::NotFound(what),
            StoreError::Unreachable(_) | StoreError::Unavailable(_) | StoreError::Deadlock(_) => {
                AdminError::Unavailable
            }
            StoreError::Corrupt(_) => AdminError::Internal,
        }
    }
}

pub type AdminResult<T> = Result<T, AdminError>;

/// What part of a tenant an authority covers [R].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The tenant's own settings: `Auth.Customer:READ|UPDATE`.
    Settings,
    Clients,
    Users,
    Tokens,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Update,
}

pub const ROLE_ADMIN: &str = "ROLE_ADMIN";
pub const ROLE_ADMIN_CUSTOMER: &str = "ROLE_ADMIN_CUSTOMER";

/// Who is calling the admin API, from their bearer token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: Arc<str>,
    pub authorities: Arc<[String]>,
}

impl Principal {
    fn has(&self, authority: &str) -> bool {
        self.authorities.iter().any(|a| a == authority)
    }

    /// `ROLE_ADMIN` counts only in tenant `system`.
    pub fn is_server_admin(&self) -> bool {
        &*self.tenant == SYSTEM_TENANT && self.has(ROLE_ADMIN)
    }

    pub fn may(&self, tenant: &str, area: Area, access: Access) -> bool {
        if self.is_server_admin() {
            return true;
        }
        if *self.tenant != *tenant {
            return false;
        }
        if self.has(ROLE_ADMIN_CUSTOMER) {
            return true;
        }
        let base = match area {
            Area::Settings => "Auth.Customer",
            Area::Clients => "Auth.Customer.Clients",
            Area::Users => "Auth.Customer.Users",
            Area::Tokens => "Auth.Customer.Tokens",
        };
        let update = format!("{base}:UPDATE");
        self.has(&update) || (access == Access::Read && self.has(&format!("{base}:READ")))
    }

    pub fn require(&self, tenant: &str, area: Area, access: Access) -> AdminResult<()> {
        if self.may(tenant, area, access) {
            Ok(())
        } else {
            Err(AdminError::Forbidden(
                "the token does not grant this operation on this tenant",
            ))
        }
    }

    /// Handing out authorities is limited to what the caller could do itself: only a server
    /// admin grants `ROLE_ADMIN`, only a tenant admin grants authorities it does not hold.
    pub fn require_grantable<'a>(&self, granted: impl IntoIterator<Item = &'a String>) -> AdminResult<()> {
        if self.is_server_admin() {
            return Ok(());
        }
        for authority in granted {
            let allowed = authority != ROLE_ADMIN && (self.has(ROLE_ADMIN_CUSTOMER) || self.has(authority));
            if !allowed {
                return Err(AdminError::Forbidden(
                    "the token may not grant an authority it does not hold",
                ));
            }
        }
        Ok(())
    }

    pub fn require_server_admin(&self) -> AdminResult<()> {
        if self.is_server_admin() {
            Ok(())
        } else {
            Err(AdminError::Forbidden("only ROLE_ADMIN of tenant system may do this"))
        }
    }
}

impl Service {
    /// The principal behind an admin bearer token: an active access token.
    /// Authorities are read from the client or user as they are now, so taking a role away
    /// takes it from tokens already issued too.
    pub async fn principal(&self, bearer: &str) -> AdminResult<Principal> {
        let token = match self.introspect_token(bearer).await? {
            Some(t) if t.kind == TokenKind::Access => t,
            _ => return Err(AdminError::InvalidToken),
        };
        let current: Vec<String> = match token.subject() {
            Some(subject) => match crate::store::user_of(&*self.store, token.tenant(), subject).await? {
                Some(user) if user.enabled => user.authorities.clone(),
                _ => return Err(AdminError::InvalidToken),
            },
            None => match crate::store::client_of(&*self.store, token.client_id()).await? {
                Some(client) => client.authorities.clone(),
                None => return Err(AdminError::InvalidToken),
            },
        };
        // The token's own grant still bounds it: a role added later does not widen old tokens.
        let authorities: Vec<String> = token
            .authorities()
            .iter()
            .filter(|a| current.contains(a))
            .cloned()
            .collect();
        Ok(Principal {
            tenant: token.profile().tenant.clone(),
            authorities: authorities.into(),
        })
    }

    /// Fails with 404 unless the tenant exists (after the caller was authorized for it).
    async fn existing_tenant(&self, tenant: &crate::model::TenantIdRef) -> AdminResult<Arc<crate::model::Tenant>> {
        self.store
            .get_tenant(tenant)
            .await?
            .ok_or(AdminError::NotFound("tenant"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(tenant: &str, authorities: &[&str]) -> Principal {
        Principal {
            tenant: tenant.into(),
            authorities: authorities.iter().map(|a| a.to_string()).collect::<Vec<_>>().into(),
        }
    }

    #[test]
    fn role_admin_counts_only_in_system() {
        assert!(principal("system", &[ROLE_ADMIN]).may("acme", Area::Clients, Access::Update));
        assert!(!principal("acme", &[ROLE_ADMIN]).may("acme", Area::Clients, Access::Update));
        assert!(principal("acme", &[ROLE_ADMIN]).require_server_admin().is_err());
    }

    #[test]
    fn customer_admin_stays_in_its_tenant() {
        let p = principal("acme", &[ROLE_ADMIN_CUSTOMER]);
        assert!(p.may("acme", Area::Users, Access::Update));
        assert!(!p.may("globex", Area::Users, Access::Read));
        assert!(p.require_server_admin().is_err());
    }

    #[test]
    fn authorities_can_only_be_granted_by_who_holds_them() {
        let grant = |who: &Principal, a: &str| who.require_grantable([&a.to_string()]).is_ok();
        let clients_admin = principal("acme", &["Auth.Customer.Clients:UPDATE"]);
        assert!(grant(&clients_admin, "Auth.Customer.Clients:UPDATE"));
        assert!(!grant(&clients_admin, ROLE_ADMIN_CUSTOMER));
        assert!(!grant(&clients_admin, "Auth.Customer.Users:UPDATE"));
        let tenant_admin = principal("acme", &[ROLE_ADMIN_CUSTOMER]);
        assert!(grant(&tenant_admin, "Auth.Customer.Users:UPDATE"));
        assert!(!grant(&tenant_admin, ROLE_ADMIN));
        assert!(grant(&principal("system", &[ROLE_ADMIN]), ROLE_ADMIN));
    }

    #[test]
    fn update_implies_read_but_not_the_reverse() {
        let p = principal("acme", &["Auth.Customer.Clients:UPDATE", "Auth.Customer.Tokens:READ"]);
        assert!(p.may("acme", Area::Clients, Access::Read));
        assert!(p.may("acme", Area::Tokens, Access::Read));
        assert!(!p.may("acme", Area::Tokens, Access::Update));
        assert!(!p.may("acme", Area::Users, Access::Read));
        assert!(!p.may("acme", Area::Settings, Access::Read));
    }
}
