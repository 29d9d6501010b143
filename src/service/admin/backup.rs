//! Backing the store up through the running server: server admins only.

use super::{AdminError, AdminResult, Principal};
use crate::service::Service;
use crate::store::{NoBackup, Snapshot};

impl Service {
    /// A consistent snapshot of the store; a store that has none of its own to give (a database
    /// server's, or memory) is refused naming what to do instead.
    pub async fn backup(&self, who: &Principal) -> AdminResult<Snapshot> {
        who.require_server_admin()?;
        match self.store.backup().await? {
            Ok(snapshot) => Ok(snapshot),
            Err(NoBackup(instead)) => Err(AdminError::Invalid(instead.to_string())),
        }
    }
}
