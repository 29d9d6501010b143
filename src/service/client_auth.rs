//! Client authentication (`client_secret_basic`, `client_secret_post`, or a public client's id).

use super::{OAuthError, Service};
use crate::model::{Client, ClientId};
use crate::secret::Secret;
use crate::token::client_secret_matches;
use std::sync::Arc;

/// How the caller presented itself; the HTTP layer builds this from the header and form, and
/// an id outside [`ClientId`]'s grammar is `invalid_client` there, before any store lookup.
#[derive(Debug)]
pub enum ClientCredentials {
    Basic {
        client_id: ClientId,
        secret: Secret<String>,
    },
    Post {
        client_id: ClientId,
        secret: Secret<String>,
    },
    /// Only a `client_id`: acceptable for public clients.
    IdOnly {
        client_id: ClientId,
    },
    None,
}

impl Service {
    /// The authenticated client, or `invalid_client` without saying which part was wrong.
    pub async fn authenticate_client(&self, credentials: &ClientCredentials) -> Result<Arc<Client>, OAuthError> {
        let fail = OAuthError::InvalidClient;
        let (client_id, secret) = match credentials {
            ClientCredentials::Basic { client_id, secret } | ClientCredentials::Post { client_id, secret } => {
                (client_id, Some(secret))
            }
            ClientCredentials::IdOnly { client_id } => (client_id, None),
            ClientCredentials::None => return Err(fail),
        };
        let locked = |retry_after: u64| {
            tracing::warn!(
                client_id = client_id.as_str(),
                retry_after,
                reason = "too many failed attempts",
                "client secret refused"
            );
            OAuthError::TooManyAttempts { retry_after }
        };
        let failed_lately = match secret {
            Some(_) => self.client_standing(client_id.as_str()).map_err(locked)?,
            None => false,
        };
        let Some(client) = self.store.get_client(client_id).await? else {
            tracing::info!(
                client_id = client_id.as_str(),
                reason = "unknown client",
                "client authentication refused"
            );
            return Err(fail);
        };
        let accepted = match (secret, &client.secret_hash) {
            (Some(secret), Some(hash)) => client_secret_matches(secret.expose(), hash),
            (None, None) => client.public,
            _ => false,
        };
        match (accepted, secret.is_some()) {
            (true, true) => {
                if failed_lately {
                    self.client_secret_accepted(client_id.as_str()).await?;
                }
                Ok(client)
            }
            (true, false) => Ok(client),
            // A wrong secret counts against the client id; a missing one guesses nothing.
            (false, true) => match self.client_secret_failed(client_id.as_str()).await? {
                Some(retry_after) => Err(locked(retry_after)),
                None => {
                    let reason = if client.secret_hash.is_some() {
                        "wrong client secret"
                    } else {
                        "public client sent a secret"
                    };
                    tracing::info!(client_id = client_id.as_str(), tenant = %client.tenant, reason, "client authentication refused");
                    Err(fail)
                }
            },
            (false, false) => {
                tracing::info!(client_id = client_id.as_str(), tenant = %client.tenant, reason = "no client secret", "client authentication refused");
                Err(fail)
            }
        }
    }
}
