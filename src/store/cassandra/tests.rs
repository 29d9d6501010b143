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
