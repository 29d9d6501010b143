//! The store contract's fixtures: a tenant with its client, users, tokens and issue requests.

use crate::clock::UnixTime;
use crate::model::*;
use crate::store::IssueRequest;
use std::sync::Arc;

pub fn fixtures(tenant_id: &str) -> (Tenant, Client) {
    let tenant = Tenant {
        id: TenantId::parse(tenant_id.to_string()).unwrap(),
        name: format!("Tenant {tenant_id}"),
        settings: TokenSettings::default(),
    };
    let client = Client {
        client_id: ClientId::parse(format!("{tenant_id}-app")).unwrap(),
        tenant: TenantId::parse(tenant_id.to_string()).unwrap(),
        name: "App".into(),
        secret_hash: Some([7; 32]),
        grant_types: vec![GrantType::ClientCredentials, GrantType::Password],
        scopes: vec!["read".into(), "write".into()],
        redirect_uris: vec![],
        authorities: vec!["ROLE_APP".into()],
        public: false,
        settings: TokenSettings::default(),
        allowed_origins: vec![],
    };
    (tenant, client)
}

pub fn user(tenant: &str, username: &str) -> User {
    User {
        tenant: TenantId::parse(tenant.into()).unwrap(),
        username: Username::parse(username.into()).unwrap(),
        password_hash: "$argon2id$not-a-real-hash".into(),
        authorities: vec!["ROLE_USER".into()],
        enabled: true,
    }
}

/// Users `alice` and `bob`: a token with a subject is only issued for a user who exists.
pub async fn create_users(store: &dyn crate::store::Store, tenant: &str) {
    for name in ["alice", "bob"] {
        store.create_user(user(tenant, name)).await.unwrap();
    }
}

pub fn access_token(
    client: &Client,
    subject: Option<&str>,
    now: UnixTime,
    expires_at: Option<UnixTime>,
) -> TokenRecord {
    let id = TokenId::generate();
    let profile = TokenProfile {
        tenant: client.tenant.as_str().into(),
        client_id: client.client_id.as_str().into(),
        subject: subject.map(Into::into),
        scopes: vec!["read".to_string()].into(),
        authorities: vec![].into(),
    };
    TokenRecord::new(id, TokenKind::Access, Arc::new(profile), now, expires_at, id)
}

pub fn refresh_for(access: &TokenRecord, expires_at: Option<UnixTime>) -> TokenRecord {
    let mut refresh = TokenRecord::new(
        TokenId::generate(),
        TokenKind::Refresh,
        access.profile().clone(),
        access.issued_at,
        expires_at,
        access.grant_id,
    );
    refresh.properties = access.properties.clone();
    refresh.state = access.state;
    refresh
}

pub fn request(access: TokenRecord, policy: TokenPolicy, max_active: Option<u32>, now: UnixTime) -> IssueRequest {
    IssueRequest {
        access,
        refresh: None,
        policy,
        max_active,
        consume: None,
        now,
    }
}

pub fn with_scopes(mut token: TokenRecord, scopes: &[&str]) -> TokenRecord {
    token.set_scopes(scope_set(scopes.iter().copied()).into());
    token
}
