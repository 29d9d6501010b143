//! First start: make sure tenant `system` and an admin client with `ROLE_ADMIN` exist.

use super::admin::ROLE_ADMIN;
use super::Service;
use crate::model::{system_tenant, Client, ClientIdRef, GrantType, Tenant, TokenSettings, SYSTEM_TENANT};
use crate::secret::Secret;
use crate::store::StoreError;
use crate::token::{client_secret_matches, generate_client_secret, hash_client_secret};

pub const GENERATED_ADMIN_CLIENT_ID: &str = "tessera-admin";

fn generated_admin_client_id() -> &'static ClientIdRef {
    ClientIdRef::parse(GENERATED_ADMIN_CLIENT_ID).expect("\"tessera-admin\" is a client id")
}

fn admin_client(client_id: &ClientIdRef, secret: &str) -> Client {
    Client {
        client_id: client_id.to_owned(),
        tenant: system_tenant().to_owned(),
        name: "Tessera administrator".into(),
        secret_hash: Some(hash_client_secret(secret)),
        grant_types: vec![GrantType::ClientCredentials],
        scopes: vec![],
        redirect_uris: vec![],
        authorities: vec![ROLE_ADMIN.into()],
        public: false,
        settings: TokenSettings::default(),
        allowed_origins: vec![],
    }
}

impl Service {
    /// With configured credentials, the client is created or brought in line with them. Without,
    /// a client is generated only when the system tenant has no admin client yet; its secret is
    /// returned so the caller can show it once.
    pub async fn bootstrap(
        &self,
        configured: Option<(&str, &Secret<String>)>,
    ) -> Result<Option<(String, Secret<String>)>, StoreError> {
        if self.store.get_tenant(system_tenant()).await?.is_none() {
            let system = Tenant {
                id: system_tenant().to_owned(),
                name: "System".into(),
                settings: TokenSettings::default(),
            };
            match self.store.create_tenant(system).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if let Some((client_id, secret)) = configured {
            // The configuration was held to the client-id grammar when it was read.
            let client_id =
                ClientIdRef::parse(client_id).map_err(|e| StoreError::Corrupt(format!("admin_client_id {e}")))?;
            let wanted = admin_client(client_id, secret.expose());
            match self.store.get_client(client_id).await? {
                None => match self.store.create_client(wanted).await {
                    Ok(()) | Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                },
                Some(existing) if existing.tenant != SYSTEM_TENANT => {
                    return Err(StoreError::Conflict("admin_client_id (a client of another tenant)"));
                }
                Some(existing) => {
                    let mut fixed = Client::clone(&existing);
                    let secret_ok = existing
                        .secret_hash
                        .as_ref()
                        .is_some_and(|h| client_secret_matches(secret.expose(), h));
                    fixed.secret_hash = wanted.secret_hash;
                    if !fixed.authorities.iter().any(|a| a == ROLE_ADMIN) {
                        fixed.authorities.push(ROLE_ADMIN.into());
                    }
                    if !fixed.allows_grant(GrantType::ClientCredentials) {
                        fixed.grant_types.push(GrantType::ClientCredentials);
                    }
                    if !secret_ok || fixed != *existing {
                        self.store.update_client(fixed).await?;
                    }
                    if !secret_ok {
                        // Admin recovery: operators should see that a restart changed the secret.
                        tracing::warn!(
                            client_id = client_id.as_str(),
                            "admin_client_secret (TESSERA_ADMIN_CLIENT_SECRET) differs from the stored secret of the \
                             admin client: the stored secret was replaced"
                        );
                    }
                }
            }
            return Ok(None);
        }
        let clients = self.store.list_clients(Some(system_tenant())).await?;
        if clients.iter().any(|c| c.authorities.iter().any(|a| a == ROLE_ADMIN)) {
            return Ok(None);
        }
        let secret = generate_client_secret();
        self.store
            .create_client(admin_client(generated_admin_client_id(), secret.expose()))
            .await?;
        Ok(Some((GENERATED_ADMIN_CLIENT_ID.to_string(), secret)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::store::embedded::EmbeddedStore;
    use crate::token::Keyring;
    use std::sync::Arc;

    fn service() -> Service {
        Service::new(
            Arc::new(EmbeddedStore::in_memory()),
            Arc::new(ManualClock::new(0)),
            Arc::new(Keyring::random()),
            "http://x",
        )
    }

    #[tokio::test]
    async fn generates_once_then_stays_quiet() {
        let s = service();
        let (id, secret) = s.bootstrap(None).await.unwrap().expect("first start generates");
        let client = crate::store::client_of(&*s.store, &id).await.unwrap().unwrap();
        assert!(client_secret_matches(
            secret.expose(),
            client.secret_hash.as_ref().unwrap()
        ));
        assert!(s.bootstrap(None).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn configured_credentials_win_and_are_kept_in_line() {
        let s = service();
        let first = Secret::new("first-secret".to_string());
        assert!(s.bootstrap(Some(("ops", &first))).await.unwrap().is_none());
        let second = Secret::new("second-secret".to_string());
        s.bootstrap(Some(("ops", &second))).await.unwrap();
        let client = s.store.get_client(crate::model::cid("ops")).await.unwrap().unwrap();
        assert!(client_secret_matches(
            "second-secret",
            client.secret_hash.as_ref().unwrap()
        ));
        assert!(!client_secret_matches(
            "first-secret",
            client.secret_hash.as_ref().unwrap()
        ));
        assert!(client.authorities.contains(&ROLE_ADMIN.to_string()));
    }
}
