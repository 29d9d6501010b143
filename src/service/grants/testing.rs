//! A service on a memory store with a manual clock, one tenant and a few clients.
use crate::clock::ManualClock;
use crate::model::*;
use crate::secret::Secret;
use crate::service::client_auth::ClientCredentials;
use crate::service::Service;
use crate::store::embedded::EmbeddedStore;
use crate::token::{hash_client_secret, Keyring};
use std::sync::Arc;

pub const NOW: i64 = 1_700_000_000;
pub const SECRET: &str = "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret";

pub struct Fixture {
    pub service: Service,
    pub clock: Arc<ManualClock>,
}

pub async fn fixture() -> Fixture {
    let clock = Arc::new(ManualClock::new(NOW));
    let store = Arc::new(EmbeddedStore::in_memory());
    let service = Service::new(store, clock.clone(), Arc::new(Keyring::random()), "http://tessera.test");
    service
        .store
        .create_tenant(Tenant {
            id: crate::model::tid("acme").to_owned(),
            name: "Acme".into(),
            settings: TokenSettings::default(),
        })
        .await
        .unwrap();
    Fixture { service, clock }
}

impl Fixture {
    pub async fn client(&self, id: &str, grants: &[&str], settings: TokenSettings) -> ClientCredentials {
        self.service
            .store
            .create_client(Client {
                client_id: crate::model::cid(id).to_owned(),
                tenant: crate::model::tid("acme").to_owned(),
                name: id.into(),
                secret_hash: Some(hash_client_secret(SECRET)),
                grant_types: grants.iter().map(|g| GrantType::parse(g).unwrap()).collect(),
                scopes: vec!["read".into(), "write".into()],
                redirect_uris: vec![],
                authorities: vec!["ROLE_APP".into()],
                public: false,
                settings,
                allowed_origins: vec![],
            })
            .await
            .unwrap();
        credentials(id)
    }

    pub async fn user(&self, name: &str, password: &str) {
        let hash = crate::service::passwords::hash(Secret::new(password.into()))
            .await
            .unwrap();
        self.service
            .store
            .create_user(User {
                tenant: crate::model::tid("acme").to_owned(),
                username: crate::model::uid(name).to_owned(),
                password_hash: hash,
                authorities: vec!["ROLE_USER".into()],
                enabled: true,
            })
            .await
            .unwrap();
    }

    /// Client `web` (password and refresh grants) and user `alice`, signed in once.
    pub async fn logged_in(&self) -> crate::service::issue::TokenResponse {
        self.client("web", &["password", "refresh_token"], TokenSettings::default())
            .await;
        self.user("alice", "wonderland").await;
        let login = super::TokenRequest::Password {
            username: Username::parse("alice".into()).unwrap(),
            password: Secret::new("wonderland".into()),
            scope: None,
        };
        self.service.token(credentials("web"), login).await.unwrap()
    }
}

pub fn credentials(id: &str) -> ClientCredentials {
    ClientCredentials::Basic {
        client_id: ClientId::parse(id.into()).unwrap(),
        secret: Secret::new(SECRET.into()),
    }
}
