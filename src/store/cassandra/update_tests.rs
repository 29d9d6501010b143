//! An admin update of a token against the real Cassandra: it rewrites the record with the new
//! TTL, and never brings back a token revoked since it was read.

use super::tests::store;
use crate::model::TokenPolicy;
use crate::model::TokenState;
use crate::store::contract::{access_token, fixtures, request, NOW};
use crate::store::{ClientStore, TenantStore, TokenPatch, TokenStore};

#[tokio::test]
async fn an_update_moves_the_ttl_and_does_not_undo_a_revocation() {
    let Some((store, _keyspace)) = store().await else {
        return;
    };
    let (tenant, client) = fixtures("update");
    store.create_tenant(tenant).await.unwrap();
    store.create_client(client.clone()).await.unwrap();
    let token = access_token(&client, None, NOW, Some(NOW + 600));
    store
        .issue(request(token.clone(), TokenPolicy::Multi, None, NOW))
        .await
        .unwrap();
    let ttl_of = |column: &'static str| {
        let (store, id) = (&store, token.id.to_text());
        async move {
            let cql = format!("SELECT TTL({column}) FROM tokens WHERE id = ?");
            let rows: Vec<(Option<i32>,)> = store.rows(store.read(cql), (id,)).await.unwrap();
            rows[0].0.unwrap()
        }
    };
    let patch = TokenPatch {
        expires_at: Some(Some(NOW + 6_000)),
        ..TokenPatch::default()
    };
    let updated = store.update_token(&token.id, patch, NOW).await.unwrap().unwrap();
    assert_eq!(updated.expires_at(), Some(NOW + 6_000));
    for column in ["kind", "state", "scopes", "authorities"] {
        assert!(ttl_of(column).await > 6_000 - 60, "{column} takes the new TTL");
    }

    // Read, then revoked before the write: the write does not apply.
    let mut stale = (*store.get_token(&token.id).await.unwrap().unwrap()).clone();
    assert!(store.revoke_token(&token.id).await.unwrap());
    stale.set_expires_at(Some(NOW + 9_000));
    assert!(!store.update_active(&stale, NOW).await.unwrap());
    let now_stored = store.get_token(&token.id).await.unwrap().unwrap();
    assert_eq!(now_stored.state, TokenState::Revoked);
    assert_eq!(now_stored.expires_at(), Some(NOW + 6_000));
}
