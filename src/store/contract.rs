//! The store contract: one suite every backend must pass, instantiated per backend with
//! `store_contract_tests!(async { (store, guard) })` where `guard` keeps the backend's resources alive.

pub use super::IssueRequest;
use crate::clock::UnixTime;
use crate::model::*;
use std::sync::Arc;

pub fn fixtures(tenant_id: &str) -> (Tenant, Client) {
    let tenant = Tenant {
        id: tenant_id.to_string(),
        name: format!("Tenant {tenant_id}"),
        settings: TokenSettings::default(),
    };
    let client = Client {
        client_id: format!("{tenant_id}-app"),
        tenant: tenant_id.to_string(),
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
        tenant: tenant.into(),
        username: username.into(),
        password_hash: "$argon2id$not-a-real-hash".into(),
        authorities: vec!["ROLE_USER".into()],
        enabled: true,
    }
}

/// Users `alice` and `bob`: a token with a subject is only issued for a user who exists.
pub async fn create_users(store: &dyn super::Store, tenant: &str) {
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

#[allow(dead_code)]
pub type Shared = Arc<dyn super::Store>;

pub use tessera_testdb::{test_database, TestDatabase};

#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        #[allow(unused_imports)]
        use $crate::model::*;
        #[allow(unused_imports)]
        use $crate::store::contract::*;
        #[allow(unused_imports)]
        use $crate::store::{IssueOutcome, StoreError};

        const NOW: i64 = 1_700_000_000;

        #[tokio::test]
        async fn tenants_round_trip_and_conflict() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, _) = fixtures("acme");
            store.create_tenant(tenant.clone()).await.unwrap();
            assert!(matches!(store.create_tenant(tenant.clone()).await, Err(StoreError::Conflict(_))));
            assert_eq!(store.get_tenant("acme").await.unwrap().as_deref(), Some(&tenant));
            assert_eq!(store.get_tenant("nope").await.unwrap(), None);
            let mut changed = tenant.clone();
            changed.settings.max_active_tokens = Some(3);
            assert!(store.update_tenant(changed.clone()).await.unwrap());
            assert_eq!(store.get_tenant("acme").await.unwrap().as_deref(), Some(&changed));
            let mut ghost = tenant.clone();
            ghost.id = "ghost".into();
            assert!(!store.update_tenant(ghost).await.unwrap());
            assert_eq!(store.list_tenants().await.unwrap().len(), 1);
        }

        #[tokio::test]
        async fn deleting_a_tenant_removes_its_clients_users_and_tokens() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("gone");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            store.create_user(user("gone", "alice")).await.unwrap();
            let token = access_token(&client, None, NOW, Some(NOW + 60));
            let id = token.id;
            store.issue(request(token, TokenPolicy::Multi, None, NOW)).await.unwrap();
            assert!(store.delete_tenant("gone").await.unwrap());
            assert!(!store.delete_tenant("gone").await.unwrap());
            assert!(store.get_client(&client.client_id).await.unwrap().is_none());
            assert!(store.get_user("gone", "alice").await.unwrap().is_none());
            assert!(store.get_token(&id).await.unwrap().is_none());
        }

        #[tokio::test]
        async fn clients_need_their_tenant_and_unique_ids() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("c1");
            assert!(matches!(store.create_client(client.clone()).await, Err(StoreError::Missing(_))));
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            assert!(matches!(store.create_client(client.clone()).await, Err(StoreError::Conflict(_))));
            let got = store.get_client(&client.client_id).await.unwrap().unwrap();
            assert_eq!(*got, client);
            let mut changed = client.clone();
            changed.secret_hash = Some([9; 32]);
            changed.allowed_origins = vec![Origin::parse("https://app.example").unwrap()];
            assert!(store.update_client(changed.clone()).await.unwrap());
            assert_eq!(*store.get_client(&client.client_id).await.unwrap().unwrap(), changed);
            assert_eq!(store.list_clients(Some("c1")).await.unwrap().len(), 1);
            assert!(store.list_clients(Some("other")).await.unwrap().is_empty());
            let (second_tenant, second) = fixtures("c1b");
            store.create_tenant(second_tenant).await.unwrap();
            store.create_client(second.clone()).await.unwrap();
            let every: Vec<String> = store.list_clients(None).await.unwrap().iter().map(|c| c.client_id.clone()).collect();
            let mut expected = vec![client.client_id.clone(), second.client_id.clone()];
            expected.sort();
            assert_eq!(every, expected, "every tenant's clients, in client id order");
        }

        #[tokio::test]
        async fn deleting_a_client_revokes_its_tokens() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("c2");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            let token = access_token(&client, None, NOW, Some(NOW + 60));
            let id = token.id;
            store.issue(request(token, TokenPolicy::Multi, None, NOW)).await.unwrap();
            assert!(store.delete_client(&client.client_id, NOW).await.unwrap());
            assert!(store.get_client(&client.client_id).await.unwrap().is_none());
            let after = store.get_token(&id).await.unwrap();
            assert!(after.is_none_or(|t| !t.is_active(NOW)));
        }

        #[tokio::test]
        async fn disabling_or_deleting_a_user_revokes_only_that_users_tokens() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("u1");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            store.create_user(user("u1", "alice")).await.unwrap();
            store.create_user(user("u1", "bob")).await.unwrap();
            assert!(matches!(store.create_user(user("u1", "bob")).await, Err(StoreError::Conflict(_))));
            let alice = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
            let bob = access_token(&client, Some("bob"), NOW, Some(NOW + 60));
            let (alice_id, bob_id) = (alice.id, bob.id);
            store.issue(request(alice, TokenPolicy::Multi, None, NOW)).await.unwrap();
            store.issue(request(bob, TokenPolicy::Multi, None, NOW)).await.unwrap();
            let mut disabled = user("u1", "alice");
            disabled.enabled = false;
            assert!(store.update_user(disabled.clone(), NOW).await.unwrap());
            assert!(!store.get_user("u1", "alice").await.unwrap().unwrap().enabled);
            assert!(!store.get_token(&alice_id).await.unwrap().unwrap().is_active(NOW));
            assert!(store.get_token(&bob_id).await.unwrap().unwrap().is_active(NOW));
            assert!(store.delete_user("u1", "bob", NOW).await.unwrap());
            assert!(!store.delete_user("u1", "bob", NOW).await.unwrap());
            assert!(store.get_user("u1", "bob").await.unwrap().is_none());
            assert!(!store.get_token(&bob_id).await.unwrap().unwrap().is_active(NOW));
            assert_eq!(store.list_users("u1").await.unwrap().len(), 1);
        }

        #[tokio::test]
        async fn limit_refuses_the_next_token_and_names_the_earliest_expiry() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("lim");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            for i in 0..3 {
                let t = access_token(&client, None, NOW, Some(NOW + 100 + i));
                assert!(matches!(store.issue(request(t, TokenPolicy::Multi, Some(3), NOW)).await.unwrap(), IssueOutcome::Issued));
            }
            let t = access_token(&client, None, NOW, Some(NOW + 100));
            match store.issue(request(t, TokenPolicy::Multi, Some(3), NOW)).await.unwrap() {
                IssueOutcome::LimitReached { earliest_expiry } => assert_eq!(earliest_expiry, Some(NOW + 100)),
                other => panic!("expected LimitReached, got {other:?}"),
            }
            // Once the earliest token has expired, its slot is free again.
            let t = access_token(&client, None, NOW + 100, Some(NOW + 500));
            assert!(matches!(store.issue(request(t, TokenPolicy::Multi, Some(3), NOW + 100)).await.unwrap(), IssueOutcome::Issued));
            // Revoking frees slots at once.
            assert!(store.revoke_client_tokens(&client.client_id, None, NOW + 100).await.unwrap() >= 3);
            let t = access_token(&client, None, NOW + 100, None);
            assert!(matches!(store.issue(request(t, TokenPolicy::Multi, Some(1), NOW + 100)).await.unwrap(), IssueOutcome::Issued));
            let t = access_token(&client, None, NOW + 100, None);
            match store.issue(request(t, TokenPolicy::Multi, Some(1), NOW + 100)).await.unwrap() {
                IssueOutcome::LimitReached { earliest_expiry } => assert_eq!(earliest_expiry, None, "never-expiring token"),
                other => panic!("expected LimitReached, got {other:?}"),
            }
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn limit_holds_under_concurrency() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("race");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            let tasks: Vec<_> = (0..64)
                .map(|_| {
                    let store = store.clone();
                    let token = access_token(&client, None, NOW, Some(NOW + 600));
                    tokio::spawn(async move { store.issue(request(token, TokenPolicy::Multi, Some(10), NOW)).await.unwrap() })
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

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn reuse_hands_back_one_token_per_key() {
            let Some((store, _guard)) = $make.await else { return };
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
                        match store.issue(request(token, TokenPolicy::Reuse, None, NOW)).await.unwrap() {
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
            let device = with_scopes(access_token(&client, Some("alice"), NOW, Some(NOW + 600)), &["read", "device_ipad"]);
            assert!(matches!(store.issue(request(device, TokenPolicy::Reuse, None, NOW)).await.unwrap(), IssueOutcome::Issued));
            let other_user = access_token(&client, Some("bob"), NOW, Some(NOW + 600));
            assert!(matches!(store.issue(request(other_user, TokenPolicy::Reuse, None, NOW)).await.unwrap(), IssueOutcome::Issued));
            // An expired token is not reused.
            let later = access_token(&client, Some("alice"), NOW + 601, Some(NOW + 1200));
            assert!(matches!(store.issue(request(later, TokenPolicy::Reuse, None, NOW + 601)).await.unwrap(), IssueOutcome::Issued));
        }

        #[tokio::test]
        async fn single_per_subject_revokes_the_earlier_tokens_of_that_subject() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("single");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            create_users(&*store, &client.tenant).await;
            let first = access_token(&client, Some("alice"), NOW, Some(NOW + 600));
            let bob = access_token(&client, Some("bob"), NOW, Some(NOW + 600));
            let second = with_scopes(access_token(&client, Some("alice"), NOW, Some(NOW + 600)), &["write"]);
            let (first_id, bob_id, second_id) = (first.id, bob.id, second.id);
            for t in [first, bob, second] {
                assert!(matches!(store.issue(request(t, TokenPolicy::SinglePerSubject, Some(2), NOW)).await.unwrap(), IssueOutcome::Issued));
            }
            assert!(!store.get_token(&first_id).await.unwrap().unwrap().is_active(NOW));
            assert!(store.get_token(&second_id).await.unwrap().unwrap().is_active(NOW));
            assert!(store.get_token(&bob_id).await.unwrap().unwrap().is_active(NOW));
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn a_refresh_token_is_consumed_once_and_its_grant_revocable() {
            let Some((store, _guard)) = $make.await else { return };
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
            assert_eq!(store.get_token(&refresh_id).await.unwrap().unwrap().kind, TokenKind::Refresh);

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
                    req.consume = Some($crate::store::Consume::First(refresh_id));
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
            assert_eq!(store.get_token(&refresh_id).await.unwrap().unwrap().state, TokenState::Used);
            // Revoking the grant ends every token of the lineage.
            let revoked = store.revoke_grant(&grant).await.unwrap();
            assert_eq!(revoked, 4, "first access, used refresh, new access, new refresh");
            assert!(!store.get_token(&access_id).await.unwrap().unwrap().is_active(NOW));
            assert_eq!(store.revoke_grant(&grant).await.unwrap(), 0);
        }

        #[tokio::test]
        async fn revoke_one_token_and_a_clients_tokens_by_subject() {
            let Some((store, _guard)) = $make.await else { return };
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
            assert_eq!(store.revoke_client_tokens(&client.client_id, Some("alice"), NOW).await.unwrap(), 1);
            assert!(!store.get_token(&a_id).await.unwrap().unwrap().is_active(NOW));
            assert!(store.get_token(&b_id).await.unwrap().unwrap().is_active(NOW));
            assert_eq!(store.revoke_client_tokens(&client.client_id, None, NOW).await.unwrap(), 1);
            assert!(store.get_token(&TokenId::generate()).await.unwrap().is_none());
        }

        #[tokio::test]
        async fn tokens_are_listed_in_pages_with_filters_and_counted() {
            let Some((store, _guard)) = $make.await else { return };
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
            let mut query = $crate::store::TokenQuery {
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
            assert_eq!(store.count_active_access(&client.client_id, NOW + 62).await.unwrap(), 2, "expired ones do not count");
            query.now = NOW + 62;
            query.subject = None;
            assert_eq!(store.list_tokens(&query).await.unwrap().len(), 2);
        }

        #[tokio::test]
        async fn a_token_update_changes_scopes_expiry_and_properties() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("upd");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            let t = access_token(&client, None, NOW, Some(NOW + 60));
            let id = t.id;
            store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap();
            let mut props = serde_json::Map::new();
            props.insert("tier".into(), serde_json::json!("gold"));
            let patch = $crate::store::TokenPatch {
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
            let end = $crate::store::TokenPatch { expires_at: Some(Some(NOW - 1)), ..Default::default() };
            assert!(store.update_token(&id, end, NOW).await.unwrap().is_some());
            assert!(!store.get_token(&id).await.unwrap().unwrap().is_active(NOW));
            assert_eq!(store.count_active_access(&client.client_id, NOW).await.unwrap(), 0);
            // An ended token stays ended: no change applies to it, a new expiry least of all.
            let revive = $crate::store::TokenPatch { expires_at: Some(Some(NOW + 60)), ..Default::default() };
            assert!(store.update_token(&id, revive.clone(), NOW).await.unwrap().is_none());
            assert!(!store.get_token(&id).await.unwrap().unwrap().is_active(NOW));
            let t = access_token(&client, None, NOW, Some(NOW + 60));
            let revoked = t.id;
            store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap();
            assert!(store.revoke_token(&revoked).await.unwrap());
            assert!(store.update_token(&revoked, revive, NOW).await.unwrap().is_none());
            assert!(!store.get_token(&revoked).await.unwrap().unwrap().is_active(NOW));
            assert!(store.update_token(&TokenId::generate(), Default::default(), NOW).await.unwrap().is_none());
        }

        #[tokio::test]
        async fn authorizations_group_a_subjects_tokens_by_client_and_can_be_rescoped() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("authz");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            create_users(&*store, &client.tenant).await;
            let mut other = client.clone();
            other.client_id = "authz-other".into();
            store.create_client(other.clone()).await.unwrap();
            for (c, scopes) in [(&client, &["read"][..]), (&client, &["write"][..]), (&other, &["read"][..])] {
                let t = with_scopes(access_token(c, Some("alice"), NOW, Some(NOW + 60)), scopes);
                store.issue(request(t, TokenPolicy::Multi, None, NOW)).await.unwrap();
            }
            let bob = access_token(&client, Some("bob"), NOW, Some(NOW + 60));
            let bob_id = bob.id;
            store.issue(request(bob, TokenPolicy::Multi, None, NOW)).await.unwrap();
            let mut found = store.authorizations("authz", "alice", NOW).await.unwrap();
            found.sort_by(|a, b| a.client_id.cmp(&b.client_id));
            assert_eq!(found.len(), 2);
            assert_eq!(found[0].client_id, "authz-app");
            assert_eq!(found[0].scopes, vec!["read", "write"]);
            assert_eq!(found[0].token_count, 2);
            let n = store.set_pair_scopes("authz-app", "alice", vec!["read".to_string()].into(), NOW).await.unwrap();
            assert_eq!(n, 2);
            let found = store.authorizations("authz", "alice", NOW).await.unwrap();
            assert!(found.iter().all(|a| a.scopes == vec!["read"]));
            assert_eq!(&**store.get_token(&bob_id).await.unwrap().unwrap().scopes(), &["read".to_string()], "bob untouched");
            assert!(store.authorizations("authz", "alice", NOW + 60).await.unwrap().is_empty());
        }

        #[tokio::test]
        async fn purge_removes_only_tokens_expired_before_the_cutoff_in_batches() {
            let Some((store, _guard)) = $make.await else { return };
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
            store.issue(request(fresh, TokenPolicy::Multi, None, NOW)).await.unwrap();
            store.issue(request(forever, TokenPolicy::Multi, None, NOW)).await.unwrap();
            assert_eq!(store.purge_expired(NOW + 100, 3).await.unwrap(), 3, "bounded batch");
            assert_eq!(store.purge_expired(NOW + 100, 3).await.unwrap(), 2);
            assert_eq!(store.purge_expired(NOW + 100, 3).await.unwrap(), 0);
            for id in old {
                assert!(store.get_token(&id).await.unwrap().is_none());
            }
            assert!(store.get_token(&fresh_id).await.unwrap().is_some());
            assert!(store.get_token(&forever_id).await.unwrap().is_some());
        }

        #[tokio::test]
        async fn a_lease_has_one_holder_until_it_runs_out() {
            let Some((store, _guard)) = $make.await else { return };
            assert!(store.acquire_lease("job", "node-a", NOW, NOW + 60).await.unwrap());
            assert!(store.acquire_lease("job", "node-a", NOW + 1, NOW + 61).await.unwrap(), "renewal");
            let b = store.acquire_lease("job", "node-b", NOW + 2, NOW + 62).await.unwrap();
            // Embedded stores belong to one process, so any holder is that process.
            let shared = !b;
            if shared {
                assert!(store.acquire_lease("job", "node-b", NOW + 62, NOW + 120).await.unwrap(), "expired lease");
                assert!(!store.acquire_lease("job", "node-a", NOW + 63, NOW + 121).await.unwrap());
                store.release_lease("job", "node-a").await.unwrap();
                assert!(!store.acquire_lease("job", "node-a", NOW + 64, NOW + 122).await.unwrap(), "not a's to free");
                store.release_lease("job", "node-b").await.unwrap();
                assert!(store.acquire_lease("job", "node-a", NOW + 65, NOW + 123).await.unwrap(), "released early");
            }
        }

        #[tokio::test]
        async fn no_token_for_a_deleted_client_or_a_disabled_user() {
            let Some((store, _guard)) = $make.await else { return };
            let (tenant, client) = fixtures("gone2");
            store.create_tenant(tenant).await.unwrap();
            store.create_client(client.clone()).await.unwrap();
            create_users(&*store, &client.tenant).await;
            let mut carol = user(&client.tenant, "carol");
            carol.enabled = false;
            store.create_user(carol).await.unwrap();
            let t = access_token(&client, Some("carol"), NOW, Some(NOW + 60));
            assert!(matches!(store.issue(request(t, TokenPolicy::Multi, Some(5), NOW)).await.unwrap(), IssueOutcome::Gone));
            let t = access_token(&client, Some("nobody"), NOW, Some(NOW + 60));
            assert!(matches!(store.issue(request(t, TokenPolicy::Reuse, None, NOW)).await.unwrap(), IssueOutcome::Gone));
            store.delete_client(&client.client_id, NOW).await.unwrap();
            let t = access_token(&client, None, NOW, Some(NOW + 60));
            assert!(matches!(store.issue(request(t, TokenPolicy::Multi, Some(5), NOW)).await.unwrap(), IssueOutcome::Gone));
        }

        #[tokio::test]
        async fn active_access_tokens_are_counted_per_tenant() {
            let Some((store, _guard)) = $make.await else { return };
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

        #[tokio::test]
        async fn a_token_keeps_every_field() {
            let Some((store, _guard)) = $make.await else { return };
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
            store.issue(request(token.clone(), TokenPolicy::Multi, None, NOW)).await.unwrap();
            assert_eq!(*store.get_token(&token.id).await.unwrap().unwrap(), token);
            store.health().await.unwrap();
        }
        $crate::store_consent_contract_tests!($make);
        $crate::store_grace_contract_tests!($make);
        $crate::store_names_contract_tests!($make);
        $crate::store_throttle_contract_tests!($make);
    };
}
