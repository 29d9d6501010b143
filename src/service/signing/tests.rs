//! Signing keys through the service, on the injected clock: first start, rotation, refresh,
//! retirement, watermarks and token-key rotation.

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::store::embedded::EmbeddedStore;
use crate::store::{Store, StoredSigningKey};
use crate::token::{generate_key_text, Keyring};
use std::sync::Arc;

const NOW: i64 = 1_700_000_000;
const DELAY: i64 = 600;

pub(super) struct Node {
    pub service: Arc<Service>,
    pub clock: Arc<ManualClock>,
}

pub(super) fn node_on(store: Arc<dyn Store>, keys: Keyring, alg: SigningAlg) -> Node {
    let clock = Arc::new(ManualClock::new(NOW));
    let settings = SigningSettings {
        alg,
        publish_delay: DELAY,
    };
    let service =
        Service::new(store, clock.clone(), Arc::new(keys), "http://tessera.test").with_signing_settings(settings);
    Node {
        service: Arc::new(service),
        clock,
    }
}

async fn started(store: Arc<dyn Store>) -> Node {
    let node = node_on(store, Keyring::random(), SigningAlg::Es256);
    node.service.load_signing_keys().await.unwrap();
    node
}

impl Node {
    pub fn signer(&self) -> String {
        let set = self.service.signing_keys().current();
        set.signer(self.clock.now()).unwrap().kid().to_string()
    }

    fn published(&self) -> Vec<String> {
        let set = self.service.signing_keys().current();
        let jwks: serde_json::Value = serde_json::from_slice(set.jwks_json()).unwrap();
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect()
    }

    pub async fn stored(&self) -> Vec<StoredSigningKey> {
        self.service.store.signing_keys().await.unwrap()
    }
}

#[test]
fn the_cache_control_header_says_the_max_age() {
    assert_eq!(JWKS_CACHE_CONTROL, format!("public, max-age={JWKS_MAX_AGE}"));
}

#[tokio::test]
async fn a_first_start_stores_one_key_of_the_configured_alg_that_signs_at_once() {
    let node = node_on(
        Arc::new(EmbeddedStore::in_memory()),
        Keyring::random(),
        SigningAlg::EdDsa,
    );
    let ephemeral = node.signer();
    node.service.load_signing_keys().await.unwrap();
    let stored = node.stored().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].alg, stored[0].sign_from, stored[0].created_at),
        (SigningAlg::EdDsa, NOW, NOW)
    );
    assert_eq!(node.signer(), stored[0].kid);
    assert_ne!(node.signer(), ephemeral, "the ephemeral key is gone");
    assert_eq!(node.published(), [stored[0].kid.clone()]);

    node.service.load_signing_keys().await.unwrap();
    assert_eq!(node.stored().await, stored, "a restart loads, it does not add");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_starting_together_share_one_key() {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory());
    let keys = generate_key_text();
    let nodes: Vec<Node> = (0..6)
        .map(|_| {
            node_on(
                store.clone(),
                Keyring::from_texts(&keys, &[]).unwrap(),
                SigningAlg::Es256,
            )
        })
        .collect();
    let starts: Vec<_> = nodes
        .iter()
        .map(|n| {
            let service = n.service.clone();
            tokio::spawn(async move { service.load_signing_keys().await.unwrap() })
        })
        .collect();
    for start in starts {
        start.await.unwrap();
    }
    assert_eq!(store.signing_keys().await.unwrap().len(), 1);
    for node in &nodes {
        assert_eq!(node.signer(), nodes[0].signer());
    }
}

#[tokio::test]
async fn a_new_key_is_published_at_once_signs_after_the_delay_and_the_old_one_stays_until_its_tokens_expire() {
    let node = started(Arc::new(EmbeddedStore::in_memory())).await;
    let old = node.signer();
    node.service.keep_key_until(&old, Some(NOW + 100)).await.unwrap();

    let new = node.service.rotate_signing_key(None).await.unwrap();
    assert_eq!(
        (new.sign_from, new.signing, new.alg.as_str()),
        (NOW + DELAY, false, "ES256")
    );
    assert!(node.published().contains(&new.kid), "published at once");
    assert_eq!(node.signer(), old, "not signing before the delay");

    node.clock.advance(DELAY - 1);
    assert_eq!(node.signer(), old);
    node.clock.advance(1);
    assert_eq!(node.signer(), new.kid, "signing once the delay has passed");
    let report = node.service.refresh_signing_keys().await.unwrap();
    assert_eq!(report.retired, 0, "the old key's token has not expired");
    assert!(node.published().contains(&old));

    // The watermark is the token's expiry plus the step: kept until then, retired after.
    node.clock.set(NOW + 100 + WATERMARK_STEP);
    assert_eq!(node.service.refresh_signing_keys().await.unwrap().retired, 0);
    node.clock.advance(1);
    let report = node.service.refresh_signing_keys().await.unwrap();
    assert_eq!((report.retired, report.replaced), (1, true));
    assert_eq!(node.published(), std::slice::from_ref(&new.kid));
    let stored: Vec<String> = node.stored().await.into_iter().map(|k| k.kid).collect();
    assert_eq!(stored, std::slice::from_ref(&new.kid));

    node.clock.advance(1_000_000);
    node.service.refresh_signing_keys().await.unwrap();
    assert_eq!(node.published(), [new.kid], "the signer is never retired");
}

#[tokio::test]
async fn a_key_that_signed_a_never_expiring_token_is_kept() {
    let node = started(Arc::new(EmbeddedStore::in_memory())).await;
    let old = node.signer();
    node.service.keep_key_until(&old, None).await.unwrap();
    node.service.rotate_signing_key(Some(SigningAlg::Rs256)).await.unwrap();
    node.clock.advance(100_000_000);
    assert_eq!(node.service.refresh_signing_keys().await.unwrap().retired, 0);
    assert!(node.published().contains(&old));
    let listed = node.service.signing_key_list().await.unwrap();
    assert!(listed[0].kept_forever && !listed[0].signing);
    assert_eq!((listed[1].alg.as_str(), listed[1].signing), ("RS256", true));
}

#[tokio::test]
async fn a_key_that_signed_nothing_retires_once_it_stops_signing() {
    let node = started(Arc::new(EmbeddedStore::in_memory())).await;
    let old = node.signer();
    let new = node.service.rotate_signing_key(None).await.unwrap();
    assert_eq!(
        node.service.refresh_signing_keys().await.unwrap().retired,
        0,
        "still the signer"
    );
    node.clock.advance(DELAY);
    assert_eq!(node.service.refresh_signing_keys().await.unwrap().retired, 1);
    assert_eq!(node.published(), [new.kid]);
    assert!(matches!(
        node.service.keep_key_until(&old, Some(NOW)).await,
        Err(StoreError::Missing("signing key"))
    ));
}

#[tokio::test]
async fn another_nodes_rotation_is_seen_at_the_next_refresh() {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory());
    let keys = generate_key_text();
    let a = node_on(
        store.clone(),
        Keyring::from_texts(&keys, &[]).unwrap(),
        SigningAlg::Es256,
    );
    let b = node_on(
        store.clone(),
        Keyring::from_texts(&keys, &[]).unwrap(),
        SigningAlg::Es256,
    );
    a.service.load_signing_keys().await.unwrap();
    b.service.load_signing_keys().await.unwrap();
    let new = a.service.rotate_signing_key(None).await.unwrap();
    assert!(!b.published().contains(&new.kid));
    let report = b.service.key_refresher().run_once().await.unwrap();
    assert!(report.replaced);
    assert!(b.published().contains(&new.kid));
    assert!(
        !b.service.key_refresher().run_once().await.unwrap().replaced,
        "nothing new"
    );
}

#[tokio::test]
async fn the_watermark_is_written_only_when_it_must_move() {
    let node = started(Arc::new(EmbeddedStore::in_memory())).await;
    let kid = node.signer();
    let stored = |node: &Node| {
        let kid = kid.clone();
        let service = node.service.clone();
        async move {
            let keys = service.store.signing_keys().await.unwrap();
            keys.into_iter().find(|k| k.kid == kid).unwrap().keep_until
        }
    };
    assert_eq!(stored(&node).await, KeepUntil::Nothing);
    node.service.keep_key_until(&kid, Some(NOW + 100)).await.unwrap();
    assert_eq!(stored(&node).await, KeepUntil::Until(NOW + 100 + WATERMARK_STEP));
    // Covered by what was written: no write (a write would have moved it to NOW + 200 + step).
    node.service.keep_key_until(&kid, Some(NOW + 200)).await.unwrap();
    assert_eq!(stored(&node).await, KeepUntil::Until(NOW + 100 + WATERMARK_STEP));
    node.service.keep_key_until(&kid, Some(NOW + 5_000)).await.unwrap();
    assert_eq!(stored(&node).await, KeepUntil::Until(NOW + 5_000 + WATERMARK_STEP));
    node.service.keep_key_until(&kid, None).await.unwrap();
    assert_eq!(stored(&node).await, KeepUntil::Forever);
    node.service.keep_key_until(&kid, Some(NOW)).await.unwrap();
    assert_eq!(stored(&node).await, KeepUntil::Forever, "never lowered");
}

#[tokio::test]
async fn before_start_up_loads_the_keys_the_ephemeral_key_needs_no_watermark() {
    let node = node_on(
        Arc::new(EmbeddedStore::in_memory()),
        Keyring::random(),
        SigningAlg::Es256,
    );
    let ephemeral = node.signer();
    node.service.keep_key_until(&ephemeral, None).await.unwrap();
    assert!(node.stored().await.is_empty(), "nothing stored");
    node.service.load_signing_keys().await.unwrap();
    assert!(matches!(
        node.service.keep_key_until(&ephemeral, None).await,
        Err(StoreError::Missing("signing key"))
    ));
}
