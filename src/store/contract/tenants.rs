//! The store contract: tenants, and what deleting one takes with it; the active-token count per tenant.

use super::prelude::*;

pub async fn tenants_round_trip_and_conflict(store: Shared) {
    let (tenant, _) = fixtures("acme");
    store.create_tenant(tenant.clone()).await.unwrap();
    assert!(matches!(
        store.create_tenant(tenant.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.get_tenant(crate::model::tid("acme")).await.unwrap().as_deref(),
        Some(&tenant)
    );
    assert_eq!(store.get_tenant(crate::model::tid("nope")).await.unwrap(), None);
    let mut changed = tenant.clone();
    changed.settings.max_active_tokens = Some(3);
    assert!(store.update_tenant(changed.clone()).await.unwrap());
    assert_eq!(
        store.get_tenant(crate::model::tid("acme")).await.unwrap().as_deref(),
        Some(&changed)
    );
    let mut ghost = tenant.clone();
    ghost.id = tid("ghost").to_owned();
    assert!(!store.update_tenant(ghost).await.unwrap());
    assert_eq!(store.list_tenants().await.unwrap().len(), 1);
}

pub async fn deleting_a_tenant_removes_its_clients_users_and_tokens(store: Shared) {
    let (tenant, client) = fixtures("gone");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    store.create_user(user("gone", "alice")).await.unwrap();
    let token = access_token(&client, None, NOW, Some(NOW + 60));
    let id = token.id;
    store
        .issue(request(token, TokenPolicy::Multi, None, NOW))
        .await
        .unwrap();
    assert!(store.delete_tenant(crate::model::tid("gone")).await.unwrap());
    assert!(!store.delete_tenant(crate::model::tid("gone")).await.unwrap());
    assert!(store.get_client(&client.client_id).await.unwrap().is_none());
    assert!(store
        .get_user(crate::model::tid("gone"), crate::model::uid("alice"))
        .await
        .unwrap()
        .is_none());
    assert!(store.get_token(&id).await.unwrap().is_none());
}

pub async fn active_access_tokens_are_counted_per_tenant(store: Shared) {
    let mut clients = Vec::new();
    for name in ["act1", "act2", "act3"] {
        let (tenant, client) = fixtures(name);
        store.create_tenant(tenant).await.unwrap();
        store.create_client(client.clone()).await.unwrap();
        clients.push(client);
    }
    let issue = |t: TokenRecord| {
        let store = store.clone();
        async move { store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap() }
    };
    // act1: two live, one expired, one revoked, and a refresh token that is no access token.
    let live = access_token(&clients[0], None, NOW, Some(NOW + 60));
    let mut with_refresh = request(live.clone(), TokenPolicy::Multi, None, NOW);
    with_refresh.refresh = Some(refresh_for(&live, None));
    store.issue(with_refresh).await.unwrap();
    issue(access_token(&clients[0], None, NOW, Some(NOW + 60))).await;
    issue(access_token(&clients[0], None, NOW - 100, Some(NOW - 1))).await;
    let revoked = access_token(&clients[0], None, NOW, Some(NOW + 60));
    let revoked_id = revoked.id;
    issue(revoked).await;
    store.revoke_token(&revoked_id).await.unwrap();
    // act2: one that never expires; act3: only an expired one.
    issue(access_token(&clients[1], None, NOW, None)).await;
    issue(access_token(&clients[2], None, NOW - 100, Some(NOW - 1))).await;
    let counts = store.active_access_by_tenant(NOW).await.unwrap();
    assert_eq!(counts, vec![("act1".to_string(), 2), ("act2".to_string(), 1)]);
    let later = store.active_access_by_tenant(NOW + 60).await.unwrap();
    assert_eq!(later, vec![("act2".to_string(), 1)], "expired at NOW + 60");
}
