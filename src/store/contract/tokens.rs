//! The store contract: revoking, listing, changing and keeping tokens, and a subject's authorizations.

use super::prelude::*;

pub async fn revoke_one_token_and_a_clients_tokens_by_subject(store: Shared) {
    let (tenant, client) = fixtures("rev");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    let a = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
    let b = access_token(&client, Some("bob"), NOW, None);
    let c = access_token(&client, None, NOW, Some(NOW + 60));
    let (a_id, b_id, c_id) = (a.id, b.id, c.id);
    for t in [a, b, c] {
        store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap();
    }
    assert!(store.revoke_token(&c_id).await.unwrap());
    assert!(!store.revoke_token(&c_id).await.unwrap(), "second revoke is a no-op");
    assert!(!store.revoke_token(&TokenId::generate()).await.unwrap());
    assert_eq!(
        store
            .revoke_client_tokens(&client.client_id, Some("alice"), NOW)
            .await
            .unwrap(),
        1
    );
    assert!(!store.get_token(&a_id).await.unwrap().unwrap().is_active(NOW));
    assert!(store.get_token(&b_id).await.unwrap().unwrap().is_active(NOW));
    assert_eq!(
        store.revoke_client_tokens(&client.client_id, None, NOW).await.unwrap(),
        1
    );
    assert!(store.get_token(&TokenId::generate()).await.unwrap().is_none());
}

pub async fn tokens_are_listed_in_pages_with_filters_and_counted(store: Shared) {
    let (tenant, client) = fixtures("list");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let subject = if i % 2 == 0 { Some("alice") } else { None };
        let t = access_token(&client, subject, NOW, Some(NOW + 60 + i));
        ids.push(t.id);
        let mut req = request(t.clone(), TokenPolicy::Multi, None, NOW);
        if i == 0 {
            let r = refresh_for(&t, None);
            ids.push(r.id);
            req.refresh = Some(r);
        }
        store.issue(req).await.unwrap();
    }
    let mut query = crate::store::TokenQuery {
        client_id: client.client_id.clone(),
        subject: None,
        kind: None,
        after: None,
        limit: 4,
        now: NOW,
    };
    // Pages follow the backend's own id order; together they hold every token once.
    let first = store.list_tokens(&query).await.unwrap();
    assert_eq!(first.len(), 4);
    query.after = Some(first[3].id);
    let rest = store.list_tokens(&query).await.unwrap();
    let mut listed: Vec<_> = first.iter().chain(rest.iter()).map(|t| t.id).collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
    query.after = None;
    query.limit = 100;
    query.kind = Some(TokenKind::Refresh);
    assert_eq!(store.list_tokens(&query).await.unwrap().len(), 1);
    query.kind = Some(TokenKind::Access);
    query.subject = Some("alice".into());
    assert_eq!(store.list_tokens(&query).await.unwrap().len(), 3);
    assert_eq!(store.count_active_access(&client.client_id, NOW).await.unwrap(), 5);
    assert_eq!(
        store.count_active_access(&client.client_id, NOW + 62).await.unwrap(),
        2,
        "expired ones do not count"
    );
    query.now = NOW + 62;
    query.subject = None;
    assert_eq!(store.list_tokens(&query).await.unwrap().len(), 2);
}

pub async fn a_token_update_changes_scopes_expiry_and_properties(store: Shared) {
    let (tenant, client) = fixtures("upd");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let t = access_token(&client, None, NOW, Some(NOW + 60));
    let id = t.id;
    store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap();
    let mut props = serde_json::Map::new();
    props.insert("tier".into(), serde_json::json!("gold"));
    let patch = crate::store::TokenPatch {
        scopes: Some(vec!["write".to_string()].into()),
        expires_at: Some(None),
        properties: Some(Some(std::sync::Arc::new(props.clone()))),
    };
    let updated = store.update_token(&id, patch, NOW).await.unwrap().unwrap();
    assert_eq!(&**updated.scopes(), &["write".to_string()]);
    assert_eq!(updated.expires_at(), None);
    let back = store.get_token(&id).await.unwrap().unwrap();
    assert_eq!(back.properties.as_deref(), Some(&props));
    assert!(back.is_active(NOW + 1_000_000));
    // A past expiry ends the token, and it no longer holds a slot.
    let end = crate::store::TokenPatch {
        expires_at: Some(Some(NOW - 1)),
        ..Default::default()
    };
    assert!(store.update_token(&id, end, NOW).await.unwrap().is_some());
    assert!(!store.get_token(&id).await.unwrap().unwrap().is_active(NOW));
    assert_eq!(store.count_active_access(&client.client_id, NOW).await.unwrap(), 0);
    // An ended token stays ended: no change applies to it, a new expiry least of all.
    let revive = crate::store::TokenPatch {
        expires_at: Some(Some(NOW + 60)),
        ..Default::default()
    };
    assert!(store.update_token(&id, revive.clone(), NOW).await.unwrap().is_none());
    assert!(!store.get_token(&id).await.unwrap().unwrap().is_active(NOW));
    let t = access_token(&client, None, NOW, Some(NOW + 60));
    let revoked = t.id;
    store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap();
    assert!(store.revoke_token(&revoked).await.unwrap());
    assert!(store.update_token(&revoked, revive, NOW).await.unwrap().is_none());
    assert!(!store.get_token(&revoked).await.unwrap().unwrap().is_active(NOW));
    assert!(store
        .update_token(&TokenId::generate(), Default::default(), NOW)
        .await
        .unwrap()
        .is_none());
}

pub async fn authorizations_group_a_subjects_tokens_by_client_and_can_be_rescoped(store: Shared) {
    let (tenant, client) = fixtures("authz");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    let mut other = client.clone();
    other.client_id = cid("authz-other").to_owned();
    store.create_client(other.clone()).await.unwrap();
    for (c, scopes) in [
        (&client, &["read"][..]),
        (&client, &["write"][..]),
        (&other, &["read"][..]),
    ] {
        let t = with_scopes(access_token(c, Some("alice"), NOW, Some(NOW + 60)), scopes);
        store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap();
    }
    let bob = access_token(&client, Some("bob"), NOW, Some(NOW + 60));
    let bob_id = bob.id;
    store.issue(request(bob, TokenPolicy::Multi, None, NOW)).await.unwrap();
    let mut found = store
        .authorizations(crate::model::tid("authz"), "alice", NOW)
        .await
        .unwrap();
    found.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].client_id, "authz-app");
    assert_eq!(found[0].scopes, vec!["read", "write"]);
    assert_eq!(found[0].token_count, 2);
    let n = store
        .set_pair_scopes(
            crate::model::cid("authz-app"),
            "alice",
            vec!["read".to_string()].into(),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    let found = store
        .authorizations(crate::model::tid("authz"), "alice", NOW)
        .await
        .unwrap();
    assert!(found.iter().all(|a| a.scopes == vec!["read"]));
    assert_eq!(
        &**store.get_token(&bob_id).await.unwrap().unwrap().scopes(),
        &["read".to_string()],
        "bob untouched"
    );
    assert!(store
        .authorizations(crate::model::tid("authz"), "alice", NOW + 60)
        .await
        .unwrap()
        .is_empty());
}

pub async fn a_token_keeps_every_field(store: Shared) {
    let (tenant, client) = fixtures("fields");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    let mut token = with_scopes(access_token(&client, Some("alice"), NOW, None), &["read", "write"]);
    let mut profile = TokenProfile::clone(token.profile());
    profile.authorities = vec!["ROLE_X".to_string()].into();
    token.set_profile(std::sync::Arc::new(profile));
    let mut props = serde_json::Map::new();
    props.insert("k".into(), serde_json::json!({"nested": [1, 2]}));
    token.properties = Some(std::sync::Arc::new(props));
    token.extra = Some(std::sync::Arc::new(AccessExtra {
        aud: vec![Audience::parse("https://api.example/orders").unwrap()].into(),
        kid: Some("kid-1".into()),
        jwt: Some(SealedJwt(vec![1, 2, 3, 4, 5, 6].into())),
    }));
    store
        .issue(request(token.clone(), TokenPolicy::Multi, None, NOW))
        .await
        .unwrap();
    assert_eq!(*store.get_token(&token.id).await.unwrap().unwrap(), token);
    store.health().await.unwrap();
}
