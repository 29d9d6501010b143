//! The loop every background job runs in: the first run at once, then one every interval (never
//! two at a time, none made up after a slow one), until shutdown.

use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// Runs `job` every `interval` until `shutdown` turns true.
pub async fn every<F, Fut>(interval: Duration, mut shutdown: watch::Receiver<bool>, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = shutdown.changed() => return,
        }
        job().await;
    }
}
