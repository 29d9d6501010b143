//! The store contract: clients and users, and the tokens deleting or disabling them revokes.

use super::prelude::*;

pub async fn clients_need_their_tenant_and_unique_ids(store: Shared) {
    let (tenant, client) = fixtures("c1");
    assert!(matches!(
        store.create_client(client.clone()).await,
        Err(StoreError::Missing(_))
    ));
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    assert!(matches!(
        store.create_client(client.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    let got = store.get_client(&client.client_id).await.unwrap().unwrap();
    assert_eq!(*got, client);
    let mut changed = client.clone();
    changed.secret_hash = Some([9; 32]);
    changed.allowed_origins = vec![Origin::parse("https://app.example").unwrap()];
    assert!(store.update_client(changed.clone()).await.unwrap());
    assert_eq!(*store.get_client(&client.client_id).await.unwrap().unwrap(), changed);
    assert_eq!(
        store.list_clients(Some(crate::model::tid("c1"))).await.unwrap().len(),
        1
    );
    assert!(store
        .list_clients(Some(crate::model::tid("other")))
        .await
        .unwrap()
        .is_empty());
    let (second_tenant, second) = fixtures("c1b");
    store.create_tenant(second_tenant).await.unwrap();
    store.create_client(second.clone()).await.unwrap();
    let every: Vec<ClientId> = store
        .list_clients(None)
        .await
        .unwrap()
        .iter()
        .map(|c| c.client_id.clone())
        .collect::<Vec<_>>();
    let mut expected = vec![client.client_id.clone(), second.client_id.clone()];
    expected.sort();
    assert_eq!(every, expected, "every tenant's clients, in client id order");
}

pub async fn deleting_a_client_revokes_its_tokens(store: Shared) {
    let (tenant, client) = fixtures("c2");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let token = access_token(&client, None, NOW, Some(NOW + 60));
    let id = token.id;
    store
        .issue(request(token, TokenPolicy::Multi, None, NOW))
        .await
        .unwrap();
    assert!(store.delete_client(&client.client_id, NOW).await.unwrap());
    assert!(store.get_client(&client.client_id).await.unwrap().is_none());
    let after = store.get_token(&id).await.unwrap();
    assert!(after.is_none_or(|t| !t.is_active(NOW)));
}

pub async fn disabling_or_deleting_a_user_revokes_only_that_users_tokens(store: Shared) {
    let (tenant, client) = fixtures("u1");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    store.create_user(user("u1", "alice")).await.unwrap();
    store.create_user(user("u1", "bob")).await.unwrap();
    assert!(matches!(
        store.create_user(user("u1", "bob")).await,
        Err(StoreError::Conflict(_))
    ));
    let alice = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
    let bob = access_token(&client, Some("bob"), NOW, Some(NOW + 60));
    let (alice_id, bob_id) = (alice.id, bob.id);
    store
        .issue(request(alice, TokenPolicy::Multi, None, NOW))
        .await
        .unwrap();
    store.issue(request(bob, TokenPolicy::Multi, None, NOW)).await.unwrap();
    let mut disabled = user("u1", "alice");
    disabled.enabled = false;
    assert!(store.update_user(disabled.clone(), NOW).await.unwrap());
    assert!(
        !store
            .get_user(crate::model::tid("u1"), crate::model::uid("alice"))
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    assert!(!store.get_token(&alice_id).await.unwrap().unwrap().is_active(NOW));
    assert!(store.get_token(&bob_id).await.unwrap().unwrap().is_active(NOW));
    assert!(store
        .delete_user(crate::model::tid("u1"), crate::model::uid("bob"), NOW)
        .await
        .unwrap());
    assert!(!store
        .delete_user(crate::model::tid("u1"), crate::model::uid("bob"), NOW)
        .await
        .unwrap());
    assert!(store
        .get_user(crate::model::tid("u1"), crate::model::uid("bob"))
        .await
        .unwrap()
        .is_none());
    assert!(!store.get_token(&bob_id).await.unwrap().unwrap().is_active(NOW));
    assert_eq!(store.list_users(crate::model::tid("u1")).await.unwrap().len(), 1);
}
