//! The store contract: JWT signing keys. A fleet's first key is added once however many nodes
//! race for it; watermarks only rise.

use super::prelude::*;
use crate::store::{KeepUntil, StoredSigningKey};
use crate::token::jwt::SigningAlg;

fn key(kid: &str, sign_from: i64) -> StoredSigningKey {
    StoredSigningKey {
        kid: kid.into(),
        alg: SigningAlg::EdDsa,
        wrapped: vec![0, 1, 2, 255, kid.len() as u8],
        created_at: NOW,
        sign_from,
        keep_until: KeepUntil::Nothing,
    }
}

pub async fn signing_keys_are_added_raised_rewrapped_and_deleted(store: Shared) {
    assert!(store.signing_keys().await.unwrap().is_empty());
    assert!(store.add_signing_key(key("first", NOW), true).await.unwrap());
    assert!(
        !store.add_signing_key(key("second-first", NOW), true).await.unwrap(),
        "a first key only while there is none"
    );
    assert!(store.add_signing_key(key("next", NOW + 600), false).await.unwrap());
    assert!(matches!(
        store.add_signing_key(key("next", NOW), false).await,
        Err(StoreError::Conflict("signing key"))
    ));
    let listed = store.signing_keys().await.unwrap();
    assert_eq!(
        listed,
        vec![key("first", NOW), key("next", NOW + 600)],
        "every field kept, kid order"
    );

    assert!(store
        .keep_signing_key("first", KeepUntil::Until(NOW + 100))
        .await
        .unwrap());
    assert!(
        store
            .keep_signing_key("first", KeepUntil::Until(NOW + 50))
            .await
            .unwrap(),
        "exists"
    );
    let first = |keys: Vec<StoredSigningKey>| keys.into_iter().find(|k| k.kid == "first").unwrap();
    assert_eq!(
        first(store.signing_keys().await.unwrap()).keep_until,
        KeepUntil::Until(NOW + 100),
        "never lowered"
    );
    assert!(store.keep_signing_key("first", KeepUntil::Forever).await.unwrap());
    assert!(store
        .keep_signing_key("first", KeepUntil::Until(i64::MAX - 1))
        .await
        .unwrap());
    assert_eq!(
        first(store.signing_keys().await.unwrap()).keep_until,
        KeepUntil::Forever
    );
    assert!(!store.keep_signing_key("gone", KeepUntil::Forever).await.unwrap());

    assert!(store.rewrap_signing_key("first", vec![9; 40]).await.unwrap());
    assert!(
        store.rewrap_signing_key("first", vec![9; 40]).await.unwrap(),
        "unchanged, still there"
    );
    assert_eq!(first(store.signing_keys().await.unwrap()).wrapped, vec![9; 40]);
    assert!(!store.rewrap_signing_key("gone", vec![1]).await.unwrap());

    assert!(
        !store.delete_signing_key("first", KeepUntil::Until(NOW)).await.unwrap(),
        "its watermark moved since that read"
    );
    assert!(store.delete_signing_key("first", KeepUntil::Forever).await.unwrap());
    assert!(!store.delete_signing_key("first", KeepUntil::Forever).await.unwrap());
    let kids: Vec<String> = store.signing_keys().await.unwrap().into_iter().map(|k| k.kid).collect();
    assert_eq!(kids, ["next"]);
    assert!(
        !store.add_signing_key(key("late-first", NOW), true).await.unwrap(),
        "a store holding a key is past its first start"
    );
}

pub async fn racing_first_starts_store_one_key(store: Shared) {
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .add_signing_key(key(&format!("node-{i}"), NOW), true)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for racer in racers {
        won += racer.await.unwrap() as usize;
    }
    assert_eq!(won, 1);
    assert_eq!(store.signing_keys().await.unwrap().len(), 1);
}
