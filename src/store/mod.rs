//! Storage: small traits combined into one `Store`, and the single place a backend is chosen.

pub mod breaker;
pub mod cached;
pub mod cassandra;
pub mod decorate;
pub mod embedded;
pub mod grouped_authorizations;
pub mod metered;
mod open;
mod patch;
mod signing_keys;
pub mod sql;
mod stored_ids;

#[cfg(test)]
pub mod contract;

use crate::clock::UnixTime;
use crate::model::{
    Client, ClientId, ClientIdRef, Consent, Tenant, TenantIdRef, TokenId, TokenKind, TokenPolicy, TokenRecord, User,
    UsernameRef,
};
use async_trait::async_trait;
use std::path::PathBuf;
use std::sync::Arc;

pub use open::{backend_name, expires_by_ttl, is_shared, key_file_beside, open, redact_url, OpenError, StoreOptions};
pub use signing_keys::{KeepUntil, SigningKeyStore, StoredSigningKey};
pub use stored_ids::{client_of, user_of};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The backend failed this operation; never a statement about the data.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The backend cannot be reached or does not accept writes right now (connection lost,
    /// database down, disk full); whoever found out logged it once. Requests fail fast until it
    /// recovers, which it does by itself.
    #[error("store unreachable: {0}")]
    Unreachable(String),
    /// The database aborted this transaction to break a deadlock with another. The SQL store
    /// runs such a transaction again itself; this is what is left when every try lost.
    #[error("store deadlock: {0}")]
    Deadlock(String),
    /// A row with this key exists already.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A row this operation depends on does not exist (e.g. the tenant of a new client).
    #[error("{0} not found")]
    Missing(&'static str),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A consistent copy of the store in a file of its own, removed when dropped.
#[derive(Debug)]
pub struct Snapshot(PathBuf);

impl Snapshot {
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Why a store cannot back itself up, and what does it instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoBackup(pub &'static str);

#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn create_tenant(&self, tenant: Tenant) -> StoreResult<()>;
    async fn get_tenant(&self, id: &TenantIdRef) -> StoreResult<Option<Arc<Tenant>>>;
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;
    /// Replaces the tenant; `Ok(false)` if it does not exist.
    async fn update_tenant(&self, tenant: Tenant) -> StoreResult<bool>;
    /// Deletes the tenant with its clients, users and tokens; `Ok(false)` if it did not exist.
    async fn delete_tenant(&self, id: &TenantIdRef) -> StoreResult<bool>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn create_client(&self, client: Client) -> StoreResult<()>;
    /// Hot path (every authenticated request): backends answer from memory where they can.
    async fn get_client(&self, client_id: &ClientIdRef) -> StoreResult<Option<Arc<Client>>>;
    /// One tenant's clients, or with `None` every client of the server (one scan, not one per
    /// tenant), ordered by client id.
    async fn list_clients(&self, tenant: Option<&TenantIdRef>) -> StoreResult<Vec<Arc<Client>>>;
    async fn update_client(&self, client: Client) -> StoreResult<bool>;
    /// Deletes the client and revokes every token issued to it.
    async fn delete_client(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<bool>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(&self, user: User) -> StoreResult<()>;
    async fn get_user(&self, tenant: &TenantIdRef, username: &UsernameRef) -> StoreResult<Option<Arc<User>>>;
    async fn list_users(&self, tenant: &TenantIdRef) -> StoreResult<Vec<Arc<User>>>;
    /// Replaces the user; disabling one revokes its tokens in the same operation.
    async fn update_user(&self, user: User, now: UnixTime) -> StoreResult<bool>;
    /// Deletes the user and revokes its tokens.
    async fn delete_user(&self, tenant: &TenantIdRef, username: &UsernameRef, now: UnixTime) -> StoreResult<bool>;
}

/// One atomic issuance: the policy check, an optional refresh-token rotation and the inserts
/// happen as a unit, so limits and policies hold under any concurrency.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub access: TokenRecord,
    pub refresh: Option<TokenRecord>,
    pub policy: TokenPolicy,
    pub max_active: Option<u32>,
    /// The refresh token or code being exchanged.
    pub consume: Option<Consume>,
    pub now: UnixTime,
}

/// What an exchange does to the token it presents. Which one applies is the service's rule (the
/// refresh grace); the store makes the check and the issuance one atomic step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consume {
    /// The first use: the token must be active; it becomes `Used`, stamped with `now`.
    First(TokenId),
    /// A reuse within the grace window: the token must still be `Used` (not revoked since, not
    /// expired) and stays as it is.
    Again(TokenId),
}

#[derive(Debug, Clone)]
pub enum IssueOutcome {
    /// The new tokens were stored (and committed).
    Issued,
    /// `reuse`: an active access token with the same key already exists; hand it back, with the
    /// active refresh token of its grant if there is one. Nothing new was stored.
    Reused {
        access: Arc<TokenRecord>,
        refresh: Option<Arc<TokenRecord>>,
    },
    /// The client holds `max_active` active access tokens already.
    LimitReached { earliest_expiry: Option<UnixTime> },
    /// The token named in `consume` is not in the state it asks for (raced with another
    /// exchange or a revocation). `used_at`: when it was first used if it is `Used` now; `None`
    /// if it is revoked, expired or gone.
    ConsumedAlready { used_at: Option<UnixTime> },
    /// The client was deleted, or the user disabled or deleted, while the request was checked.
    Gone,
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn issue(&self, request: IssueRequest) -> StoreResult<IssueOutcome>;
    /// Stores an authorization code (a record of kind `Code`). `Ok(false)`: the client was deleted
    /// or the user disabled meanwhile, nothing stored.
    async fn insert_code(&self, code: TokenRecord) -> StoreResult<bool>;
    /// Hot path (introspection): a cheap clone of the stored record.
    async fn get_token(&self, id: &TokenId) -> StoreResult<Option<Arc<TokenRecord>>>;
    /// Revokes one token; `Ok(false)` if unknown or not active.
    async fn revoke_token(&self, id: &TokenId) -> StoreResult<bool>;
    /// Revokes every still-usable token of a grant (a refresh lineage); returns how many.
    async fn revoke_grant(&self, grant_id: &TokenId) -> StoreResult<u64>;
    /// Revokes a client's tokens, all or those of one subject; returns how many.
    async fn revoke_client_tokens(
        &self,
        client_id: &ClientIdRef,
        subject: Option<&str>,
        now: UnixTime,
    ) -> StoreResult<u64>;
    /// A page of a client's usable tokens in id order, starting after `query.after`.
    async fn list_tokens(&self, query: &TokenQuery) -> StoreResult<Vec<Arc<TokenRecord>>>;
    /// How many active access tokens the client holds (what its limit counts).
    async fn count_active_access(&self, client_id: &ClientIdRef, now: UnixTime) -> StoreResult<u64>;
    /// Changes one token [T] if it is active at `now`; `Ok(None)` if it does not exist or is not
    /// active (the service refuses inactive tokens; this keeps one that expires or is revoked
    /// meanwhile from coming back).
    async fn update_token(
        &self,
        id: &TokenId,
        patch: TokenPatch,
        now: UnixTime,
    ) -> StoreResult<Option<Arc<TokenRecord>>>;
    /// The clients a subject holds usable tokens for, with the union of their scopes [T].
    async fn authorizations(
        &self,
        tenant: &TenantIdRef,
        subject: &str,
        now: UnixTime,
    ) -> StoreResult<Vec<Authorization>>;
    /// Sets the scopes of every usable token of a (client, subject) pair in one operation [T].
    async fn set_pair_scopes(
        &self,
        client_id: &ClientIdRef,
        subject: &str,
        scopes: Arc<[String]>,
        now: UnixTime,
    ) -> StoreResult<u64>;
}

#[derive(Debug, Clone)]
pub struct TokenQuery {
    pub client_id: ClientId,
    pub subject: Option<String>,
    pub kind: Option<TokenKind>,
    pub after: Option<TokenId>,
    pub limit: usize,
    pub now: UnixTime,
}

/// A change to one token; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TokenPatch {
    pub scopes: Option<Arc<[String]>>,
    /// `Some(None)`: never expires.
    pub expires_at: Option<Option<UnixTime>>,
    /// `Some(None)`: no properties.
    pub properties: Option<Option<Arc<serde_json::Map<String, serde_json::Value>>>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub token_count: u64,
}

/// Remembered consents of the authorization-code flow, one per (client, subject). Deleting the
/// client, the user or the tenant deletes them too.
#[async_trait]
pub trait ConsentStore: Send + Sync {
    async fn get_consent(&self, client_id: &ClientIdRef, subject: &str) -> StoreResult<Option<Consent>>;
    /// Records an Allow: the scopes are added to what the subject allowed the client before, in
    /// one atomic step, and `granted_at` is updated. Returns the consent as stored.
    /// `Missing("client")` / `Missing("user")` when either is gone (or the user is disabled).
    async fn grant_consent(&self, consent: Consent) -> StoreResult<Consent>;
    /// `Ok(false)` if there was none.
    async fn delete_consent(&self, client_id: &ClientIdRef, subject: &str) -> StoreResult<bool>;
    /// A subject's consents in client order.
    async fn consents_of(&self, tenant: &TenantIdRef, subject: &str) -> StoreResult<Vec<Consent>>;
}

/// Failed attempts under one throttle key (a user's password, a client's secret): how many in a
/// row, and when the last one was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last: UnixTime,
}

/// The throttle's rule for one attempt, given the failures so far: `Ok` with the failures to
/// store (`None`: leave them), or `Err` with the seconds to wait (nothing stored).
pub type Decide<'a> = &'a (dyn Fn(Option<Failures>) -> Result<Option<Failures>, u64> + Send + Sync);

/// The throttles' counters. The rule is the service's; the store makes taking an attempt atomic,
/// and on a server database shares the count between nodes.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Atomically reads the failures under `key` and stores what `decide` answers: `Ok` with the
    /// failures stored, or `Err` with the seconds `decide` said to wait.
    async fn take_attempt(&self, key: &str, decide: Decide<'_>) -> StoreResult<Result<Option<Failures>, u64>>;
    /// Forgets the failures under `key`: the attempt succeeded.
    async fn clear_attempts(&self, key: &str) -> StoreResult<()>;
    /// Forgets failures whose last attempt was before `before`; how many keys went.
    async fn purge_attempts(&self, before: UnixTime) -> StoreResult<u64>;
}

#[async_trait]
pub trait Store:
    TenantStore + ClientStore + UserStore + TokenStore + ConsentStore + ThrottleStore + SigningKeyStore
{
    /// Readiness: `Ok` when the backend answers.
    async fn health(&self) -> StoreResult<()>;
    /// A consistent snapshot taken while the store keeps serving; `NoBackup` when the store has
    /// none of its own to give (a database server's own tools do it, or there is no file).
    async fn backup(&self) -> StoreResult<Result<Snapshot, NoBackup>>;
    /// Deletes at most `batch` tokens and codes whose own expiry is before `before`; never-expiring
    /// tokens are never purged. Returns how many rows went.
    async fn purge_expired(&self, before: UnixTime, batch: usize) -> StoreResult<u64>;
    /// Takes or renews the named lease for `holder` until `until`; `false` while another holder
    /// has it. Makes sure one node at a time runs a job on a shared database.
    async fn acquire_lease(&self, name: &str, holder: &str, now: UnixTime, until: UnixTime) -> StoreResult<bool>;
    /// Gives the lease up early if `holder` has it.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;
    /// Active (unrevoked, unexpired) access tokens per tenant, in tenant order; tenants holding
    /// none are left out. Read at every metrics scrape, never on a request path.
    async fn active_access_by_tenant(&self, now: UnixTime) -> StoreResult<Vec<(String, u64)>>;
}
