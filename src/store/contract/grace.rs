//! The store contract: the exchanged token's part of an issuance that the refresh
//! grace relies on. A first use is stamped with its time and reported to whoever comes second;
//! a reuse needs the token still used; revoking the lineage ends what reuses issued.

use super::prelude::*;
use crate::store::Consume::{Again, First};

/// A rotation of `grant` at `now` that uses its refresh token `consume`.
pub fn exchange(client: &Client, grant: TokenId, consume: Consume, now: i64) -> (IssueRequest, TokenRecord) {
    let mut access = access_token(client, Some("alice"), now, Some(now + 60));
    access.grant_id = grant;
    let refresh = refresh_for(&access, Some(now + 6000));
    let mut req = request(access.clone(), TokenPolicy::Multi, None, now);
    req.refresh = Some(refresh);
    req.consume = Some(consume);
    (req, access)
}

/// A grant `grace` for alice whose refresh token expires at `NOW + 600`: (client, grant, refresh id).
async fn granted(store: &Shared) -> (Client, TokenId, TokenId) {
    let (tenant, client) = fixtures("grace");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&**store, "grace").await;
    let access = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
    let refresh = refresh_for(&access, Some(NOW + 600));
    let (grant, refresh_id) = (access.grant_id, refresh.id);
    let mut first = request(access, TokenPolicy::Multi, None, NOW);
    first.refresh = Some(refresh);
    assert!(matches!(store.issue(first).await.unwrap(), IssueOutcome::Issued));
    (client, grant, refresh_id)
}

pub async fn a_first_use_is_stamped_and_a_reuse_needs_the_token_still_used(store: Shared) {
    let (client, grant, rt) = granted(&store).await;
    let (again_early, _) = exchange(&client, grant, Again(rt), NOW + 1);
    let outcome = store.issue(again_early).await.unwrap();
    assert!(
        matches!(outcome, IssueOutcome::ConsumedAlready { used_at: None }),
        "{outcome:?}"
    );

    let (first, _) = exchange(&client, grant, First(rt), NOW + 5);
    assert!(matches!(store.issue(first).await.unwrap(), IssueOutcome::Issued));
    let used = store.get_token(&rt).await.unwrap().unwrap();
    assert_eq!((used.state, used.used_at()), (TokenState::Used, Some(NOW + 5)));
    let (second, _) = exchange(&client, grant, First(rt), NOW + 7);
    let outcome = store.issue(second).await.unwrap();
    assert!(
        matches!(outcome, IssueOutcome::ConsumedAlready { used_at: Some(at) } if at == NOW + 5),
        "{outcome:?}"
    );

    let (again, reused) = exchange(&client, grant, Again(rt), NOW + 7);
    assert!(matches!(store.issue(again).await.unwrap(), IssueOutcome::Issued));
    assert_eq!(
        store.get_token(&rt).await.unwrap().unwrap().used_at(),
        Some(NOW + 5),
        "unchanged"
    );
    assert!(store.get_token(&reused.id).await.unwrap().unwrap().is_active(NOW + 7));
    let (late, _) = exchange(&client, grant, Again(rt), NOW + 600);
    let outcome = store.issue(late).await.unwrap();
    assert!(
        matches!(outcome, IssueOutcome::ConsumedAlready { used_at: None }),
        "expired: {outcome:?}"
    );

    // first access, used refresh, two rotations of two tokens each
    assert_eq!(store.revoke_grant(&grant).await.unwrap(), 6);
    assert!(!store.get_token(&reused.id).await.unwrap().unwrap().is_active(NOW + 7));
    let (revoked, _) = exchange(&client, grant, Again(rt), NOW + 8);
    let outcome = store.issue(revoked).await.unwrap();
    assert!(
        matches!(outcome, IssueOutcome::ConsumedAlready { used_at: None }),
        "{outcome:?}"
    );
}

pub async fn racing_first_uses_have_one_winner_whose_time_the_others_see(store: Shared) {
    let (client, grant, rt) = granted(&store).await;
    let race = |consume: fn(TokenId) -> crate::store::Consume| {
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let store = store.clone();
                let (req, _) = exchange(&client, grant, consume(rt), NOW + 10 + i);
                tokio::spawn(async move { (NOW + 10 + i, store.issue(req).await.unwrap()) })
            })
            .collect();
        async move {
            let mut outcomes = Vec::new();
            for task in tasks {
                outcomes.push(task.await.unwrap());
            }
            outcomes
        }
    };
    let outcomes = race(First).await;
    let winners: Vec<i64> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, IssueOutcome::Issued))
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    for (_, outcome) in &outcomes {
        match outcome {
            IssueOutcome::Issued => {}
            IssueOutcome::ConsumedAlready { used_at } => assert_eq!(*used_at, Some(winners[0])),
            other => panic!("unexpected {other:?}"),
        }
    }
    let outcomes = race(Again).await;
    assert!(
        outcomes.iter().all(|(_, o)| matches!(o, IssueOutcome::Issued)),
        "{outcomes:?}"
    );
    // first access and refresh, then 21 rotations of two tokens each
    assert_eq!(store.revoke_grant(&grant).await.unwrap(), 2 + 21 * 2);
}

pub async fn revoking_a_lineage_ends_the_reuses_racing_it(store: Shared) {
    let (client, grant, rt) = granted(&store).await;
    let (first, _) = exchange(&client, grant, First(rt), NOW + 1);
    assert!(matches!(store.issue(first).await.unwrap(), IssueOutcome::Issued));
    let reuses: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let (req, access) = exchange(&client, grant, Again(rt), NOW + 2);
            tokio::spawn(async move { (access.id, store.issue(req).await.unwrap()) })
        })
        .collect();
    let revoke = {
        let store = store.clone();
        tokio::spawn(async move { store.revoke_grant(&grant).await.unwrap() })
    };
    revoke.await.unwrap();
    let mut late = 0;
    for reuse in reuses {
        let (access, outcome) = reuse.await.unwrap();
        match outcome {
            IssueOutcome::Issued => {}
            IssueOutcome::ConsumedAlready { used_at: None } => continue,
            other => panic!("unexpected {other:?}"),
        }
        if store.get_token(&access).await.unwrap().unwrap().is_active(NOW + 2) {
            late += 1;
        }
    }
    // A reuse that committed before the revocation was revoked with it; one that came
    // after found the token revoked and issued nothing.
    assert_eq!(late, 0);
}
