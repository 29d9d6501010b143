//! A `TokenPatch` applied to a record read from the store (the stores that update a token in
//! the node: the SQL and Cassandra ones).

use super::TokenPatch;
use crate::model::TokenRecord;

impl TokenPatch {
    /// Changes the fields the patch names; the others stay.
    pub fn apply(self, token: &mut TokenRecord) {
        if let Some(scopes) = self.scopes {
            token.set_scopes(scopes);
        }
        if let Some(expires_at) = self.expires_at {
            token.set_expires_at(expires_at);
        }
        if let Some(properties) = self.properties {
            token.properties = properties;
        }
    }
}
