//! The in-memory state engine behind the embedded stores: data, indexes and the atomic rules
//! (limits, policies, rotation), each operation returning the row changes to persist.

mod client_tokens;
mod consents;
mod expiry_counts;
mod id_list;
mod interner;
mod issue;
mod signing_keys;
mod token_table;
mod tokens;

use crate::clock::UnixTime;
use crate::model::{Client, Consent, Tenant, TokenId, TokenRecord, TokenState, User};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The state's maps: keyed by ids and names the server made or an admin chose, looked up on
/// every request, so a fast hash rather than SipHash (foldhash is still seeded per process).
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A row-level change, in the order it was applied; the SQLite journal replays these.
#[derive(Debug, Clone)]
pub enum Change {
    PutTenant(Tenant),
    DeleteTenant(String),
    PutClient(Arc<Client>),
    DeleteClient(String),
    PutUser(Arc<User>),
    DeleteUser {
        tenant: String,
        username: String,
    },
    PutToken(Arc<TokenRecord>),
    SetTokenState(Vec<TokenId>, TokenState),
    /// The token became `Used` at this time.
    MarkUsed(TokenId, UnixTime),
    DeleteTokens(Vec<TokenId>),
    PutConsent(Consent),
    DeleteConsent {
        client_id: String,
        subject: String,
    },
    PutSigningKey(crate::store::StoredSigningKey),
    DeleteSigningKey(String),
}

pub struct State {
    tenants: HashMap<String, Arc<Tenant>>,
    clients: HashMap<String, Arc<Client>>,
    users: HashMap<String, HashMap<String, Arc<User>>>,
    tokens: token_table::TokenTable,
    by_client: HashMap<Arc<str>, client_tokens::ClientTokens>,
    by_grant: HashMap<TokenId, Vec<TokenId>>,
    consents: HashMap<(String, String), Consent>,
    interner: interner::Interner,
    /// No token in `tokens` expires before this (it may be lower than the true earliest).
    expiry_floor: UnixTime,
    signing_keys: BTreeMap<String, crate::store::StoredSigningKey>,
}

impl Default for State {
    fn default() -> Self {
        State {
            tenants: HashMap::default(),
            clients: HashMap::default(),
            users: HashMap::default(),
            tokens: Default::default(),
            by_client: HashMap::default(),
            by_grant: HashMap::default(),
            consents: HashMap::default(),
            interner: Default::default(),
            expiry_floor: UnixTime::MAX,
            signing_keys: BTreeMap::new(),
        }
    }
}

impl State {
    // ---- tenants -------------------------------------------------------------------------

    pub fn create_tenant(&mut self, tenant: Tenant) -> Result<Vec<Change>, crate::store::StoreError> {
        if self.tenants.contains_key(tenant.id.as_str()) {
            return Err(crate::store::StoreError::Conflict("tenant"));
        }
        self.tenants.insert(tenant.id.to_string(), Arc::new(tenant.clone()));
        Ok(vec![Change::PutTenant(tenant)])
    }

    pub fn tenant(&self, id: &str) -> Option<Arc<Tenant>> {
        self.tenants.get(id).cloned()
    }

    pub fn tenants(&self) -> Vec<Tenant> {
        let mut all: Vec<Tenant> = self.tenants.values().map(|t| Tenant::clone(t)).collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    pub fn update_tenant(&mut self, tenant: Tenant) -> (bool, Vec<Change>) {
        match self.tenants.get_mut(tenant.id.as_str()) {
            Some(slot) => {
                *slot = Arc::new(tenant.clone());
                (true, vec![Change::PutTenant(tenant)])
            }
            None => (false, vec![]),
        }
    }

    pub fn delete_tenant(&mut self, id: &str) -> (bool, Vec<Change>) {
        if self.tenants.remove(id).is_none() {
            return (false, vec![]);
        }
        self.users.remove(id);
        self.forget_consents(|c| c.tenant != id);
        let client_ids: Vec<String> = self
            .clients
            .values()
            .filter(|c| c.tenant == id)
            .map(|c| c.client_id.to_string())
            .collect();
        let mut removed = 0;
        for client_id in client_ids {
            self.clients.remove(&client_id);
            if let Some(index) = self.by_client.remove(client_id.as_str()) {
                for token_id in index.all.ids() {
                    if self.tokens.get(token_id).is_some_and(|t| t.client_id() == client_id) {
                        if let Some(token) = self.tokens.remove(token_id) {
                            self.by_grant.remove(&token.grant_id);
                            removed += 1;
                        }
                    }
                }
            }
        }
        self.interner.tokens_removed(removed);
        (true, vec![Change::DeleteTenant(id.to_string())])
    }

    // ---- clients -------------------------------------------------------------------------

    pub fn create_client(&mut self, client: Client) -> Result<Vec<Change>, crate::store::StoreError> {
        if !self.tenants.contains_key(client.tenant.as_str()) {
            return Err(crate::store::StoreError::Missing("tenant"));
        }
        if self.clients.contains_key(client.client_id.as_str()) {
            return Err(crate::store::StoreError::Conflict("client"));
        }
        let client = Arc::new(client);
        self.clients.insert(client.client_id.to_string(), client.clone());
        Ok(vec![Change::PutClient(client)])
    }

    pub fn client(&self, client_id: &str) -> Option<Arc<Client>> {
        self.clients.get(client_id).cloned()
    }

    /// One tenant's clients, or every client.
    pub fn clients_of(&self, tenant: Option<&str>) -> Vec<Arc<Client>> {
        let of = |c: &&Arc<Client>| tenant.is_none_or(|t| c.tenant == t);
        let mut all: Vec<Arc<Client>> = self.clients.values().filter(of).cloned().collect();
        all.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        all
    }

    pub fn update_client(&mut self, client: Client) -> (bool, Vec<Change>) {
        match self.clients.get_mut(client.client_id.as_str()) {
            Some(slot) if slot.tenant == client.tenant => {
                let client = Arc::new(client);
                *slot = client.clone();
                (true, vec![Change::PutClient(client)])
            }
            _ => (false, vec![]),
        }
    }

    pub fn delete_client(&mut self, client_id: &str, now: UnixTime) -> (bool, Vec<Change>) {
        if self.clients.remove(client_id).is_none() {
            return (false, vec![]);
        }
        self.forget_consents(|c| c.client_id != client_id);
        let (_, mut changes) = self.revoke_client_tokens(client_id, None, now);
        changes.push(Change::DeleteClient(client_id.to_string()));
        (true, changes)
    }

    // ---- users ---------------------------------------------------------------------------

    pub fn create_user(&mut self, user: User) -> Result<Vec<Change>, crate::store::StoreError> {
        if !self.tenants.contains_key(user.tenant.as_str()) {
            return Err(crate::store::StoreError::Missing("tenant"));
        }
        let users = self.users.entry(user.tenant.to_string()).or_default();
        if users.contains_key(user.username.as_str()) {
            return Err(crate::store::StoreError::Conflict("user"));
        }
        let user = Arc::new(user);
        users.insert(user.username.to_string(), user.clone());
        Ok(vec![Change::PutUser(user)])
    }

    pub fn user(&self, tenant: &str, username: &str) -> Option<Arc<User>> {
        self.users.get(tenant)?.get(username).cloned()
    }

    pub fn users_of(&self, tenant: &str) -> Vec<Arc<User>> {
        let mut all: Vec<Arc<User>> = self
            .users
            .get(tenant)
            .map(|u| u.values().cloned().collect())
            .unwrap_or_default();
        all.sort_by(|a, b| a.username.cmp(&b.username));
        all
    }

    pub fn update_user(&mut self, user: User, now: UnixTime) -> (bool, Vec<Change>) {
        let Some(slot) = self
            .users
            .get_mut(user.tenant.as_str())
            .and_then(|u| u.get_mut(user.username.as_str()))
        else {
            return (false, vec![]);
        };
        let disabled = slot.enabled && !user.enabled;
        let user = Arc::new(user);
        *slot = user.clone();
        let mut changes = vec![Change::PutUser(user.clone())];
        if disabled {
            changes.extend(self.revoke_user_tokens(&user.tenant, &user.username, now).1);
        }
        (true, changes)
    }

    pub fn delete_user(&mut self, tenant: &str, username: &str, now: UnixTime) -> (bool, Vec<Change>) {
        if self.users.get_mut(tenant).and_then(|u| u.remove(username)).is_none() {
            return (false, vec![]);
        }
        self.forget_consents(|c| c.tenant != tenant || c.subject != username);
        let (_, mut changes) = self.revoke_user_tokens(tenant, username, now);
        changes.push(Change::DeleteUser {
            tenant: tenant.to_string(),
            username: username.to_string(),
        });
        (true, changes)
    }

    fn revoke_user_tokens(&mut self, tenant: &str, username: &str, now: UnixTime) -> (u64, Vec<Change>) {
        let client_ids: Vec<String> = self
            .clients
            .values()
            .filter(|c| c.tenant == tenant)
            .map(|c| c.client_id.to_string())
            .collect();
        let mut ids = Vec::new();
        for client_id in client_ids {
            ids.extend(self.usable_tokens_of(&client_id, Some(username), now));
        }
        self.set_state(ids, TokenState::Revoked)
    }

    /// Counted per client from the expiry counts; a client's tenant is the one its tokens carry,
    /// which stays right even for a client deleted since.
    pub fn active_access_by_tenant(&self, now: UnixTime) -> Vec<(String, u64)> {
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for index in self.by_client.values() {
            let live = index.expiries.live(now);
            if let Some(tenant) = index.tenant.as_deref().filter(|_| live > 0) {
                *counts.entry(tenant).or_default() += live;
            }
        }
        counts.into_iter().map(|(t, n)| (t.to_string(), n)).collect()
    }

    // ---- loading -------------------------------------------------------------------------

    pub fn load_tenant(&mut self, tenant: Tenant) {
        self.tenants.insert(tenant.id.to_string(), Arc::new(tenant));
    }
    pub fn load_client(&mut self, client: Client) {
        self.clients.insert(client.client_id.to_string(), Arc::new(client));
    }
    pub fn load_user(&mut self, user: User) {
        self.users
            .entry(user.tenant.to_string())
            .or_default()
            .insert(user.username.to_string(), Arc::new(user));
    }
}

#[cfg(test)]
mod tests;
