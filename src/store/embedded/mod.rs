//! The embedded store: state in memory, made durable by an optional SQLite journal.
//!
//! `memory://` is the state alone. `sqlite://` loads the state from the file at start and
//! commits every change before the operation returns, so a token is only answered once it is
//! on disk. Reads never touch the disk.

mod signing_keys;
pub mod sqlite;
mod state;

use crate::model::TokenRecord;
use crate::store::*;
use parking_lot::RwLock;
use sqlite::{Journal, SharedState};
use state::{Change, State};
use std::path::PathBuf;

pub struct EmbeddedStore {
    state: SharedState,
    journal: Option<Journal>,
    /// The throttles' counters: one node, so memory is where they are shared; not journaled
    /// (a restart forgets them, as it would a lockout's clock).
    attempts: moka::sync::Cache<String, Failures>,
}

/// Throttle counters kept: idle ones go after an hour (longer than any wait), and the bound keeps
/// a flood of made-up usernames from growing memory.
fn attempts() -> moka::sync::Cache<String, Failures> {
    moka::sync::Cache::builder()
        .max_capacity(100_000)
        .time_to_idle(std::time::Duration::from_secs(3600))
        .build()
}

impl EmbeddedStore {
    pub fn in_memory() -> Self {
        Self {
            state: Arc::new(RwLock::new(State::default())),
            journal: None,
            attempts: attempts(),
        }
    }

    pub async fn open_sqlite(path: PathBuf, synchronous_full: bool) -> StoreResult<Self> {
        let (journal, state) = tokio::task::spawn_blocking(move || Journal::open(&path, synchronous_full))
            .await
            .map_err(|e| StoreError::Unavailable(format!("opening sqlite: {e}")))??;
        Ok(Self {
            state,
            journal: Some(journal),
            attempts: attempts(),
        })
    }

    /// Runs `f` on the state and waits until its changes are committed. A write is refused
    /// before `f` runs while the file does not accept commits; if its commit fails, the journal
    /// puts memory back to what the file holds before this returns the error. The changes (none
    /// too: the answer may rest on a change still on its way to disk) enter the journal while
    /// the lock is held, so the disk sees them in the order memory did.
    async fn apply<R>(&self, f: impl FnOnce(&mut State) -> (R, Vec<Change>)) -> StoreResult<R> {
        let (result, pending) = {
            let mut state = self.state.write();
            if let Some(journal) = &self.journal {
                journal.check()?;
            }
            let (result, changes) = f(&mut state);
            (result, self.journal.as_ref().map(|journal| journal.submit(changes)))
        };
        if let Some(pending) = pending {
            pending.await?;
        }
        Ok(result)
    }

    async fn apply_fallible(&self, f: impl FnOnce(&mut State) -> StoreResult<Vec<Change>>) -> StoreResult<()> {
        let mut failure = None;
        self.apply(|state| match f(state) {
            Ok(changes) => ((), changes),
            Err(e) => {
                failure = Some(e);
                ((), vec![])
            }
        })
        .await?;
        failure.map_or(Ok(()), Err)
    }
}

#[async_trait]
impl TenantStore for EmbeddedStore {
    async fn create_tenant(&self, tenant: Tenant) -> StoreResult<()> {
        self.apply_fallible(|s| s.create_tenant(tenant)).await
    }
    async fn get_tenant(&self, id: &TenantIdRef) -> StoreResult<Option<Arc<Tenant>>> {
        Ok(self.state.read().tenant(id))
    }
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        Ok(self.state.read().tenants())
    }
    async fn update_tenant(&self, tenant: Tenant) -> StoreResult<bool> {
        self.apply(|s| s.update_tenant(tenant)).await
    }
    async fn delete_tenant(&self, id: &TenantIdRef) -> StoreResult<bool> {
        self.apply(|s| s.delete_tenant(id)).await
    }
}

#[async_trait]
impl ClientStore for EmbeddedStore {
    async fn create_client(&self, client: Client) -> StoreResult<()> {
        self.apply_fallible(|s| s.create_client(client)).await
    }
    async fn get_client(&self, client_id: &ClientIdRef) -> StoreResult<Option<Arc<Client>>> {
        Ok(self.state.read().client(client_id))
    }
    async fn list_clients(&self, tenant: Option<&TenantIdRef>) -> StoreResult<Vec<Arc<Client>>> {
        Ok(self.state.read().clients_of(tenant.map(|t| t.as_str())))
    }
    async fn update_client(&self, client: Client) -> StoreResult<bool> {
        self.apply(|s| s.update_client(client)).await
    }
    async fn delete_client(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<bool> {
        self.apply(|s| s.delete_client(client_id, now)).await
    }
}

#[async_trait]
impl UserStore for EmbeddedStore {
    async fn create_user(&self, user: User) -> StoreResult<()> {
        self.apply_fallible(|s| s.create_user(user)).await
    }
    async fn get_user(&self, tenant: &TenantIdRef, username: &UsernameRef) -> StoreResult<Option<Arc<User>>> {
        Ok(self.state.read().user(tenant, username))
    }
    async fn list_users(&self, tenant: &TenantIdRef) -> StoreResult<Vec<Arc<User>>> {
        Ok(self.state.read().users_of(tenant))
    }
    async fn update_user(&self, user: User, now: UnixTime) -> StoreResult<bool> {
        self.apply(|s| s.update_user(user, now)).await
    }
    async fn delete_user(&self, tenant: &TenantIdRef, username: &UsernameRef, now: UnixTime) -> StoreResult<bool> {
        self.apply(|s| s.delete_user(tenant, username, now)).await
    }
}

#[async_trait]
impl TokenStore for EmbeddedStore {
    async fn issue(&self, request: IssueRequest) -> StoreResult<IssueOutcome> {
        self.apply(|s| s.issue(request)).await
    }
    async fn insert_code(&self, code: TokenRecord) -> StoreResult<bool> {
        self.apply(|s| s.insert_code(code)).await
    }
    async fn get_token(&self, id: &TokenId) -> StoreResult<Option<Arc<TokenRecord>>> {
        Ok(self.state.read().token(id))
    }
    async fn revoke_token(&self, id: &TokenId) -> StoreResult<bool> {
        self.apply(|s| s.revoke_token(id)).await
    }
    async fn revoke_grant(&self, grant_id: &TokenId) -> StoreResult<u64> {
        self.apply(|s| s.revoke_grant(grant_id)).await
    }
    async fn revoke_client_tokens(
        &self,
        client_id: &ClientIdRef,
        subject: Option<&str>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        self.apply(|s| s.revoke_client_tokens(client_id, subject, now)).await
    }
    async fn list_tokens(&self, query: &TokenQuery) -> StoreResult<Vec<Arc<TokenRecord>>> {
        Ok(self.state.read().list_tokens(query))
    }
    async fn count_active_access(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<u64> {
        Ok(self.state.read().count_active_access(client_id, now))
    }
    async fn update_token(
        &self,
        id: &TokenId,
        patch: TokenPatch,
        now: UnixTime,
    ) -> StoreResult<Option<Arc<TokenRecord>>> {
        self.apply(|s| s.update_token(id, patch, now)).await
    }
    async fn authorizations(
        &self,
        tenant: &TenantIdRef,
        subject: &str,
        now: UnixTime,
    ) -> StoreResult<Vec<Authorization>> {
        Ok(self.state.read().authorizations(tenant, subject, now))
    }
    async fn set_pair_scopes(
        &self,
        client_id: &ClientIdRef,
        subject: &str,
        scopes: Arc<[String]>,
        now: UnixTime,
    ) -> StoreResult<u64> {
        self.apply(|s| s.set_pair_scopes(client_id, subject, scopes, now)).await
    }
}

#[async_trait]
impl ConsentStore for EmbeddedStore {
    async fn get_consent(&self, client_id: &ClientIdRef, subject: &str) -> StoreResult<Option<Consent>> {
        Ok(self.state.read().consent(client_id, subject))
    }
    async fn grant_consent(&self, consent: Consent) -> StoreResult<Consent> {
        let mut stored = None;
        self.apply_fallible(|s| {
            let (consent, changes) = s.grant_consent(consent)?;
            stored = Some(consent);
            Ok(changes)
        })
        .await?;
        stored.ok_or(StoreError::Missing("consent"))
    }
    async fn delete_consent(&self, client_id: &ClientIdRef, subject: &str) -> StoreResult<bool> {
        self.apply(|s| s.delete_consent(client_id, subject)).await
    }
    async fn consents_of(&self, tenant: &TenantIdRef, subject: &str) -> StoreResult<Vec<Consent>> {
        Ok(self.state.read().consents_of(tenant, subject))
    }
}

#[async_trait]
impl ThrottleStore for EmbeddedStore {
    async fn take_attempt(&self, key: &str, decide: Decide<'_>) -> StoreResult<Result<Option<Failures>, u64>> {
        let mut answer = Err(0);
        self.attempts
            .entry_by_ref(key)
            .and_compute_with(|existing| match decide(existing.map(|e| e.into_value())) {
                Ok(Some(failures)) => {
                    answer = Ok(Some(failures));
                    moka::ops::compute::Op::Put(failures)
                }
                Ok(None) => {
                    answer = Ok(None);
                    moka::ops::compute::Op::Nop
                }
                Err(wait) => {
                    answer = Err(wait);
                    moka::ops::compute::Op::Nop
                }
            });
        Ok(answer)
    }
    async fn clear_attempts(&self, key: &str) -> StoreResult<()> {
        self.attempts.invalidate(key);
        Ok(())
    }
    /// The cache forgets idle counters by itself.
    async fn purge_attempts(&self, _: UnixTime) -> StoreResult<u64> {
        Ok(0)
    }
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn health(&self) -> StoreResult<()> {
        match &self.journal {
            Some(journal) => journal.probe().await,
            None => Ok(()),
        }
    }
    async fn backup(&self) -> StoreResult<Result<Snapshot, NoBackup>> {
        match &self.journal {
            Some(journal) => journal.backup().await.map(Ok),
            None => Ok(Err(NoBackup(
                "a memory:// store keeps nothing on disk: there is nothing to back up",
            ))),
        }
    }
    async fn purge_expired(&self, before: UnixTime, batch: usize) -> StoreResult<u64> {
        self.apply(|s| s.purge_expired(before, batch)).await
    }
    /// One process owns an embedded store, so the lease is always its own.
    async fn acquire_lease(&self, _: &str, _: &str, _: UnixTime, _: UnixTime) -> StoreResult<bool> {
        Ok(true)
    }
    async fn release_lease(&self, _: &str, _: &str) -> StoreResult<()> {
        Ok(())
    }
    async fn active_access_by_tenant(&self, now: UnixTime) -> StoreResult<Vec<(String, u64)>> {
        Ok(self.state.read().active_access_by_tenant(now))
    }
}

#[cfg(test)]
mod tests;
