//! The embedded store on memory and on SQLite: the store contract on both, and state kept across a reopen.

use super::*;
use crate::store::contract::Shared;

/// A fresh in-memory store for a contract case.
async fn memory() -> Option<(Shared, ())> {
    Some((std::sync::Arc::new(EmbeddedStore::in_memory()), ()))
}

/// A fresh SQLite-backed store for a contract case, in a directory removed with the guard.
async fn sqlite() -> Option<(Shared, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open_sqlite(dir.path().join("contract.db"), true)
        .await
        .unwrap();
    Some((std::sync::Arc::new(store), dir))
}

mod memory {
    crate::store_contract_tests!(super::memory());
}

mod sqlite {
    crate::store_contract_tests!(super::sqlite());
}

#[tokio::test]
async fn sqlite_state_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reopen.db");
    let store = EmbeddedStore::open_sqlite(path.clone(), true).await.unwrap();
    let (tenant, mut client) = crate::store::contract::fixtures("reopen");
    client.allowed_origins = vec![crate::model::Origin::parse("https://app.example").unwrap()];
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let token = crate::store::contract::access_token(&client, None, 1_000, Some(5_000));
    let id = token.id;
    let outcome = store
        .issue(crate::store::contract::request(
            token,
            crate::model::TokenPolicy::Multi,
            None,
            1_000,
        ))
        .await
        .unwrap();
    assert!(matches!(outcome, IssueOutcome::Issued));
    drop(store);
    let reopened = EmbeddedStore::open_sqlite(path, true).await.unwrap();
    let back = reopened.get_token(&id).await.unwrap().expect("token persisted");
    assert!(back.is_active(1_001));
    assert_eq!(*reopened.get_client(&client.client_id).await.unwrap().unwrap(), client);
}

/// The time of a first use reaches the file: after a restart the grace still counts from it.
#[tokio::test]
async fn sqlite_keeps_first_use_times_across_reopen() {
    use super::super::contract::exchange;
    use super::super::contract::{access_token, create_users, fixtures, refresh_for, request};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("used.db");
    let store = EmbeddedStore::open_sqlite(path.clone(), true).await.unwrap();
    let (tenant, client) = fixtures("used");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    create_users(&store, "used").await;
    let access = access_token(&client, Some("alice"), 1_000, Some(5_000));
    let refresh = refresh_for(&access, Some(9_000));
    let (grant, rt) = (access.grant_id, refresh.id);
    let mut first = request(access, crate::model::TokenPolicy::Multi, None, 1_000);
    first.refresh = Some(refresh);
    store.issue(first).await.unwrap();
    let (used, _) = exchange(&client, grant, crate::store::Consume::First(rt), 1_234);
    assert!(matches!(store.issue(used).await.unwrap(), IssueOutcome::Issued));
    drop(store);
    let reopened = EmbeddedStore::open_sqlite(path, true).await.unwrap();
    assert_eq!(reopened.get_token(&rt).await.unwrap().unwrap().used_at(), Some(1_234));
}

/// Signing keys, their watermarks and re-wrapped keys reach the file; retired ones leave it.
#[tokio::test]
async fn sqlite_keeps_signing_keys_across_reopen() {
    use crate::store::{KeepUntil, StoredSigningKey};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.db");
    let store = EmbeddedStore::open_sqlite(path.clone(), true).await.unwrap();
    let key = |kid: &str| StoredSigningKey {
        kid: kid.into(),
        alg: crate::token::jwt::SigningAlg::Rs256,
        wrapped: vec![1, 2, 3],
        created_at: 1_000,
        sign_from: 1_600,
        keep_until: KeepUntil::Nothing,
    };
    store.add_signing_key(key("kept"), true).await.unwrap();
    store.add_signing_key(key("retired"), false).await.unwrap();
    store.keep_signing_key("kept", KeepUntil::Until(9_000)).await.unwrap();
    store.rewrap_signing_key("kept", vec![4, 5]).await.unwrap();
    assert!(store.delete_signing_key("retired", KeepUntil::Nothing).await.unwrap());
    drop(store);
    let reopened = EmbeddedStore::open_sqlite(path, true).await.unwrap();
    let expected = StoredSigningKey {
        wrapped: vec![4, 5],
        keep_until: KeepUntil::Until(9_000),
        ..key("kept")
    };
    assert_eq!(reopened.signing_keys().await.unwrap(), vec![expected]);
}
