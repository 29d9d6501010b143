//! Decorators around a store: one delegation of every operation, through a hook that each
//! cross-cutting concern (timing, failing fast while the database is down, keeping copies of
//! clients and tenants) implements once.

use super::*;
use std::future::Future;

macro_rules! ops {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A store operation, as the `operation` label names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Op { $($variant),* }

        impl Op {
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            pub fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }
        }
    };
}

ops! {
    CreateTenant => "create_tenant", GetTenant => "get_tenant", ListTenants => "list_tenants",
    UpdateTenant => "update_tenant", DeleteTenant => "delete_tenant",
    CreateClient => "create_client", GetClient => "get_client", ListClients => "list_clients",
    UpdateClient => "update_client", DeleteClient => "delete_client",
    CreateUser => "create_user", GetUser => "get_user", ListUsers => "list_users",
    UpdateUser => "update_user", DeleteUser => "delete_user",
    Issue => "issue", GetToken => "get_token", RevokeToken => "revoke_token", RevokeGrant => "revoke_grant",
    RevokeClientTokens => "revoke_client_tokens", ListTokens => "list_tokens",
    CountActiveAccess => "count_active_access", UpdateToken => "update_token",
    Authorizations => "authorizations", SetPairScopes => "set_pair_scopes", InsertCode => "insert_code",
    GetConsent => "get_consent", GrantConsent => "grant_consent", DeleteConsent => "delete_consent",
    ConsentsOf => "consents_of",
    Health => "health", PurgeExpired => "purge_expired", AcquireLease => "acquire_lease",
    ReleaseLease => "release_lease", ActiveAccessByTenant => "active_access_by_tenant",
    TakeAttempt => "take_attempt", ClearAttempts => "clear_attempts", PurgeAttempts => "purge_attempts",
    Backup => "backup",
    SigningKeys => "signing_keys", AddSigningKey => "add_signing_key", KeepSigningKey => "keep_signing_key",
    RewrapSigningKey => "rewrap_signing_key", DeleteSigningKey => "delete_signing_key",
}

/// A stored read that a decorator may answer from elsewhere, as many times as it needs.
pub type Load<'a, T> =
    &'a (dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = StoreResult<Option<Arc<T>>>> + Send + 'a>> + Send + Sync);

/// A change to a client or tenant that the store has carried out (or failed to: it may have
/// committed all the same), which copies of it must forget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed<'a> {
    Tenant(&'a str),
    /// The tenant is gone, and its clients with it.
    TenantDeleted(&'a str),
    Client(&'a str),
}

/// What a decorator does around every operation of the store it wraps.
pub trait Around: Send + Sync + 'static {
    fn around<T: Send>(
        &self,
        op: Op,
        call: impl Future<Output = StoreResult<T>> + Send,
    ) -> impl Future<Output = StoreResult<T>> + Send;

    /// The tenant every request reads; by default, from the store.
    fn tenant<'a>(
        &'a self,
        _id: &'a str,
        load: Load<'a, Tenant>,
    ) -> impl Future<Output = StoreResult<Option<Arc<Tenant>>>> + Send + 'a {
        load()
    }

    /// The client every request reads; by default, from the store.
    fn client<'a>(
        &'a self,
        _client_id: &'a str,
        load: Load<'a, Client>,
    ) -> impl Future<Output = StoreResult<Option<Arc<Client>>>> + Send + 'a {
        load()
    }

    /// Told after every change to a client or tenant.
    fn changed(&self, _change: Changed<'_>) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// `inner`, with `hook` around each of its operations.
pub struct Decorated<H> {
    inner: Arc<dyn Store>,
    hook: H,
}

impl<H: Around> Decorated<H> {
    pub fn new(inner: Arc<dyn Store>, hook: H) -> Self {
        Self { inner, hook }
    }

    pub fn hook(&self) -> &H {
        &self.hook
    }
}

mod delegate;
