//! The embedded store on memory and on SQLite: the store contract on both, and state kept across a reopen.

use super::*;

mod memory {
    crate::store_contract_tests!(async {
        let store: std::sync::Arc<dyn crate::store::Store> =
            std::sync::Arc::new(crate::store::embedded::EmbeddedStore::in_memory());
        Some((store, ()))
    });
}

mod sqlite {
    crate::store_contract_tests!(async {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contract.db");
        let store: std::sync::Arc<dyn crate::store::Store> = std::sync::Arc::new(
            crate::store::embedded::EmbeddedStore::open_sqlite(path, true)
                .await
                .unwrap(),
        );
        Some((store, dir))
    });
}

#[tokio::test]
async fn sqlite_state_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reopen.db");
    let store = EmbeddedStore::open_sqlite(path.clone(), true).await.unwrap();
    let (tenant, mut client) = super::super::contract::fixtures("reopen");
    client.allowed_origins = vec![crate::model::Origin::parse("https://app.example").unwrap()];
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let token = super::super::contract::access_token(&client, None, 1_000, Some(5_000));
    let id = token.id;
    let outcome = store
        .issue(super::super::contract::request(
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
