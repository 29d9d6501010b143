//! Stored keys and token-key rotation: one wrap per token key, opened with any key of the ring.

use super::tests::node_on;
use super::*;
use crate::store::embedded::EmbeddedStore;
use crate::store::Store;
use crate::token::{generate_key_text, Keyring};
use std::sync::Arc;

#[tokio::test]
async fn keys_stored_under_a_previous_token_key_open_and_are_rewrapped_under_the_current_one() {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory());
    let (k1, k2) = (generate_key_text(), generate_key_text());
    let first = node_on(store.clone(), Keyring::from_texts(&k1, &[]).unwrap(), SigningAlg::EdDsa);
    first.service.load_signing_keys().await.unwrap();
    let kid = first.signer();
    let before = first.stored().await;

    let stranger = node_on(store.clone(), Keyring::from_texts(&k2, &[]).unwrap(), SigningAlg::EdDsa);
    let refused = stranger.service.load_signing_keys().await.unwrap_err().to_string();
    assert!(
        refused.contains(&kid) && refused.contains("TESSERA_TOKEN_PREVIOUS_KEYS"),
        "{refused}"
    );

    let rotated = node_on(
        store.clone(),
        Keyring::from_texts(&k2, &[&k1]).unwrap(),
        SigningAlg::EdDsa,
    );
    rotated.service.load_signing_keys().await.unwrap();
    assert_eq!(rotated.signer(), kid);
    assert_ne!(rotated.stored().await[0].wrapped, before[0].wrapped, "re-wrapped");

    let forgotten = node_on(store, Keyring::from_texts(&k2, &[]).unwrap(), SigningAlg::EdDsa);
    forgotten.service.load_signing_keys().await.unwrap();
    assert_eq!(forgotten.signer(), kid, "the previous token key is no longer needed");
}

#[tokio::test]
async fn a_node_still_on_the_previous_token_key_opens_a_key_wrapped_under_the_new_one_too() {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory());
    let (k1, k2) = (generate_key_text(), generate_key_text());
    let old = node_on(store.clone(), Keyring::from_texts(&k1, &[]).unwrap(), SigningAlg::Es256);
    old.service.load_signing_keys().await.unwrap();
    let new = node_on(
        store.clone(),
        Keyring::from_texts(&k2, &[&k1]).unwrap(),
        SigningAlg::Es256,
    );
    new.service.load_signing_keys().await.unwrap();
    let blob = new.stored().await[0].wrapped.clone();
    assert_eq!(wraps::split(&blob).unwrap().len(), 2, "one wrap per token key");

    // A rollback (or a node not yet given the new key) still opens it.
    let rolled_back = node_on(store.clone(), Keyring::from_texts(&k1, &[]).unwrap(), SigningAlg::Es256);
    rolled_back.service.load_signing_keys().await.unwrap();
    assert_eq!(rolled_back.signer(), old.signer());

    // Forgetting the previous key keeps only the current key's wrap.
    let stored = new.stored().await.remove(0);
    let ring = Keyring::from_texts(&k2, &[&k1]).unwrap();
    let forgotten = rewrap(&stored, &ring, true).unwrap().expect("two wraps become one");
    assert_eq!(wraps::split(&forgotten).unwrap().len(), 1);
    store.rewrap_signing_key(&stored.kid, forgotten).await.unwrap();
    let stale = node_on(store.clone(), Keyring::from_texts(&k1, &[]).unwrap(), SigningAlg::Es256);
    assert!(matches!(
        stale.service.load_signing_keys().await,
        Err(SigningKeysError::Locked { .. })
    ));
    let current = Keyring::from_texts(&k2, &[]).unwrap();
    assert_eq!(rewrap(&new.stored().await[0], &current, true).unwrap(), None, "done");
    assert_eq!(rewrap(&new.stored().await[0], &current, false).unwrap(), None);
}

#[test]
fn broken_wrap_framing_is_refused() {
    assert_eq!(wraps::split(&[]).unwrap().len(), 0);
    let blob = wraps::join([&[1u8, 2, 3][..], &[4][..]]);
    assert_eq!(wraps::split(&blob).unwrap(), [&[1u8, 2, 3][..], &[4][..]]);
    assert!(wraps::split(&blob[..blob.len() - 1]).is_none());
    assert!(wraps::split(&[0]).is_none());
}
