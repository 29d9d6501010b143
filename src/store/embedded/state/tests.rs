//! The state engine's indexes against the token table: the counts, lists and purge shortcut
//! stay right through revocation, expiry, updates, purges and the compactions these trigger.

use super::State;
use crate::model::{TokenId, TokenPolicy, TokenRecord};
use crate::store::contract::{access_token, fixtures, request};
use crate::store::{IssueOutcome, TokenPatch, TokenQuery};

fn state_with_client() -> (State, crate::model::Client) {
    let (tenant, client) = fixtures("engine");
    let mut state = State::default();
    state.create_tenant(tenant).unwrap();
    state.create_client(client.clone()).unwrap();
    (state, client)
}

fn issue(state: &mut State, token: TokenRecord, max: Option<u32>, now: i64) -> IssueOutcome {
    state.issue(request(token, TokenPolicy::Multi, max, now)).0
}

fn listed(state: &State, client_id: &str, now: i64) -> Vec<TokenId> {
    let q = TokenQuery {
        client_id: crate::model::cid(client_id).to_owned(),
        subject: None,
        kind: None,
        after: None,
        limit: usize::MAX,
        now,
    };
    state.list_tokens(&q).iter().map(|t| t.id).collect()
}

#[test]
fn counts_follow_revocation_expiry_and_updates_through_compactions() {
    let (mut state, client) = state_with_client();
    let ids: Vec<TokenId> = (0..100)
        .map(|i| {
            let t = access_token(&client, None, 0, Some(100 + i));
            let id = t.id;
            assert!(matches!(issue(&mut state, t, None, 0), IssueOutcome::Issued));
            id
        })
        .collect();
    assert_eq!(state.count_active_access(&client.client_id, 0), 100);
    for id in &ids[..60] {
        assert!(state.revoke_token(id).0);
    }
    assert_eq!(state.count_active_access(&client.client_id, 0), 40);
    // Issuing sweeps the stale ids; the counts and the list must not change with it.
    let late = access_token(&client, None, 0, None);
    issue(&mut state, late.clone(), None, 0);
    assert_eq!(state.count_active_access(&client.client_id, 0), 41);
    assert_eq!(listed(&state, &client.client_id, 0).len(), 41);
    // Expiry: tokens 60..80 expire by 180; the limit sees the rest plus the one never expiring.
    assert_eq!(state.count_active_access(&client.client_id, 179), 21);
    let refused = issue(&mut state, access_token(&client, None, 179, None), Some(21), 179);
    assert!(matches!(
        refused,
        IssueOutcome::LimitReached {
            earliest_expiry: Some(180)
        }
    ));
    // An update moves a token between expiries, also one the indexes have seen expire (the
    // caller's clock, at 0, is behind the one they were read at).
    let patch = |exp| TokenPatch {
        expires_at: Some(exp),
        ..Default::default()
    };
    assert!(state.update_token(&ids[70], patch(Some(500)), 0).0.is_some());
    assert!(state.update_token(&ids[99], patch(None), 0).0.is_some());
    assert_eq!(state.count_active_access(&client.client_id, 300), 3);
    let refused = issue(&mut state, access_token(&client, None, 300, None), Some(3), 300);
    assert!(matches!(
        refused,
        IssueOutcome::LimitReached {
            earliest_expiry: Some(500)
        }
    ));
    assert_eq!(state.active_access_by_tenant(300), vec![("engine".to_string(), 3)]);
    assert_eq!(listed(&state, &client.client_id, 300), vec![ids[70], ids[99], late.id]);
}

#[test]
fn purge_skips_the_walk_only_while_nothing_can_be_due() {
    let (mut state, client) = state_with_client();
    for exp in [50, 60, 70] {
        issue(&mut state, access_token(&client, None, 0, Some(exp)), None, 0);
    }
    assert_eq!(state.purge_expired(55, 10).0, 1);
    assert_eq!(state.purge_expired(60, 10).0, 0, "60 expires at 60, not before");
    // A token inserted below the remembered earliest expiry lowers it again.
    issue(&mut state, access_token(&client, None, 0, Some(20)), None, 0);
    assert_eq!(state.purge_expired(65, 1).0, 1, "bounded batch");
    assert_eq!(state.purge_expired(65, 1).0, 1);
    assert_eq!(state.purge_expired(65, 1).0, 0);
    assert_eq!(state.count_active_access(&client.client_id, 0), 1);
    assert_eq!(listed(&state, &client.client_id, 0).len(), 1);
}

#[test]
fn a_clock_going_back_leaves_dropped_tokens_out_of_the_policies_as_out_of_the_limit() {
    let (mut state, client) = state_with_client();
    let early = access_token(&client, None, 0, Some(80));
    issue(&mut state, early.clone(), None, 0);
    let kept = access_token(&client, None, 100, None);
    issue(&mut state, kept.clone(), None, 100);
    // At 50 `early` is unexpired again, but the drop at 100 took it out of the counts.
    let next = access_token(&client, None, 50, None);
    let single = request(next.clone(), TokenPolicy::SinglePerSubject, Some(1), 50);
    assert!(matches!(state.issue(single).0, IssueOutcome::Issued));
    assert!(
        state.token(&early.id).unwrap().is_active(50),
        "not revoked: it was not counted"
    );
    assert!(!state.token(&kept.id).unwrap().is_active(50));
    assert_eq!(state.count_active_access(&client.client_id, 50), 1);
}

#[test]
fn sweeping_many_chunks_a_step_per_issue_keeps_the_policies_right() {
    let (mut state, client) = state_with_client();
    let ids: Vec<TokenId> = (0..5000)
        .map(|_| {
            let t = access_token(&client, None, 0, None);
            let id = t.id;
            issue(&mut state, t, None, 0);
            id
        })
        .collect();
    for (i, id) in ids.iter().enumerate() {
        if i % 5 != 0 {
            assert!(state.revoke_token(id).0);
        }
    }
    let active_listed = |state: &State| state.by_client[client.client_id.as_str()].active_access.listed();
    assert_eq!(active_listed(&state), 5000, "revocation only marks ids stale");
    for _ in 0..10 {
        issue(&mut state, access_token(&client, None, 0, None), None, 0);
    }
    assert!(
        active_listed(&state) < 1100,
        "ten issues swept the five chunks: {}",
        active_listed(&state)
    );
    assert_eq!(state.count_active_access(&client.client_id, 0), 1010);
    assert_eq!(listed(&state, &client.client_id, 0).len(), 1010);
    // `single_per_subject` walks the swept list: it must find every live token and only those.
    let single = request(
        access_token(&client, None, 0, None),
        TokenPolicy::SinglePerSubject,
        None,
        0,
    );
    let (_, changes) = state.issue(single);
    let revoked: usize = changes
        .iter()
        .map(|c| match c {
            super::Change::SetTokenState(ids, _) => ids.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(revoked, 1010);
    assert_eq!(state.count_active_access(&client.client_id, 0), 1);
}
