//! Tenants, clients and users against the real Cassandra, a fresh keyspace per test.

use super::{CassandraOptions, CassandraStore, DEFAULT_PURGE_GRACE};
use crate::model::{cid, tid, uid, Origin};
use crate::store::contract::{fixtures, user};
use crate::store::{ClientStore, StoreError, TenantStore, UserStore};

/// A store on a new keyspace (dropped with the guard), or `None`: Cassandra is not here.
pub(super) async fn store() -> Option<(CassandraStore, tessera_testdb::TestDatabase)> {
    let (url, keyspace) = tessera_testdb::test_database("cassandra").await?;
    let store = CassandraStore::connect(CassandraOptions::parse(&url).unwrap(), DEFAULT_PURGE_GRACE)
        .await
        .unwrap();
    Some((store, keyspace))
}

/// The store contract on Cassandra, a fresh keyspace per case.
mod contract {
    async fn make() -> Option<(crate::store::contract::Shared, tessera_testdb::TestDatabase)> {
        let (store, keyspace) = super::store().await?;
        Some((std::sync::Arc::new(store), keyspace))
    }

    crate::store_contract_tests!(make());
}

#[tokio::test]
async fn tenants_round_trip_conflict_and_delete() {
    let Some((store, _keyspace)) = store().await else {
        return;
    };
    let (tenant, client) = fixtures("acme");
    store.create_tenant(tenant.clone()).await.unwrap();
    assert!(matches!(
        store.create_tenant(tenant.clone()).await,
        Err(StoreError::Conflict("tenant"))
    ));
    assert_eq!(store.get_tenant(tid("acme")).await.unwrap().as_deref(), Some(&tenant));
    assert_eq!(store.get_tenant(tid("nope")).await.unwrap(), None);
    let mut changed = tenant.clone();
    changed.settings.max_active_tokens = Some(3);
    assert!(store.update_tenant(changed.clone()).await.unwrap());
    assert_eq!(store.get_tenant(tid("acme")).await.unwrap().as_deref(), Some(&changed));
    let mut ghost = tenant.clone();
    ghost.id = tid("ghost").to_owned();
    assert!(!store.update_tenant(ghost).await.unwrap());
    assert!(
        store.get_tenant(tid("ghost")).await.unwrap().is_none(),
        "IF EXISTS made no row"
    );
    store.create_tenant(fixtures("beta").0).await.unwrap();
    let ids: Vec<String> = store
        .list_tenants()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id.to_string())
        .collect();
    assert_eq!(ids, ["acme", "beta"]);

    store.create_client(client.clone()).await.unwrap();
    store.create_user(user("acme", "alice")).await.unwrap();
    assert!(store.delete_tenant(tid("acme")).await.unwrap());
    assert!(!store.delete_tenant(tid("acme")).await.unwrap());
    assert!(store.get_client(&client.client_id).await.unwrap().is_none());
    assert!(store.get_user(tid("acme"), uid("alice")).await.unwrap().is_none());
    assert!(store.list_clients(Some(tid("acme"))).await.unwrap().is_empty());
}

#[tokio::test]
async fn clients_round_trip_list_and_delete() {
    let Some((store, _keyspace)) = store().await else {
        return;
    };
    let (tenant, client) = fixtures("acme");
    assert!(matches!(
        store.create_client(client.clone()).await,
        Err(StoreError::Missing("tenant"))
    ));
    store.create_tenant(tenant).await.unwrap();
    let mut client = client;
    client.allowed_origins = vec![Origin::parse("https://app.example").unwrap()];
    client.settings.max_active_tokens = Some(10);
    store.create_client(client.clone()).await.unwrap();
    assert!(matches!(
        store.create_client(client.clone()).await,
        Err(StoreError::Conflict("client"))
    ));
    assert_eq!(
        store.get_client(&client.client_id).await.unwrap().as_deref(),
        Some(&client)
    );

    let mut public = fixtures("acme").1;
    public.client_id = cid("acme-a-public").to_owned();
    public.secret_hash = None;
    public.public = true;
    store.create_client(public.clone()).await.unwrap();
    let (other_tenant, other) = fixtures("beta");
    store.create_tenant(other_tenant).await.unwrap();
    store.create_client(other.clone()).await.unwrap();
    let ids = |clients: Vec<std::sync::Arc<crate::model::Client>>| -> Vec<String> {
        clients.iter().map(|c| c.client_id.to_string()).collect()
    };
    assert_eq!(
        ids(store.list_clients(Some(tid("acme"))).await.unwrap()),
        ["acme-a-public", "acme-app"]
    );
    assert_eq!(
        ids(store.list_clients(None).await.unwrap()),
        ["acme-a-public", "acme-app", "beta-app"]
    );
    assert_eq!(
        store.get_client(&public.client_id).await.unwrap().as_deref(),
        Some(&public)
    );

    let mut changed = client.clone();
    changed.secret_hash = None;
    changed.scopes = vec!["read".into()];
    assert!(store.update_client(changed.clone()).await.unwrap());
    assert_eq!(
        store.get_client(&client.client_id).await.unwrap().as_deref(),
        Some(&changed)
    );
    let mut ghost = client.clone();
    ghost.client_id = cid("ghost").to_owned();
    assert!(!store.update_client(ghost).await.unwrap());
    assert!(
        store.get_client(cid("ghost")).await.unwrap().is_none(),
        "IF EXISTS made no row"
    );

    assert!(store.delete_client(&client.client_id, 0).await.unwrap());
    assert!(!store.delete_client(&client.client_id, 0).await.unwrap());
    assert_eq!(
        ids(store.list_clients(Some(tid("acme"))).await.unwrap()),
        ["acme-a-public"]
    );
}

#[tokio::test]
async fn users_round_trip_list_and_delete() {
    let Some((store, _keyspace)) = store().await else {
        return;
    };
    assert!(matches!(
        store.create_user(user("acme", "alice")).await,
        Err(StoreError::Missing("tenant"))
    ));
    store.create_tenant(fixtures("acme").0).await.unwrap();
    store.create_tenant(fixtures("beta").0).await.unwrap();
    for name in ["bob", "alice"] {
        store.create_user(user("acme", name)).await.unwrap();
    }
    store.create_user(user("beta", "carol")).await.unwrap();
    assert!(matches!(
        store.create_user(user("acme", "bob")).await,
        Err(StoreError::Conflict("user"))
    ));
    let names: Vec<String> = store
        .list_users(tid("acme"))
        .await
        .unwrap()
        .iter()
        .map(|u| u.username.to_string())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    let mut disabled = user("acme", "alice");
    disabled.enabled = false;
    disabled.authorities = vec![];
    assert!(store.update_user(disabled.clone(), 0).await.unwrap());
    assert_eq!(
        store.get_user(tid("acme"), uid("alice")).await.unwrap().as_deref(),
        Some(&disabled)
    );
    assert!(!store.update_user(user("acme", "ghost"), 0).await.unwrap());
    assert!(store.get_user(tid("acme"), uid("ghost")).await.unwrap().is_none());
    assert!(store.delete_user(tid("acme"), uid("alice"), 0).await.unwrap());
    assert!(!store.delete_user(tid("acme"), uid("alice"), 0).await.unwrap());
    assert_eq!(store.list_users(tid("acme")).await.unwrap().len(), 1);
    assert_eq!(store.list_users(tid("beta")).await.unwrap().len(), 1);
}

/// A token's rows live until `expires_at + purge_grace` (counted from the issuing request's
/// `now`); a never-expiring token's get no TTL; a revocation keeps the TTL the row had left.
#[tokio::test]
async fn token_rows_expire_with_their_token() {
    use crate::model::TokenPolicy;
    use crate::store::contract::{access_token, request, NOW};
    use crate::store::TokenStore;
    let Some((store, _keyspace)) = store().await else {
        return;
    };
    let (tenant, client) = fixtures("ttl");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let expiring = access_token(&client, None, NOW, Some(NOW + 600));
    let forever = access_token(&client, None, NOW, None);
    for t in [&expiring, &forever] {
        store
            .issue(request(t.clone(), TokenPolicy::Multi, None, NOW))
            .await
            .unwrap();
    }
    let ttl = |table: &'static str, key: &'static str, id: String| {
        let store = &store;
        async move {
            let cql = format!("SELECT TTL(client_id) FROM {table} WHERE {key} = ?");
            let rows: Vec<(Option<i32>,)> = store.rows(store.read(cql), (id,)).await.unwrap();
            rows[0].0
        }
    };
    let full = (600 + DEFAULT_PURGE_GRACE) as i32;
    let left = ttl("tokens", "id", expiring.id.to_text()).await.unwrap();
    assert!(left <= full && left > full - 60, "{left} of {full}");
    assert_eq!(ttl("tokens", "id", forever.id.to_text()).await, None);
    assert!(store.revoke_token(&expiring.id).await.unwrap());
    let rows: Vec<(Option<i32>,)> = store
        .rows(
            store.read("SELECT TTL(state) FROM tokens WHERE id = ?"),
            (expiring.id.to_text(),),
        )
        .await
        .unwrap();
    let state_left = rows[0].0.unwrap();
    assert!(
        state_left <= full && state_left > full - 60,
        "the revocation expires with the row"
    );
    let rows: Vec<(String, Option<i32>)> = store
        .rows(
            store.read("SELECT id, TTL(kind) FROM tokens_by_client WHERE client_id = ?"),
            (client.client_id.to_string(),),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "index rows carry the token's TTL too");
    for (id, left) in rows {
        assert_eq!(left.is_some(), id == expiring.id.to_text(), "{id}");
    }
}

/// A refresh token that never expires is taken once too: the condition on the expiry as read
/// (`IF … AND expires_at = ?`) holds for a null one.
#[tokio::test]
async fn a_never_expiring_refresh_token_is_taken_once() {
    use crate::model::TokenPolicy;
    use crate::store::contract::{access_token, create_users, exchange, refresh_for, request, NOW};
    use crate::store::{Consume, IssueOutcome, TokenStore};
    let Some((store, _keyspace)) = store().await else {
        return;
    };
    let (tenant, client) = fixtures("never");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&store, "never").await;
    let access = access_token(&client, Some("alice"), NOW, Some(NOW + 60));
    let refresh = refresh_for(&access, None);
    let (grant, rt) = (access.grant_id, refresh.id);
    let mut first = request(access, TokenPolicy::Multi, None, NOW);
    first.refresh = Some(refresh);
    assert!(matches!(store.issue(first).await.unwrap(), IssueOutcome::Issued));
    let (once, _) = exchange(&client, grant, Consume::First(rt), NOW + 5);
    assert!(matches!(store.issue(once).await.unwrap(), IssueOutcome::Issued));
    let (twice, _) = exchange(&client, grant, Consume::First(rt), NOW + 6);
    let outcome = store.issue(twice).await.unwrap();
    assert!(
        matches!(outcome, IssueOutcome::ConsumedAlready { used_at: Some(at) } if at == NOW + 5),
        "{outcome:?}"
    );
}
