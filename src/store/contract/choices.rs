//! The store contract, continued: which token `reuse` hands back when several match (and only for
//! the same audiences and format), and plain issuance refusing a deleted client. Plain async
//! functions over a `Shared` store, run on every backend by `store_contract_tests!`.

use super::prelude::*;

async fn issue(store: &Shared, token: TokenRecord, policy: TokenPolicy) -> IssueOutcome {
    store.issue(request(token, policy, None, NOW)).await.unwrap()
}

/// Several active tokens of one key (issued under `multi`, with different expiries): `reuse`
/// hands back the earliest to expire, the lower id between two that expire together, on every
/// backend (the choice is `model::issuance::decide`'s, whatever order a query yields).
pub async fn reuse_returns_the_earliest_expiring_match(store: Shared) {
    let (tenant, client) = fixtures("earliest");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&*store, &client.tenant).await;
    for subject in [None, Some("alice")] {
        let mut ties = Vec::new();
        for expires_at in [Some(NOW + 300), Some(NOW + 100), None, Some(NOW + 100), Some(NOW + 200)] {
            let token = access_token(&client, subject, NOW, expires_at);
            if expires_at == Some(NOW + 100) {
                ties.push(token.id);
            }
            assert!(matches!(
                issue(&store, token, TokenPolicy::Multi).await,
                IssueOutcome::Issued
            ));
        }
        let expected = ties.into_iter().min().unwrap();
        for _ in 0..2 {
            let again = access_token(&client, subject, NOW, Some(NOW + 600));
            match issue(&store, again, TokenPolicy::Reuse).await {
                IssueOutcome::Reused { access, .. } => assert_eq!(access.id, expected, "{subject:?}"),
                other => panic!("{subject:?}: expected Reused, got {other:?}"),
            }
        }
    }
}

/// Plain issuance (no policy, no limit, no subject: the SQL store's batched inserts) refuses a
/// client deleted before it, stores nothing for it, and still stores the live client's tokens
/// written alongside.
pub async fn plain_issuance_refuses_a_deleted_client(store: Shared) {
    let (tenant, client) = fixtures("deleted");
    let mut gone = client.clone();
    gone.client_id = ClientId::parse("deleted-gone".into()).unwrap();
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    store.create_client(gone.clone()).await.unwrap();
    assert!(store.delete_client(&gone.client_id, NOW).await.unwrap());
    let token = access_token(&gone, None, NOW, Some(NOW + 600));
    let id = token.id;
    assert!(matches!(
        issue(&store, token, TokenPolicy::Multi).await,
        IssueOutcome::Gone
    ));
    assert!(store.get_token(&id).await.unwrap().is_none());
    // Concurrent requests share statements: the deleted client's rows must not take the live
    // client's rows down with them, nor slip in beside them.
    let tasks: Vec<_> = (0..48)
        .map(|i| {
            let store = store.clone();
            let token = access_token(if i % 2 == 0 { &client } else { &gone }, None, NOW, Some(NOW + 600));
            tokio::spawn(async move {
                let id = token.id;
                let outcome = store
                    .issue(request(token, TokenPolicy::Multi, None, NOW))
                    .await
                    .unwrap();
                (i, id, outcome)
            })
        })
        .collect();
    for task in tasks {
        let (i, id, outcome) = task.await.unwrap();
        let stored = store.get_token(&id).await.unwrap();
        if i % 2 == 0 {
            assert!(matches!(outcome, IssueOutcome::Issued), "{i}: {outcome:?}");
            assert!(stored.is_some_and(|t| t.is_active(NOW)), "{i}");
        } else {
            assert!(matches!(outcome, IssueOutcome::Gone), "{i}: {outcome:?}");
            assert!(stored.is_none(), "{i}");
        }
    }
}

/// An access token with audiences and a sealed JWT, as issuance gives one.
fn with_extra(mut token: TokenRecord, aud: &[&str], jwt: Option<&str>) -> TokenRecord {
    let aud = aud.iter().map(|a| Audience::parse(a).unwrap()).collect();
    let kid = jwt.map(|_| "kid-1".into());
    let jwt = jwt.map(|j| SealedJwt(j.as_bytes().into()));
    token.extra = Some(std::sync::Arc::new(AccessExtra { aud, kid, jwt }));
    token
}

/// `reuse` hands back a token only for the same audiences and the same format (a JWT for a JWT),
/// and the token handed back keeps its sealed JWT, on every backend.
pub async fn reuse_needs_the_same_audience_and_format(store: Shared) {
    let (tenant, client) = fixtures("audience");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let jwt = with_extra(
        access_token(&client, None, NOW, Some(NOW + 300)),
        &["urn:a"],
        Some("c2VhbGVk"),
    );
    assert!(matches!(
        issue(&store, jwt.clone(), TokenPolicy::Multi).await,
        IssueOutcome::Issued
    ));
    let others = [
        access_token(&client, None, NOW, Some(NOW + 300)),
        with_extra(
            access_token(&client, None, NOW, Some(NOW + 300)),
            &["urn:b"],
            Some("eA"),
        ),
        with_extra(access_token(&client, None, NOW, Some(NOW + 300)), &["urn:a"], None),
        with_extra(
            access_token(&client, None, NOW, Some(NOW + 300)),
            &["urn:a", "urn:b"],
            Some("eA"),
        ),
    ];
    for other in others {
        let wanted = format!("{:?}", other.extra);
        match issue(&store, other, TokenPolicy::Reuse).await {
            IssueOutcome::Issued => {}
            outcome => panic!("{wanted}: expected a new token, got {outcome:?}"),
        }
    }
    let same = with_extra(
        access_token(&client, None, NOW, Some(NOW + 300)),
        &["urn:a"],
        Some("eA"),
    );
    match issue(&store, same, TokenPolicy::Reuse).await {
        IssueOutcome::Reused { access, .. } => assert_eq!(*access, jwt),
        outcome => panic!("expected the JWT back, got {outcome:?}"),
    }
}
