//! The one delegation of every store operation to the decorated store, through the hook.

use super::*;

#[async_trait]
impl<H: Around> TenantStore for Decorated<H> {
    async fn create_tenant(&self, tenant: Tenant) -> StoreResult<()> {
        self.hook
            .around(Op::CreateTenant, self.inner.create_tenant(tenant))
            .await
    }
    async fn get_tenant(&self, id: &TenantIdRef) -> StoreResult<Option<Arc<Tenant>>> {
        let load = || self.inner.get_tenant(id);
        self.hook.around(Op::GetTenant, self.hook.tenant(id, &load)).await
    }
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        self.hook.around(Op::ListTenants, self.inner.list_tenants()).await
    }
    async fn update_tenant(&self, tenant: Tenant) -> StoreResult<bool> {
        let id = tenant.id.clone();
        let updated = self
            .hook
            .around(Op::UpdateTenant, self.inner.update_tenant(tenant))
            .await;
        self.hook.changed(Changed::Tenant(&id)).await;
        updated
    }
    async fn delete_tenant(&self, id: &TenantIdRef) -> StoreResult<bool> {
        let deleted = self.hook.around(Op::DeleteTenant, self.inner.delete_tenant(id)).await;
        self.hook.changed(Changed::TenantDeleted(id)).await;
        deleted
    }
}

#[async_trait]
impl<H: Around> ClientStore for Decorated<H> {
    async fn create_client(&self, client: Client) -> StoreResult<()> {
        self.hook
            .around(Op::CreateClient, self.inner.create_client(client))
            .await
    }
    async fn get_client(&self, client_id: &ClientIdRef) -> StoreResult<Option<Arc<Client>>> {
        let load = || self.inner.get_client(client_id);
        self.hook
            .around(Op::GetClient, self.hook.client(client_id, &load))
            .await
    }
    async fn list_clients(&self, tenant: Option<&TenantIdRef>) -> StoreResult<Vec<Arc<Client>>> {
        self.hook.around(Op::ListClients, self.inner.list_clients(tenant)).await
    }
    async fn update_client(&self, client: Client) -> StoreResult<bool> {
        let id = client.client_id.clone();
        let updated = self
            .hook
            .around(Op::UpdateClient, self.inner.update_client(client))
            .await;
        self.hook.changed(Changed::Client(&id)).await;
        updated
    }
    async fn delete_client(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<bool> {
        let deleted = self
            .hook
            .around(Op::DeleteClient, self.inner.delete_client(client_id, now))
            .await;
        self.hook.changed(Changed::Client(client_id)).await;
        deleted
    }
}

#[async_trait]
impl<H: Around> UserStore for Decorated<H> {
    async fn create_user(&self, user: User) -> StoreResult<()> {
        self.hook.around(Op::CreateUser, self.inner.create_user(user)).await
    }
    async fn get_user(&self, tenant: &TenantIdRef, username: &UsernameRef) -> StoreResult<Option<Arc<User>>> {
        self.hook
            .around(Op::GetUser, self.inner.get_user(tenant, username))
            .await
    }
    async fn list_users(&self, tenant: &TenantIdRef) -> StoreResult<Vec<Arc<User>>> {
        self.hook.around(Op::ListUsers, self.inner.list_users(tenant)).await
    }
    async fn update_user(&self, user: User, now: UnixTime) -> StoreResult<bool> {
        self.hook
            .around(Op::UpdateUser, self.inner.update_user(user, now))
            .await
    }
    async fn delete_user(&self, tenant: &TenantIdRef, username: &UsernameRef, now: UnixTime) -> StoreResult<bool> {
        self.hook
            .around(Op::DeleteUser, self.inner.delete_user(tenant, username, now))
            .await
    }
}

#[async_trait]
impl<H: Around> TokenStore for Decorated<H> {
    async fn issue(&self, request: IssueRequest) -> StoreResult<IssueOutcome> {
        self.hook.around(Op::Issue, self.inner.issue(request)).await
    }
    async fn insert_code(&self, code: TokenRecord) -> StoreResult<bool> {
        self.hook.around(Op::InsertCode, self.inner.insert_code(code)).await
    }
    async fn get_token(&self, id: &TokenId) -> StoreResult<Option<Arc<TokenRecord>>> {
        self.hook.around(Op::GetToken, self.inner.get_token(id)).await
    }
    async fn revoke_token(&self, id: &TokenId) -> StoreResult<bool> {
        self.hook.around(Op::RevokeToken, self.inner.revoke_token(id)).await
    }
    async fn revoke_grant(&self, grant_id: &TokenId) -> StoreResult<u64> {
        self.hook
            .around(Op::RevokeGrant, self.inner.revoke_grant(grant_id))
            .await
    }
    async fn revoke_client_tokens(
        &self,
        client_id: &ClientIdRef,
        subject: Option<&str>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        let call = self.inner.revoke_client_tokens(client_id, subject, now);
        self.hook.around(Op::RevokeClientTokens, call).await
    }
    async fn list_tokens(&self, query: &TokenQuery) -> StoreResult<Vec<Arc<TokenRecord>>> {
        self.hook.around(Op::ListTokens, self.inner.list_tokens(query)).await
    }
    async fn count_active_access(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<u64> {
        let call = self.inner.count_active_access(client_id, now);
        self.hook.around(Op::CountActiveAccess, call).await
    }
    async fn update_token(
        &self,
        id: &TokenId,
        patch: TokenPatch,
        now: UnixTime,
    ) -> StoreResult<Option<Arc<TokenRecord>>> {
        let call = self.inner.update_token(id, patch, now);
        self.hook.around(Op::UpdateToken, call).await
    }
    async fn authorizations(
        &self,
        tenant: &TenantIdRef,
        subject: &str,
        now: UnixTime,
    ) -> StoreResult<Vec<Authorization>> {
        let call = self.inner.authorizations(tenant, subject, now);
        self.hook.around(Op::Authorizations, call).await
    }
    async fn set_pair_scopes(
        &self,
        client_id: &ClientIdRef,
        subject: &str,
        scopes: Arc<[String]>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        let call = self.inner.set_pair_scopes(client_id, subject, scopes, now);
        self.hook.around(Op::SetPairScopes, call).await
    }
}

#[async_trait]
impl<H: Around> ConsentStore for Decorated<H> {
    async fn get_consent(&self, client_id: &ClientIdRef, subject: &str) -> StoreResult<Option<Consent>> {
        self.hook
            .around(Op::GetConsent, self.inner.get_consent(client_id, subject))
            .await
    }
    async fn grant_consent(&self, consent: Consent) -> StoreResult<Consent> {
        self.hook
            .around(Op::GrantConsent, self.inner.grant_consent(consent))
            .await
    }
    async fn delete_consent(&self, client_id: &ClientIdRef, subject: &str) -> StoreResult<bool> {
        self.hook
            .around(Op::DeleteConsent, self.inner.delete_consent(client_id, subject))
            .await
    }
    async fn consents_of(&self, tenant: &TenantIdRef, subject: &str) -> StoreResult<Vec<Consent>> {
        self.hook
            .around(Op::ConsentsOf, self.inner.consents_of(tenant, subject))
            .await
    }
}

#[async_trait]
impl<H: Around> ThrottleStore for Decorated<H> {
    async fn take_attempt(&self, key: &str, decide: Decide<'_>) -> StoreResult<Result<Option<Failures>, u64>> {
        self.hook
            .around(Op::TakeAttempt, self.inner.take_attempt(key, decide))
            .await
    }
    async fn clear_attempts(&self, key: &str) -> StoreResult<()> {
        self.hook
            .around(Op::ClearAttempts, self.inner.clear_attempts(key))
            .await
    }
    async fn purge_attempts(&self, before: UnixTime) -> StoreResult<u64> {
        self.hook
            .around(Op::PurgeAttempts, self.inner.purge_attempts(before))
            .await
    }
}

#[async_trait]
impl<H: Around> SigningKeyStore for Decorated<H> {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>> {
        self.hook.around(Op::SigningKeys, self.inner.signing_keys()).await
    }
    async fn add_signing_key(&self, key: StoredSigningKey, first: bool) -> StoreResult<bool> {
        let call = self.inner.add_signing_key(key, first);
        self.hook.around(Op::AddSigningKey, call).await
    }
    async fn keep_signing_key(&self, kid: &str, until: KeepUntil) -> StoreResult<bool> {
        let call = self.inner.keep_signing_key(kid, until);
        self.hook.around(Op::KeepSigningKey, call).await
    }
    async fn rewrap_signing_key(&self, kid: &str, wrapped: Vec<u8>) -> StoreResult<bool> {
        let call = self.inner.rewrap_signing_key(kid, wrapped);
        self.hook.around(Op::RewrapSigningKey, call).await
    }
    async fn delete_signing_key(&self, kid: &str, seen: crate::store::KeepUntil) -> StoreResult<bool> {
        let call = self.inner.delete_signing_key(kid, seen);
        self.hook.around(Op::DeleteSigningKey, call).await
    }
}

#[async_trait]
impl<H: Around> Store for Decorated<H> {
    async fn health(&self) -> StoreResult<()> {
        self.hook.around(Op::Health, self.inner.health()).await
    }
    async fn backup(&self) -> StoreResult<Result<Snapshot, NoBackup>> {
        self.hook.around(Op::Backup, self.inner.backup()).await
    }
    async fn purge_expired(&self, before: UnixTime, batch: usize) -> StoreResult<u64> {
        self.hook
            .around(Op::PurgeExpired, self.inner.purge_expired(before, batch))
            .await
    }
    async fn acquire_lease(&self, name: &str, holder: &str, now: UnixTime, until: UnixTime) -> StoreResult<bool> {
        let call = self.inner.acquire_lease(name, holder, now, until);
        self.hook.around(Op::AcquireLease, call).await
    }
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        self.hook
            .around(Op::ReleaseLease, self.inner.release_lease(name, holder))
            .await
    }
    async fn active_access_by_tenant(&self, now: UnixTime) -> StoreResult<Vec<(String, u64)>> {
        let call = self.inner.active_access_by_tenant(now);
        self.hook.around(Op::ActiveAccessByTenant, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_own_name() {
        assert_eq!(Op::ActiveAccessByTenant.name(), "active_access_by_tenant");
        let mut names = Op::NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Op::NAMES.len());
    }
}
