//! The store contract: remembered consents and authorization codes.

use super::prelude::*;

pub fn consent(tenant: &str, client_id: &str, subject: &str, scopes: &[&str], at: i64) -> Consent {
    Consent {
        tenant: tid(tenant).to_owned(),
        client_id: cid(client_id).to_owned(),
        subject: subject.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        granted_at: at,
    }
}

/// A code for `alice`, its own grant.
pub fn code(client: &crate::model::Client, now: i64) -> TokenRecord {
    let id = TokenId::generate();
    let mut bindings = serde_json::Map::new();
    bindings.insert("redirect_uri".into(), "https://app.example/cb".into());
    let profile = crate::model::TokenProfile {
        tenant: client.tenant.as_str().into(),
        client_id: client.client_id.as_str().into(),
        subject: Some("alice".into()),
        scopes: vec!["read".to_string()].into(),
        authorities: vec![].into(),
    };
    let mut code = TokenRecord::new(
        id,
        TokenKind::Code,
        std::sync::Arc::new(profile),
        now,
        Some(now + 60),
        id,
    );
    code.properties = Some(std::sync::Arc::new(bindings));
    code
}

pub async fn consents_are_remembered_replaced_listed_and_forgotten(store: Shared) {
    let (tenant, client) = fixtures("consent");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let mut other = client.clone();
    other.client_id = cid("consent-other").to_owned();
    store.create_client(other.clone()).await.unwrap();
    create_users(&*store, "consent").await;
    let c = &client.client_id;
    assert_eq!(store.get_consent(c, "alice").await.unwrap(), None);
    let first = consent("consent", c, "alice", &["read"], NOW);
    store.grant_consent(first.clone()).await.unwrap();
    assert_eq!(store.get_consent(c, "alice").await.unwrap(), Some(first));
    // A later Allow adds its scopes to the earlier ones.
    let more = consent("consent", c, "alice", &["write"], NOW + 5);
    let wider = consent("consent", c, "alice", &["read", "write"], NOW + 5);
    assert_eq!(store.grant_consent(more).await.unwrap(), wider);
    assert_eq!(store.get_consent(c, "alice").await.unwrap(), Some(wider.clone()));
    let elsewhere = consent("consent", "consent-other", "alice", &["read"], NOW);
    store.grant_consent(elsewhere.clone()).await.unwrap();
    let bobs = consent("consent", c, "bob", &["read"], NOW);
    store.grant_consent(bobs).await.unwrap();
    assert_eq!(
        store.consents_of(crate::model::tid("consent"), "alice").await.unwrap(),
        vec![wider, elsewhere]
    );
    assert!(store.delete_consent(c, "alice").await.unwrap());
    assert!(!store.delete_consent(c, "alice").await.unwrap());
    assert_eq!(store.get_consent(c, "alice").await.unwrap(), None);
    let ghost = consent("consent", "no-such-client", "alice", &["read"], NOW);
    assert!(matches!(store.grant_consent(ghost).await, Err(StoreError::Missing(_))));
    let nobody = consent("consent", c, "nobody", &["read"], NOW);
    assert!(matches!(store.grant_consent(nobody).await, Err(StoreError::Missing(_))));
}

pub async fn consents_go_with_their_client_user_or_tenant(store: Shared) {
    let (tenant, client) = fixtures("cascade");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, "cascade").await;
    let c = &client.client_id;
    for who in ["alice", "bob"] {
        let given = consent("cascade", c, who, &["read"], NOW);
        store.grant_consent(given).await.unwrap();
    }
    assert!(store
        .delete_user(crate::model::tid("cascade"), crate::model::uid("alice"), NOW)
        .await
        .unwrap());
    assert_eq!(store.get_consent(c, "alice").await.unwrap(), None);
    assert!(store.get_consent(c, "bob").await.unwrap().is_some());
    assert!(store.delete_client(c, NOW).await.unwrap());
    assert_eq!(store.get_consent(c, "bob").await.unwrap(), None);
    store.create_client(client.clone()).await.unwrap();
    let again = consent("cascade", c, "bob", &["read"], NOW);
    store.grant_consent(again).await.unwrap();
    assert!(store.delete_tenant(crate::model::tid("cascade")).await.unwrap());
    assert!(store
        .consents_of(crate::model::tid("cascade"), "bob")
        .await
        .unwrap()
        .is_empty());
}

pub async fn a_code_is_exchanged_once_and_its_grant_revoked_as_a_whole(store: Shared) {
    let (tenant, client) = fixtures("codes");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, "codes").await;
    let code = code(&client, NOW);
    assert!(store.insert_code(code.clone()).await.unwrap());
    assert_eq!(*store.get_token(&code.id).await.unwrap().unwrap(), code);
    let mut access = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
    access.grant_id = code.id;
    let refresh = refresh_for(&access, Some(NOW + 600));
    let exchange = |access: TokenRecord, refresh: Option<TokenRecord>| IssueRequest {
        refresh,
        consume: Some(crate::store::Consume::First(code.id)),
        ..request(access, TokenPolicy::Multi, None, NOW)
    };
    let outcome = store
        .issue(exchange(access.clone(), Some(refresh.clone())))
        .await
        .unwrap();
    assert!(matches!(outcome, IssueOutcome::Issued));
    assert_eq!(
        store.get_token(&code.id).await.unwrap().unwrap().state,
        TokenState::Used
    );
    let mut again = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
    again.grant_id = code.id;
    let outcome = store.issue(exchange(again, None)).await.unwrap();
    assert!(matches!(outcome, IssueOutcome::ConsumedAlready { used_at: Some(NOW) }));
    // The used code itself, the access and the refresh token.
    assert_eq!(store.revoke_grant(&code.id).await.unwrap(), 3);
    for id in [access.id, refresh.id] {
        assert_eq!(store.get_token(&id).await.unwrap().unwrap().state, TokenState::Revoked);
    }
}

pub async fn no_code_for_a_deleted_client_or_disabled_user(store: Shared) {
    let (tenant, client) = fixtures("nocode");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let mut alice = user("nocode", "alice");
    alice.enabled = false;
    store.create_user(alice).await.unwrap();
    let code = code(&client, NOW);
    assert!(!store.insert_code(code.clone()).await.unwrap());
    assert_eq!(store.get_token(&code.id).await.unwrap(), None);
}
