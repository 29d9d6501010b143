//! Slowing down guessing, one rule for every path: after a few failures for one user (login page
//! and password grant alike) or one client id (its secret), the next attempt must wait, twice as
//! long after each further failure; during the wait even the right password is refused. Others
//! are unaffected. The counts live in the store, so the nodes of a cluster share them.

use super::Service;
use crate::clock::UnixTime;
use crate::store::{Failures, StoreError};
use moka::sync::Cache;

/// Failures allowed before any waiting starts.
const FREE_FAILURES: u32 = 3;
/// The longest wait, in seconds.
const MAX_DELAY: i64 = 300;
/// Counters idle this long are forgotten (longer than any wait).
pub const FORGET_AFTER: i64 = 3600;

/// What this node knows of clients' secret failures, so that a request with a good secret costs
/// no store round trip: the time until which a client is locked (0: failed lately, not locked).
/// The shared count decides; this only remembers its last answer here.
pub struct ClientLocks(Cache<String, UnixTime>);

impl Default for ClientLocks {
    fn default() -> Self {
        Self(
            Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(std::time::Duration::from_secs(FORGET_AFTER as u64))
                .build(),
        )
    }
}

fn wait_for(failures: &Failures, now: UnixTime) -> Option<u64> {
    let until = failures.last.saturating_add(delay_after(failures.count));
    (until > now).then(|| (until - now) as u64)
}

fn delay_after(count: u32) -> i64 {
    if count < FREE_FAILURES {
        return 0;
    }
    let doublings = (count - FREE_FAILURES).min(16);
    (1i64 << doublings).min(MAX_DELAY)
}

/// The rule for one attempt: refused while a wait runs, else counted as a failure up front (so
/// parallel guesses cannot all pass the check before any is recorded).
fn decide(failures: Option<Failures>, now: UnixTime) -> Result<Failures, u64> {
    match failures {
        Some(failures) => match wait_for(&failures, now) {
            Some(seconds) => Err(seconds),
            None => Ok(Failures {
                count: failures.count.saturating_add(1),
                last: now,
            }),
        },
        None => Ok(Failures { count: 1, last: now }),
    }
}

fn user_key(tenant: &str, username: &str) -> String {
    // Tenant ids hold no ':', so the first one ends the tenant.
    format!("user:{tenant}:{username}")
}

fn client_key(client_id: &str) -> String {
    format!("client:{client_id}")
}

impl Service {
    /// Takes an attempt at `username`'s password: `Err(seconds)` while locked out. A correct
    /// password then calls [`Service::password_accepted`], which forgets the count.
    pub async fn password_attempt(&self, tenant: &str, username: &str) -> Result<Result<(), u64>, StoreError> {
        let now = self.clock.now();
        let rule = move |failures| decide(failures, now);
        let answer = self.store.take_attempt(&user_key(tenant, username), &rule).await?;
        Ok(answer.map(|_| ()))
    }

    pub async fn password_accepted(&self, tenant: &str, username: &str) -> Result<(), StoreError> {
        self.store.clear_attempts(&user_key(tenant, username)).await
    }

    /// Seconds `client_id` must wait before its secret is checked again, as this node last
    /// learnt from the shared count; no store round trip.
    pub fn client_locked(&self, client_id: &str) -> Option<u64> {
        let until = self.client_locks.0.get(client_id)?;
        let now = self.clock.now();
        (until > now).then(|| (until - now) as u64)
    }

    /// A wrong secret for `client_id`: counted in the store; a wait the count calls for is
    /// remembered here. `Some(seconds)` when this attempt already fell in a wait.
    pub async fn client_secret_failed(&self, client_id: &str) -> Result<Option<u64>, StoreError> {
        let now = self.clock.now();
        let rule = move |failures| decide(failures, now);
        let (until, waited) = match self.store.take_attempt(&client_key(client_id), &rule).await? {
            Ok(failures) => (wait_for(&failures, now).map_or(0, |s| now + s as i64), None),
            Err(seconds) => (now + seconds as i64, Some(seconds)),
        };
        self.client_locks.0.insert(client_id.to_string(), until);
        Ok(waited)
    }

    /// A right secret: the count is forgotten if this node saw it fail lately (otherwise there
    /// is nothing to forget, and a good request costs no write).
    pub async fn client_secret_accepted(&self, client_id: &str) -> Result<(), StoreError> {
        if self.client_locks.0.remove(client_id).is_some() {
            self.store.clear_attempts(&client_key(client_id)).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures() {
        let mut failures = None;
        for _ in 0..FREE_FAILURES {
            failures = Some(decide(failures, 100).unwrap());
        }
        assert_eq!(decide(failures, 100), Err(1));
        let f = decide(failures, 101).unwrap();
        assert_eq!(wait_for(&f, 101), Some(2));
        assert_eq!(decide(Some(f), 102), Err(1));
        let f = decide(Some(f), 103).unwrap();
        assert_eq!(wait_for(&f, 103), Some(4));
    }

    #[test]
    fn the_wait_is_capped() {
        assert_eq!(delay_after(0), 0);
        assert_eq!(delay_after(FREE_FAILURES), 1);
        assert_eq!(delay_after(1000), MAX_DELAY);
    }

    #[test]
    fn keys_of_users_and_clients_never_meet() {
        assert_ne!(user_key("a", "b"), client_key("a:b"));
        assert_ne!(user_key("a", "b"), user_key("b", "a"));
    }
}
