//! Slowing down guessing, one rule for every path: after a few failures for one user (login page
//! and password grant alike) or one client id (its secret), the next attempt must wait, twice as
//! long after each further failure; during the wait even the right password is refused. Others
//! are unaffected. The counts live in the store, so the nodes of a cluster share them.
//!
//! A user with no recent failure is not slowed at all, however many sign in at once: attempts
//! are counted once they fail. After a failure every attempt is counted up front, before its
//! password is checked, so that a burst of parallel guesses cannot all pass the check before
//! any of them is recorded; a success forgets the count.

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

/// The rule for one attempt: refused while a wait runs, else counted as a failure up front
/// (so parallel guesses cannot all pass the check before any is recorded) — or, with `free`,
/// let through uncounted while there is no recent failure.
fn decide(failures: Option<Failures>, now: UnixTime, free: bool) -> Result<Option<Failures>, u64> {
    match failures.filter(|f| f.count > 0) {
        Some(failures) => match wait_for(&failures, now) {
            Some(seconds) => Err(seconds),
            None => Ok(Some(Failures {
                count: failures.count.saturating_add(1),
                last: now,
            })),
        },
        None if free => Ok(None),
        None => Ok(Some(Failures { count: 1, last: now })),
    }
}

/// How an attempt at a password was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Already counted as a failure; a success will forget it.
    Counted,
    /// No recent failure: let through uncounted; a failure must be counted afterwards.
    Free,
}

fn user_key(tenant: &str, username: &str) -> String {
    // Tenant ids hold no ':', so the first one ends the tenant.
    format!("user:{tenant}:{username}")
}

fn client_key(client_id: &str) -> String {
    format!("client:{client_id}")
}

impl Service {
    /// Takes an attempt at `username`'s password: `Err(seconds)` while locked out. The password
    /// checked, [`Service::password_checked`] says how it went.
    pub async fn password_attempt(&self, tenant: &str, username: &str) -> Result<Result<Attempt, u64>, StoreError> {
        let now = self.clock.now();
        let rule = move |failures| decide(failures, now, true);
        let answer = self.store.take_attempt(&user_key(tenant, username), &rule).await?;
        if let Err(retry_after) = answer {
            tracing::warn!(
                tenant,
                username,
                retry_after,
                reason = "too many failed attempts",
                "password refused"
            );
        }
        Ok(answer.map(|stored| match stored {
            Some(_) => Attempt::Counted,
            None => Attempt::Free,
        }))
    }

    /// After the check (`refused` says why it failed): a success forgets the failures, a failure
    /// not yet counted is counted.
    pub async fn password_checked(
        &self,
        tenant: &str,
        username: &str,
        attempt: Attempt,
        refused: Option<&'static str>,
    ) -> Result<(), StoreError> {
        if let Some(reason) = refused {
            tracing::info!(tenant, username, reason, "password refused");
        }
        let key = user_key(tenant, username);
        match (refused.is_none(), attempt) {
            (true, Attempt::Counted) => self.store.clear_attempts(&key).await,
            (true, Attempt::Free) | (false, Attempt::Counted) => Ok(()),
            (false, Attempt::Free) => {
                let now = self.clock.now();
                // Counted even if another failure started a wait meanwhile: it was a guess.
                let rule = move |failures: Option<Failures>| {
                    let count = failures.map_or(0, |f| f.count).saturating_add(1);
                    Ok(Some(Failures { count, last: now }))
                };
                self.store.take_attempt(&key, &rule).await.map(|_| ())
            }
        }
    }

    /// What this node last learnt from the shared count of `client_id`'s secret failures, in one
    /// cache lookup and no store round trip: `Err(seconds)` while it must wait, else whether its
    /// secret failed lately.
    pub fn client_standing(&self, client_id: &str) -> Result<bool, u64> {
        let Some(until) = self.client_locks.0.get(client_id) else {
            return Ok(false);
        };
        let now = self.clock.now();
        if until > now {
            return Err((until - now) as u64);
        }
        Ok(true)
    }

    /// A wrong secret for `client_id`: counted in the store; a wait the count calls for is
    /// remembered here. `Some(seconds)` when this attempt already fell in a wait.
    pub async fn client_secret_failed(&self, client_id: &str) -> Result<Option<u64>, StoreError> {
        let now = self.clock.now();
        let rule = move |failures| decide(failures, now, false);
        let (until, waited) = match self.store.take_attempt(&client_key(client_id), &rule).await? {
            Ok(failures) => (
                failures.and_then(|f| wait_for(&f, now)).map_or(0, |s| now + s as i64),
                None,
            ),
            Err(seconds) => (now + seconds as i64, Some(seconds)),
        };
        self.client_locks.0.insert(client_id.to_string(), until);
        Ok(waited)
    }

    /// A right secret after failures this node saw: the count is forgotten. (A client with no
    /// failure seen here has nothing to forget, so a good request costs no write.)
    pub async fn client_secret_accepted(&self, client_id: &str) -> Result<(), StoreError> {
        self.client_locks.0.invalidate(client_id);
        self.store.clear_attempts(&client_key(client_id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures() {
        let mut failures = None;
        for _ in 0..FREE_FAILURES {
            failures = decide(failures, 100, false).unwrap();
        }
        assert_eq!(decide(failures, 100, false), Err(1));
        let f = decide(failures, 101, false).unwrap().unwrap();
        assert_eq!(wait_for(&f, 101), Some(2));
        assert_eq!(
            decide(Some(f), 102, true),
            Err(1),
            "a wait holds for uncounted attempts too"
        );
        let f = decide(Some(f), 103, true).unwrap().unwrap();
        assert_eq!(wait_for(&f, 103), Some(4));
    }

    #[test]
    fn without_a_recent_failure_attempts_go_uncounted() {
        assert_eq!(decide(None, 100, true), Ok(None));
        let zero = Failures { count: 0, last: 0 };
        assert_eq!(decide(Some(zero), 100, true), Ok(None));
        let one = Failures { count: 1, last: 99 };
        assert_eq!(decide(Some(one), 100, true), Ok(Some(Failures { count: 2, last: 100 })));
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
