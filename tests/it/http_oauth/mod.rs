//! The `/oauth/*` HTTP surface driven in-process through `router()` + `oneshot` (no network):
//! every grant's success, every RFC 6749 §5.2 error code with its status and headers, hostile
//! input (always 4xx JSON, never 5xx), introspection / check_token / revocation on valid,
//! revoked, expired, forged and other-tenant tokens, and the discovery and probe endpoints.

mod assertions;
mod bad_input;
mod discovery;
mod error_codes;
mod grants;
mod introspection;
mod requests;
mod revocation;

use axum::Router;
use std::sync::Arc;
use tessera::clock::ManualClock;
use tessera::model::{Client, ClientId, GrantType, Tenant, TenantId, TokenSettings, User, Username};
use tessera::secret::Secret;
use tessera::service::Service;
use tessera::store::embedded::EmbeddedStore;
use tessera::store::{ClientStore, TenantStore, UserStore};
use tessera::token::{hash_client_secret, Keyring};

pub(super) const ISSUER: &str = "http://tessera.test";
pub(super) const START: i64 = 1_800_000_000;
pub(super) const FORM: &str = "application/x-www-form-urlencoded";

const TENANT_A: &str = "acme";
const TENANT_B: &str = "globex";

/// Tenant A, `client_credentials` only; scopes `read write`, authorities `ROLE_APP`.
pub(super) const APP: &str = "app";
/// Tenant A, `password` + `refresh_token`.
pub(super) const WEB: &str = "web";
/// Tenant A, `client_credentials`; used to show one client cannot revoke another's tokens.
pub(super) const INTRUDER: &str = "intruder";
/// Tenant B, `client_credentials`.
pub(super) const FOREIGN: &str = "globex-app";

pub(super) const SECRET: &str = "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret";
pub(super) const FOREIGN_SECRET: &str = "globex-globex-globex-globex-globex-globex";

pub(super) const USER: &str = "alice";
pub(super) const PASSWORD: &str = "wonderland";

/// Access-token lifetime of every client here, so expiry tests know how far to move the clock.
pub(super) const TTL: i64 = 600;

pub(super) struct Harness {
    pub(super) app: Router,
    pub(super) clock: Arc<ManualClock>,
}

fn client(id: &str, tenant: &str, secret: &str, grants: &[&str]) -> Client {
    Client {
        client_id: ClientId::parse(id.into()).unwrap(),
        tenant: TenantId::parse(tenant.into()).unwrap(),
        name: id.into(),
        secret_hash: Some(hash_client_secret(secret)),
        grant_types: grants.iter().map(|g| GrantType::parse(g).unwrap()).collect(),
        scopes: vec!["read".into(), "write".into()],
        redirect_uris: vec![],
        authorities: vec!["ROLE_APP".into()],
        public: false,
        settings: TokenSettings {
            access_token_ttl: Some(tessera::model::Lifetime::of_seconds(TTL as u32)),
            user_access_token_ttl: Some(tessera::model::Lifetime::of_seconds(TTL as u32)),
            ..Default::default()
        },
        allowed_origins: vec![],
    }
}

fn tenant(id: &str) -> Tenant {
    Tenant {
        id: TenantId::parse(id.into()).unwrap(),
        name: id.into(),
        settings: TokenSettings::default(),
    }
}

/// Two tenants, four clients and one user, created straight through the store.
pub(super) async fn harness() -> Harness {
    let clock = Arc::new(ManualClock::new(START));
    let store = Arc::new(EmbeddedStore::in_memory());
    let service = Service::new(store.clone(), clock.clone(), Arc::new(Keyring::random()), ISSUER);
    store.create_tenant(tenant(TENANT_A)).await.unwrap();
    store.create_tenant(tenant(TENANT_B)).await.unwrap();
    store
        .create_client(client(APP, TENANT_A, SECRET, &["client_credentials"]))
        .await
        .unwrap();
    store
        .create_client(client(WEB, TENANT_A, SECRET, &["password", "refresh_token"]))
        .await
        .unwrap();
    store
        .create_client(client(INTRUDER, TENANT_A, SECRET, &["client_credentials"]))
        .await
        .unwrap();
    store
        .create_client(client(FOREIGN, TENANT_B, FOREIGN_SECRET, &["client_credentials"]))
        .await
        .unwrap();
    let password_hash = tessera::service::passwords::hash(Secret::new(PASSWORD.into()))
        .await
        .unwrap();
    store
        .create_user(User {
            tenant: TenantId::parse(TENANT_A.into()).unwrap(),
            username: Username::parse(USER.into()).unwrap(),
            password_hash,
            authorities: vec!["ROLE_USER".into()],
            enabled: true,
        })
        .await
        .unwrap();
    Harness {
        app: tessera::http::router(Arc::new(service)),
        clock,
    }
}
