//! Lookups by an id kept as plain text (a token's interned client id, a session's username).

use super::{ClientStore, StoreResult, UserStore};
use crate::model::{Client, ClientIdRef, TenantIdRef, User, UsernameRef};
use std::sync::Arc;

/// A lookup by a client id a token, a session or a pending request carries as plain text: checked
/// against the grammar without copying; one outside it names nothing. A plain `async fn`, so its
/// future is part of the caller's, not one more box.
pub async fn client_of<S: ClientStore + ?Sized>(store: &S, client_id: &str) -> StoreResult<Option<Arc<Client>>> {
    match ClientIdRef::parse(client_id) {
        Ok(id) => store.get_client(id).await,
        Err(_) => Ok(None),
    }
}

/// [`client_of`] for a user.
pub async fn user_of<S: UserStore + ?Sized>(store: &S, tenant: &str, username: &str) -> StoreResult<Option<Arc<User>>> {
    match (TenantIdRef::parse(tenant), UsernameRef::parse(username)) {
        (Ok(tenant), Ok(username)) => store.get_user(tenant, username).await,
        _ => Ok(None),
    }
}
