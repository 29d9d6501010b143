//! A store decorator that times every operation of the store it wraps, for the
//! `tessera_store_operation_duration_seconds` histogram: one place, whatever the backend.

use super::*;
use crate::metrics::Metrics;
use std::future::Future;
use std::time::Instant;

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
}

pub struct MeteredStore {
    inner: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl MeteredStore {
    pub fn new(inner: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }

    async fn timed<T>(&self, op: Op, call: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let start = Instant::now();
        let result = call.await;
        self.metrics.store.observe(op, start.elapsed(), result.is_err());
        result
    }
}

#[async_trait]
impl TenantStore for MeteredStore {
    async fn create_tenant(&self, tenant: Tenant) -> StoreResult<()> {
        self.timed(Op::CreateTenant, self.inner.create_tenant(tenant)).await
    }
    async fn get_tenant(&self, id: &str) -> StoreResult<Option<Arc<Tenant>>> {
        self.timed(Op::GetTenant, self.inner.get_tenant(id)).await
    }
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        self.timed(Op::ListTenants, self.inner.list_tenants()).await
    }
    async fn update_tenant(&self, tenant: Tenant) -> StoreResult<bool> {
        self.timed(Op::UpdateTenant, self.inner.update_tenant(tenant)).await
    }
    async fn delete_tenant(&self, id: &str) -> StoreResult<bool> {
        self.timed(Op::DeleteTenant, self.inner.delete_tenant(id)).await
    }
}

#[async_trait]
impl ClientStore for MeteredStore {
    async fn create_client(&self, client: Client) -> StoreResult<()> {
        self.timed(Op::CreateClient, self.inner.create_client(client)).await
    }
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<Arc<Client>>> {
        self.timed(Op::GetClient, self.inner.get_client(client_id)).await
    }
    async fn list_clients(&self, tenant: &str) -> StoreResult<Vec<Arc<Client>>> {
        self.timed(Op::ListClients, self.inner.list_clients(tenant)).await
    }
    async fn update_client(&self, client: Client) -> StoreResult<bool> {
        self.timed(Op::UpdateClient, self.inner.update_client(client)).await
    }
    async fn delete_client(&self, client_id: &str, now: UnixTime) -> StoreResult<bool> {
        self.timed(Op::DeleteClient, self.inner.delete_client(client_id, now))
            .await
    }
}

#[async_trait]
impl UserStore for MeteredStore {
    async fn create_user(&self, user: User) -> StoreResult<()> {
        self.timed(Op::CreateUser, self.inner.create_user(user)).await
    }
    async fn get_user(&self, tenant: &str, username: &str) -> StoreResult<Option<Arc<User>>> {
        self.timed(Op::GetUser, self.inner.get_user(tenant, username)).await
    }
    async fn list_users(&self, tenant: &str) -> StoreResult<Vec<Arc<User>>> {
        self.timed(Op::ListUsers, self.inner.list_users(tenant)).await
    }
    async fn update_user(&self, user: User, now: UnixTime) -> StoreResult<bool> {
        self.timed(Op::UpdateUser, self.inner.update_user(user, now)).await
    }
    async fn delete_user(&self, tenant: &str, username: &str, now: UnixTime) -> StoreResult<bool> {
        self.timed(Op::DeleteUser, self.inner.delete_user(tenant, username, now))
            .await
    }
}

#[async_trait]
impl TokenStore for MeteredStore {
    async fn issue(&self, request: IssueRequest) -> StoreResult<IssueOutcome> {
        self.timed(Op::Issue, self.inner.issue(request)).await
    }
    async fn insert_code(&self, code: TokenRecord) -> StoreResult<bool> {
        self.timed(Op::InsertCode, self.inner.insert_code(code)).await
    }
    async fn get_token(&self, id: &TokenId) -> StoreResult<Option<Arc<TokenRecord>>> {
        self.timed(Op::GetToken, self.inner.get_token(id)).await
    }
    async fn revoke_token(&self, id: &TokenId) -> StoreResult<bool> {
        self.timed(Op::RevokeToken, self.inner.revoke_token(id)).await
    }
    async fn revoke_grant(&self, grant_id: &TokenId) -> StoreResult<u64> {
        self.timed(Op::RevokeGrant, self.inner.revoke_grant(grant_id)).await
    }
    async fn revoke_client_tokens(&self, client_id: &str, subject: Option<&str>, now: UnixTime) -> StoreResult<u64> {
        let call = self.inner.revoke_client_tokens(client_id, subject, now);
        self.timed(Op::RevokeClientTokens, call).await
    }
    async fn list_tokens(&self, query: &TokenQuery) -> StoreResult<Vec<Arc<TokenRecord>>> {
        self.timed(Op::ListTokens, self.inner.list_tokens(query)).await
    }
    async fn count_active_access(&self, client_id: &str, now: UnixTime) -> StoreResult<u64> {
        let call = self.inner.count_active_access(client_id, now);
        self.timed(Op::CountActiveAccess, call).await
    }
    async fn update_token(&self, id: &TokenId, patch: TokenPatch) -> StoreResult<Option<Arc<TokenRecord>>> {
        self.timed(Op::UpdateToken, self.inner.update_token(id, patch)).await
    }
    async fn authorizations(&self, tenant: &str, subject: &str, now: UnixTime) -> StoreResult<Vec<Authorization>> {
        let call = self.inner.authorizations(tenant, subject, now);
        self.timed(Op::Authorizations, call).await
    }
    async fn set_pair_scopes(
        &self,
        client_id: &str,
        subject: &str,
        scopes: Arc<[String]>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        let call = self.inner.set_pair_scopes(client_id, subject, scopes, now);
        self.timed(Op::SetPairScopes, call).await
    }
}

#[async_trait]
impl ConsentStore for MeteredStore {
    async fn get_consent(&self, client_id: &str, subject: &str) -> StoreResult<Option<Consent>> {
        self.timed(Op::GetConsent, self.inner.get_consent(client_id, subject))
            .await
    }
    async fn grant_consent(&self, consent: Consent) -> StoreResult<Consent> {
        self.timed(Op::GrantConsent, self.inner.grant_consent(consent)).await
    }
    async fn delete_consent(&self, client_id: &str, subject: &str) -> StoreResult<bool> {
        self.timed(Op::DeleteConsent, self.inner.delete_consent(client_id, subject))
            .await
    }
    async fn consents_of(&self, tenant: &str, subject: &str) -> StoreResult<Vec<Consent>> {
        self.timed(Op::ConsentsOf, self.inner.consents_of(tenant, subject))
            .await
    }
}

#[async_trait]
impl Store for MeteredStore {
    async fn health(&self) -> StoreResult<()> {
        self.timed(Op::Health, self.inner.health()).await
    }
    async fn purge_expired(&self, before: UnixTime, batch: usize) -> StoreResult<u64> {
        self.timed(Op::PurgeExpired, self.inner.purge_expired(before, batch))
            .await
    }
    async fn acquire_lease(&self, name: &str, holder: &str, now: UnixTime, until: UnixTime) -> StoreResult<bool> {
        let call = self.inner.acquire_lease(name, holder, now, until);
        self.timed(Op::AcquireLease, call).await
    }
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        self.timed(Op::ReleaseLease, self.inner.release_lease(name, holder))
            .await
    }
    async fn active_access_by_tenant(&self, now: UnixTime) -> StoreResult<Vec<(String, u64)>> {
        let call = self.inner.active_access_by_tenant(now);
        self.timed(Op::ActiveAccessByTenant, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::fixtures;

    #[test]
    fn every_operation_has_its_own_name() {
        assert_eq!(Op::ActiveAccessByTenant.name(), "active_access_by_tenant");
        let mut names = Op::NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Op::NAMES.len());
    }

    #[tokio::test]
    async fn operations_are_timed_and_failures_counted() {
        let metrics = Arc::new(Metrics::new());
        let store = MeteredStore::new(
            Arc::new(super::super::embedded::EmbeddedStore::in_memory()),
            metrics.clone(),
        );
        let (tenant, _) = fixtures("m");
        store.create_tenant(tenant.clone()).await.unwrap();
        assert!(store.create_tenant(tenant).await.is_err());
        store.get_tenant("m").await.unwrap();
        let text = metrics.render();
        assert!(text.contains("tessera_store_operation_duration_seconds_count{operation=\"create_tenant\"} 2\n"));
        assert!(text.contains("tessera_store_operation_duration_seconds_count{operation=\"get_tenant\"} 1\n"));
        assert!(
            text.contains("tessera_store_errors_total{operation=\"create_tenant\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("operation=\"issue\""), "series appear on first use");
    }
}
