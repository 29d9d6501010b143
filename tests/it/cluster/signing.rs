//! JWT signing keys on a shared database: nodes starting together on an empty database sign with
//! one key, and one node's rotation reaches the other at its next refresh.

use super::{Cluster, SLOTS};
use crate::helpers::{ADMIN_ID, ADMIN_SECRET, START};
use std::sync::Arc;
use tessera::clock::ManualClock;
use tessera::secret::Secret;
use tessera::service::Service;

async fn node(cluster: &Cluster, clock: Arc<ManualClock>) -> Arc<Service> {
    let config = tessera::config::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        store: cluster.store.clone(),
        admin_client_id: Some(ADMIN_ID.into()),
        admin_client_secret: Some(Secret::new(ADMIN_SECRET.into())),
        token_key: Some(Secret::new(cluster.key.clone())),
        management_listen: tessera::config::ManagementListen::Off,
        max_connections: 4,
        ..tessera::config::Config::default()
    };
    tessera::server::prepare(&config, clock).await.unwrap().service
}

fn kids(service: &Service) -> Vec<String> {
    let set = service.signing_keys().current();
    set.entries().iter().map(|e| e.key.kid().to_string()).collect()
}

pub(super) async fn signing_keys_are_shared_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let clock = Arc::new(ManualClock::new(START));
    let (a, b) = tokio::join!(node(&cluster, clock.clone()), node(&cluster, clock.clone()));
    assert_eq!(kids(&a).len(), 1, "one first key");
    assert_eq!(kids(&a), kids(&b), "both nodes sign with it");

    let new = a.rotate_signing_key(None).await.unwrap();
    assert!(kids(&a).contains(&new.kid));
    assert!(!kids(&b).contains(&new.kid), "until its refresh");
    assert!(b.key_refresher().run_once().await.unwrap().replaced);
    assert_eq!(kids(&a), kids(&b));
}
