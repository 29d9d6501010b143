//! The expiry purge job [A]: deletes tokens and codes past their own expiry plus a grace
//! period, in bounded batches, on one node at a time.

use crate::clock::Clock;
use crate::metrics::{Metrics, PurgeOutcome};
use crate::store::{Store, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Rows per delete, so a purge never holds the store for long.
pub const BATCH: usize = 1000;
const LEASE_NAME: &str = "purge";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeReport {
    pub deleted: u64,
    /// Another node holds the purge lease; nothing was done here.
    pub skipped: bool,
}

pub struct Purger {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    grace: i64,
    forget_attempts_after: i64,
    /// The longest one run may hold the lease (a crashed holder frees it after this).
    lease_seconds: i64,
    holder: String,
    metrics: Option<Arc<Metrics>>,
}

impl Purger {
    /// `forget_attempts_after`: seconds after which a failed sign-in attempt no longer counts
    /// (the throttle's rule, which the service owns).
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        grace: i64,
        interval: Duration,
        forget_attempts_after: i64,
    ) -> Self {
        Self {
            store,
            clock,
            grace,
            forget_attempts_after,
            lease_seconds: (interval.as_secs() as i64).clamp(10, 600),
            holder: crate::model::TokenId::generate().to_text(),
            metrics: None,
        }
    }

    /// Counts runs and purged rows in `metrics` (`tessera_purge_*`).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    pub async fn run_once(&self) -> Result<PurgeReport, StoreError> {
        let result = self.purge_under_lease().await;
        if let Some(metrics) = &self.metrics {
            let at = self.clock.now();
            match &result {
                Ok(r) if r.skipped => metrics.purge.record(PurgeOutcome::Skipped, 0, at),
                Ok(r) => metrics.purge.record(PurgeOutcome::Done, r.deleted, at),
                Err(_) => metrics.purge.record(PurgeOutcome::Failed, 0, at),
            }
        }
        result
    }

    async fn purge_under_lease(&self) -> Result<PurgeReport, StoreError> {
        let now = self.clock.now();
        let until = now.saturating_add(self.lease_seconds);
        if !self.store.acquire_lease(LEASE_NAME, &self.holder, now, until).await? {
            return Ok(PurgeReport {
                deleted: 0,
                skipped: true,
            });
        }
        let before = now.saturating_sub(self.grace);
        // Throttle counters idle past any wait go too (their count is no longer used).
        let forgotten = self
            .store
            .purge_attempts(now.saturating_sub(self.forget_attempts_after))
            .await;
        // Each goes on whatever the other did; the first failure is the run's.
        let purged = self.purge_batches(before).await.and_then(|n| forgotten.map(|_| n));
        // The lease only keeps runs from overlapping: free it for whichever node runs next.
        let released = self.store.release_lease(LEASE_NAME, &self.holder).await;
        let deleted = purged?;
        released?;
        Ok(PurgeReport {
            deleted,
            skipped: false,
        })
    }

    async fn purge_batches(&self, before: i64) -> Result<u64, StoreError> {
        let mut deleted = 0;
        loop {
            let n = self.store.purge_expired(before, BATCH).await?;
            deleted += n;
            if n < BATCH as u64 {
                return Ok(deleted);
            }
            // Let token requests in between batches.
            tokio::task::yield_now().await;
        }
    }

    /// Runs every `interval` until `shutdown` turns true.
    pub async fn run(self, interval: Duration, shutdown: watch::Receiver<bool>) {
        let this = &self;
        crate::background::every(interval, shutdown, || async move {
            match this.run_once().await {
                // A quiet run every few minutes is not news at `info`.
                Ok(report) if !report.skipped && report.deleted > 0 => {
                    tracing::info!(deleted = report.deleted, "purged expired tokens")
                }
                Ok(report) if !report.skipped => tracing::debug!(deleted = 0, "purged expired tokens"),
                Ok(_) => tracing::debug!("purge lease held by another node"),
                Err(e) => tracing::warn!(error = %e, "purge failed; will retry"),
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
    async fn run_once_keeps_the_grace_period_and_never_expiring_tokens() {
        let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory());
        let clock = Arc::new(ManualClock::new(10_000));
        let (tenant, client) = fixtures("p");
        store.create_tenant(tenant).await.unwrap();
        store.create_client(client.clone()).await.unwrap();
        let expired = access_token(&client, None, 1_000, Some(2_000));
        let recent = access_token(&client, None, 1_000, Some(9_000));
        let forever = access_token(&client, None, 1_000, None);
        let ids = [expired.id, recent.id, forever.id];
        for t in [expired, recent, forever] {
            store.issue(request(t, TokenPolicy::Multi, None, 1_000)).await.unwrap();
        }
        let purger = Purger::new(store.clone(), clock.clone(), 3600, Duration::from_secs(300), 3600);
        assert_eq!(
            purger.run_once().await.unwrap(),
            PurgeReport {
                deleted: 1,
                skipped: false
            }
        );
        assert!(store.get_token(&ids[0]).await.unwrap().is_none());
        assert!(
            store.get_token(&ids[1]).await.unwrap().is_some(),
            "inside the grace period"
        );
        clock.advance(3600);
        assert_eq!(purger.run_once().await.unwrap().deleted, 1);
        assert!(
            store.get_token(&ids[2]).await.unwrap().is_some(),
            "never expires, never purged"
        );
    }

    #[tokio::test]
    async fn runs_and_purged_rows_are_counted() {
        let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory());
        let (tenant, client) = fixtures("pm");
        store.create_tenant(tenant).await.unwrap();
        store.create_client(client.clone()).await.unwrap();
        for _ in 0..3 {
            let t = access_token(&client, None, 1_000, Some(2_000));
            store.issue(request(t, TokenPolicy::Multi, None, 1_000)).await.unwrap();
        }
        let metrics = Arc::new(Metrics::new());
        let purger = Purger::new(
            store,
            Arc::new(ManualClock::new(10_000)),
            0,
            Duration::from_secs(300),
            3600,
        )
        .with_metrics(metrics.clone());
        purger.run_once().await.unwrap();
        purger.run_once().await.unwrap();
        let text = metrics.render();
        assert!(
            text.contains("tessera_purge_runs_total{outcome=\"done\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("tessera_purge_rows_total 3\n"), "{text}");
    }
}
