//! The store contract: what the background jobs rely on, the purge of expired tokens and the leases.

use super::prelude::*;

pub async fn purge_removes_only_tokens_expired_before_the_cutoff_in_batches(store: Shared) {
    let (tenant, client) = fixtures("purge");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let mut old = Vec::new();
    for i in 0..5 {
        let t = access_token(&client, None, NOW, Some(NOW + i));
        old.push(t.id);
        store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap();
    }
    let fresh = access_token(&client, None, NOW, Some(NOW + 10_000));
    let forever = access_token(&client, None, NOW, None);
    let (fresh_id, forever_id) = (fresh.id, forever.id);
    store
        .issue(request(fresh, TokenPolicy::Multi, None, NOW))
        .await
        .unwrap();
    store
        .issue(request(forever, TokenPolicy::Multi, None, NOW))
        .await
        .unwrap();
    assert_eq!(store.purge_expired(NOW + 100, 3).await.unwrap(), 3, "bounded batch");
    assert_eq!(store.purge_expired(NOW + 100, 3).await.unwrap(), 2);
    assert_eq!(store.purge_expired(NOW + 100, 3).await.unwrap(), 0);
    for id in old {
        assert!(store.get_token(&id).await.unwrap().is_none());
    }
    assert!(store.get_token(&fresh_id).await.unwrap().is_some());
    assert!(store.get_token(&forever_id).await.unwrap().is_some());
}

pub async fn a_lease_has_one_holder_until_it_runs_out(store: Shared) {
    assert!(store.acquire_lease("job", "node-a", NOW, NOW + 60).await.unwrap());
    assert!(
        store.acquire_lease("job", "node-a", NOW + 1, NOW + 61).await.unwrap(),
        "renewal"
    );
    let b = store.acquire_lease("job", "node-b", NOW + 2, NOW + 62).await.unwrap();
    // Embedded stores belong to one process, so any holder is that process.
    let shared = !b;
    if shared {
        assert!(
            store.acquire_lease("job", "node-b", NOW + 62, NOW + 120).await.unwrap(),
            "expired lease"
        );
        assert!(!store.acquire_lease("job", "node-a", NOW + 63, NOW + 121).await.unwrap());
        store.release_lease("job", "node-a").await.unwrap();
        assert!(
            !store.acquire_lease("job", "node-a", NOW + 64, NOW + 122).await.unwrap(),
            "not a's to free"
        );
        store.release_lease("job", "node-b").await.unwrap();
        assert!(
            store.acquire_lease("job", "node-a", NOW + 65, NOW + 123).await.unwrap(),
            "released early"
        );
    }
}
