//! The job behind `tessera_active_access_tokens{tenant}`: counts in the store every
//! `active_tokens_interval` seconds, never at scrape time. On PostgreSQL and MySQL the count is a
//! scan of the token table (a scrape took 97-166 ms with 500 000 tokens when it counted), and a
//! scraper in a loop kept the database busy with it.

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The job that counts; [`run_once`](Self::run_once) is one count.
pub struct ActiveTokenCounter {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
}

impl ActiveTokenCounter {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, metrics: Arc<Metrics>) -> Self {
        Self { store, clock, metrics }
    }

    /// Counts now and sets the gauge: every tenant, 0 for those holding no active access token.
    pub async fn run_once(&self) -> Result<(), StoreError> {
        let counted = self.count().await;
        self.metrics.active.set(counted.as_deref().ok());
        counted.map(drop)
    }

    async fn count(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut counts: BTreeMap<String, u64> = self
            .store
            .list_tenants()
            .await?
            .into_iter()
            .map(|t| (t.id.into(), 0))
            .collect();
        counts.extend(self.store.active_access_by_tenant(self.clock.now()).await?);
        Ok(counts.into_iter().collect())
    }

    /// Counts every `interval` until `shutdown` turns true, the first time at once.
    pub async fn run(self, interval: Duration, shutdown: watch::Receiver<bool>) {
        let this = &self;
        crate::background::every(interval, shutdown, || async move {
            if let Err(e) = this.run_once().await {
                tracing::warn!(error = %e, "metrics: cannot count active tokens; will retry");
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::model::TokenPolicy;
    use crate::store::contract::{access_token, fixtures, request};
    use crate::store::embedded::EmbeddedStore;

    #[tokio::test]
    async fn a_count_is_kept_until_the_next() {
        let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory());
        let (tenant, client) = fixtures("ac");
        store.create_tenant(tenant).await.unwrap();
        store.create_client(client.clone()).await.unwrap();
        let (empty, _) = fixtures("none");
        store.create_tenant(empty).await.unwrap();
        let issue = |expires| {
            store.issue(request(
                access_token(&client, None, 1_000, expires),
                TokenPolicy::Multi,
                None,
                1_000,
            ))
        };
        issue(Some(2_000)).await.unwrap();
        issue(None).await.unwrap();
        let clock = Arc::new(ManualClock::new(1_500));
        let metrics = Arc::new(Metrics::new());
        let counter = ActiveTokenCounter::new(store.clone(), clock.clone(), metrics.clone());
        assert!(
            !metrics.render().contains("tessera_active_access_tokens{"),
            "nothing before the first count"
        );
        counter.run_once().await.unwrap();
        let text = metrics.render();
        assert!(
            text.contains("tessera_active_access_tokens{tenant=\"ac\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("tessera_active_access_tokens{tenant=\"none\"} 0\n"),
            "{text}"
        );

        clock.advance(1_000);
        issue(None).await.unwrap();
        assert!(
            metrics.render().contains("tenant=\"ac\"} 2\n"),
            "a scrape shows the last count, whatever happened since"
        );
        counter.run_once().await.unwrap();
        assert!(
            metrics.render().contains("tenant=\"ac\"} 2\n"),
            "one expired, one issued"
        );
    }
}
