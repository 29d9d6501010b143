//! The store contract: atomic issuance under the limit and the policies, refresh rotation, and
//! no token for a client or user that is gone.

use super::prelude::*;

pub async fn limit_refuses_the_next_token_and_names_the_earliest_expiry(store: Shared) {
    let (tenant, client) = fixtures("lim");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    for i in 0..3 {
        let t = access_token(&client, None, NOW, Some(NOW + 100 + i));
        assert!(matches!(
            store.issue(request(t, TokenPolicy::Multi, Some(3), NOW)).await.unwrap(),
            IssueOutcome::Issued
        ));
    }
    let t = access_token(&client, None, NOW, Some(NOW + 100));
    match store.issue(request(t, TokenPolicy::Multi, Some(3), NOW)).await.unwrap() {
        IssueOutcome::LimitReached { earliest_expiry } => assert_eq!(earliest_expiry, Some(NOW + 100)),
        other => panic!("expected LimitReached, got {other:?}"),
    }
    // Once the earliest token has expired, its slot is free again.
    let t = access_token(&client, None, NOW + 100, Some(NOW + 500));
    assert!(matches!(
        store
            .issue(request(t, TokenPolicy::Multi, Some(3), NOW + 100))
            .await
            .unwrap(),
        IssueOutcome::Issued
    ));
    // Revoking frees slots at once.
    assert!(
        store
            .revoke_client_tokens(&client.client_id, None, NOW + 100)
            .await
            .unwrap()
            >= 3
    );
    let t = access_token(&client, None, NOW + 100, None);
    assert!(matches!(
        store
            .issue(request(t, TokenPolicy::Multi, Some(1), NOW + 100))
            .await
            .unwrap(),
        IssueOutcome::Issued
    ));
    let t = access_token(&client, None, NOW + 100, None);
    match store
        .issue(request(t, TokenPolicy::Multi, Some(1), NOW + 100))
        .await
        .unwrap()
    {
        IssueOutcome::LimitReached { earliest_expiry } => assert_eq!(earliest_expiry, None, "never-expiring token"),
        other => panic!("expected LimitReached, got {other:?}"),
    }
}

pub async fn limit_holds_under_concurrency(store: Shared) {
    let (tenant, client) = fixtures("race");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let store = store.clone();
            let token = access_token(&client, None, NOW, Some(NOW + 600));
            tokio::spawn(async move {
                store
                    .issue(request(token, TokenPolicy::Multi, Some(10), NOW))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut issued = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), IssueOutcome::Issued) {
            issued += 1;
        }
    }
    assert_eq!(issued, 10);
}

pub async fn reuse_hands_back_one_token_per_key(store: Shared) {
    let (tenant, client) = fixtures("reuse");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let store = store.clone();
            let token = access_token(&client, Some("alice"), NOW, Some(NOW + 600));
            tokio::spawn(async move {
                let id = token.id;
                match store
                    .issue(request(token, TokenPolicy::Reuse, None, NOW))
                    .await
                    .unwrap()
                {
                    IssueOutcome::Issued => id,
                    IssueOutcome::Reused { access, .. } => access.id,
                    other => panic!("unexpected {other:?}"),
                }
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap());
    }
    assert_eq!(ids.len(), 1);
    let device = with_scopes(
        access_token(&client, Some("alice"), NOW, Some(NOW + 600)),
        &["read", "device_ipad"],
    );
    assert!(matches!(
        store
            .issue(request(device, TokenPolicy::Reuse, None, NOW))
            .await
            .unwrap(),
        IssueOutcome::Issued
    ));
    let other_user = access_token(&client, Some("bob"), NOW, Some(NOW + 600));
    assert!(matches!(
        store
            .issue(request(other_user, TokenPolicy::Reuse, None, NOW))
            .await
            .unwrap(),
        IssueOutcome::Issued
    ));
    // An expired token is not reused.
    let later = access_token(&client, Some("alice"), NOW + 601, Some(NOW + 1200));
    assert!(matches!(
        store
            .issue(request(later, TokenPolicy::Reuse, None, NOW + 601))
            .await
            .unwrap(),
        IssueOutcome::Issued
    ));
}

pub async fn single_per_subject_revokes_the_earlier_tokens_of_that_subject(store: Shared) {
    let (tenant, client) = fixtures("single");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    let first = access_token(&client, Some("alice"), NOW, Some(NOW + 600));
    let bob = access_token(&client, Some("bob"), NOW, Some(NOW + 600));
    let second = with_scopes(access_token(&client, Some("alice"), NOW, Some(NOW + 600)), &["write"]);
    let (first_id, bob_id, second_id) = (first.id, bob.id, second.id);
    for t in [first, bob, second] {
        assert!(matches!(
            store
                .issue(request(t, TokenPolicy::SinglePerSubject, Some(2), NOW))
                .await
                .unwrap(),
            IssueOutcome::Issued
        ));
    }
    assert!(!store.get_token(&first_id).await.unwrap().unwrap().is_active(NOW));
    assert!(store.get_token(&second_id).await.unwrap().unwrap().is_active(NOW));
    assert!(store.get_token(&bob_id).await.unwrap().unwrap().is_active(NOW));
}

pub async fn a_refresh_token_is_consumed_once_and_its_grant_revocable(store: Shared) {
    let (tenant, client) = fixtures("rot");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    let access = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
    let refresh = refresh_for(&access, Some(NOW + 6000));
    let (access_id, refresh_id, grant) = (access.id, refresh.id, access.grant_id);
    let mut first = request(access, TokenPolicy::Multi, None, NOW);
    first.refresh = Some(refresh.clone());
    store.issue(first).await.unwrap();
    assert_eq!(
        store.get_token(&refresh_id).await.unwrap().unwrap().kind,
        TokenKind::Refresh
    );

    // Two exchanges race: exactly one wins.
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            let mut next = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
            next.grant_id = grant;
            let mut rotated = refresh_for(&next, Some(NOW + 6000));
            rotated.grant_id = grant;
            let mut req = request(next, TokenPolicy::Multi, None, NOW);
            req.refresh = Some(rotated);
            req.consume = Some(crate::store::Consume::First(refresh_id));
            tokio::spawn(async move { store.issue(req).await.unwrap() })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            IssueOutcome::Issued => wins += 1,
            IssueOutcome::ConsumedAlready { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(
        store.get_token(&refresh_id).await.unwrap().unwrap().state,
        TokenState::Used
    );
    // Revoking the grant ends every token of the lineage.
    let revoked = store.revoke_grant(&grant).await.unwrap();
    assert_eq!(revoked, 4, "first access, used refresh, new access, new refresh");
    assert!(!store.get_token(&access_id).await.unwrap().unwrap().is_active(NOW));
    assert_eq!(store.revoke_grant(&grant).await.unwrap(), 0);
}

pub async fn no_token_for_a_deleted_client_or_a_disabled_user(store: Shared) {
    let (tenant, client) = fixtures("gone2");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    let mut carol = user(&client.tenant, "carol");
    carol.enabled = false;
    store.create_user(carol).await.unwrap();
    let t = access_token(&client, Some("carol"), NOW, Some(NOW + 60));
    assert!(matches!(
        store.issue(request(t, TokenPolicy::Multi, Some(5), NOW)).await.unwrap(),
        IssueOutcome::Gone
    ));
    let t = access_token(&client, Some("nobody"), NOW, Some(NOW + 60));
    assert!(matches!(
        store.issue(request(t, TokenPolicy::Reuse, None, NOW)).await.unwrap(),
        IssueOutcome::Gone
    ));
    store.delete_client(&client.client_id, NOW).await.unwrap();
    let t = access_token(&client, None, NOW, Some(NOW + 60));
    assert!(matches!(
        store.issue(request(t, TokenPolicy::Multi, Some(5), NOW)).await.unwrap(),
        IssueOutcome::Gone
    ));
}
