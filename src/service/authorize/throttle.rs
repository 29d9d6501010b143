//! Slowing down password guessing on the login page: after a few failures for one username the
//! next attempt must wait, twice as long after each further failure. Other users are unaffected.
//! Per node: a cluster multiplies the allowance by its node count at most.

use crate::clock::UnixTime;
use moka::sync::Cache;

/// Failures allowed before any waiting starts.
const FREE_FAILURES: u32 = 3;
/// The longest wait, in seconds.
const MAX_DELAY: i64 = 300;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: UnixTime,
}

pub struct LoginThrottle {
    failures: Cache<(String, String), Failures>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            // Idle entries go after the longest wait has long passed; the bound keeps a flood of
            // made-up usernames from growing memory.
            failures: Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(std::time::Duration::from_secs(3600))
                .build(),
        }
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

impl LoginThrottle {
    /// Seconds to wait before `username` may try again; `None` when it may try now.
    pub fn wait(&self, tenant: &str, username: &str, now: UnixTime) -> Option<u64> {
        let failures = self.failures.get(&(tenant.to_string(), username.to_string()))?;
        wait_for(&failures, now)
    }

    /// Takes an attempt: counted as a failure up front, atomically, so that parallel guesses
    /// cannot all pass the check before any of them is recorded. `Err(seconds)` while locked.
    /// A correct password then calls [`LoginThrottle::succeeded`], which forgets the count.
    pub fn attempt(&self, tenant: &str, username: &str, now: UnixTime) -> Result<(), u64> {
        let mut locked = None;
        self.failures
            .entry((tenant.to_string(), username.to_string()))
            .and_upsert_with(|existing| match existing.map(|e| e.into_value()) {
                Some(failures) => match wait_for(&failures, now) {
                    Some(seconds) => {
                        locked = Some(seconds);
                        failures
                    }
                    None => Failures {
                        count: failures.count.saturating_add(1),
                        last: now,
                    },
                },
                None => Failures { count: 1, last: now },
            });
        locked.map_or(Ok(()), Err)
    }

    pub fn succeeded(&self, tenant: &str, username: &str) {
        self.failures.invalidate(&(tenant.to_string(), username.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_reset_on_success() {
        let throttle = LoginThrottle::default();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.attempt("t", "alice", 100), Ok(()));
        }
        assert_eq!(throttle.attempt("t", "alice", 100), Err(1));
        assert_eq!(throttle.wait("t", "alice", 100), Some(1));
        assert_eq!(throttle.attempt("t", "alice", 101), Ok(()));
        assert_eq!(throttle.wait("t", "alice", 101), Some(2));
        assert_eq!(throttle.attempt("t", "alice", 103), Ok(()));
        assert_eq!(throttle.wait("t", "alice", 103), Some(4));
        assert_eq!(throttle.wait("t", "bob", 103), None, "other users are not slowed");
        assert_eq!(
            throttle.wait("other", "alice", 103),
            None,
            "nor the same name in another tenant"
        );
        throttle.succeeded("t", "alice");
        assert_eq!(throttle.wait("t", "alice", 103), None);
    }

    #[test]
    fn parallel_attempts_are_each_counted() {
        let throttle = std::sync::Arc::new(LoginThrottle::default());
        let allowed: usize = (0..16)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || throttle.attempt("t", "alice", 100).is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum();
        assert_eq!(allowed, FREE_FAILURES as usize, "only the free attempts pass at once");
    }

    #[test]
    fn the_wait_is_capped() {
        assert_eq!(delay_after(0), 0);
        assert_eq!(delay_after(FREE_FAILURES), 1);
        assert_eq!(delay_after(1000), MAX_DELAY);
    }
}
