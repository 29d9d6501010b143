//! What each worker sends next: the scenario's request mix, random token choice, the revoke pool.

use crate::args::Scenario;
use bytes::Bytes;
use std::sync::atomic::{AtomicUsize, Ordering};

/// xorshift64*: a few instructions per draw, one per worker, so the generator stays off the profile.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Spread small seeds (worker numbers) and never start at 0, the one fixed point.
        Rng(seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (multiply-shift on the high 32 bits; n ≤ 2³²).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}

/// One request to send; indices point into the token pool or the revoke pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Issue,
    Introspect(usize),
    CheckToken(usize),
    Revoke(usize),
}

/// Tokens handed out once each (revocation): workers claim the next index.
#[derive(Debug, Default)]
pub struct OnceEach {
    next: AtomicUsize,
    len: usize,
}

impl OnceEach {
    pub fn new(len: usize) -> OnceEach {
        OnceEach {
            next: AtomicUsize::new(0),
            len,
        }
    }

    pub fn claim(&self) -> Option<usize> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        (i < self.len).then_some(i)
    }
}

/// The next operation of `scenario`; `None` once the revoke pool is used up.
pub fn pick(scenario: Scenario, issue_percent: u32, pool_len: usize, revoke: &OnceEach, rng: &mut Rng) -> Option<Op> {
    Some(match scenario {
        Scenario::Issue => Op::Issue,
        Scenario::Introspect => Op::Introspect(rng.below(pool_len)),
        Scenario::CheckToken => Op::CheckToken(rng.below(pool_len)),
        Scenario::Revoke => Op::Revoke(revoke.claim()?),
        Scenario::Mixed => {
            if rng.below(100) < issue_percent as usize {
                Op::Issue
            } else {
                Op::Introspect(rng.below(pool_len))
            }
        }
    })
}

/// Whether an answer counts as a success: a 2xx, and for introspection an active token (a
/// `{"active":false}` would mean the bench measured the cheap path by mistake).
pub fn accepted(op: Op, status: http::StatusCode, body: &Bytes) -> bool {
    if !status.is_success() {
        return false;
    }
    match op {
        Op::Introspect(_) => contains(body, b"\"active\":true"),
        _ => true,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn rng_is_uniform_enough() {
        let mut rng = Rng::new(0);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[rng.below(10)] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn mixed_issues_the_asked_share() {
        let mut rng = Rng::new(7);
        let none = OnceEach::new(0);
        let issues = (0..100_000)
            .filter(|_| pick(Scenario::Mixed, 10, 1000, &none, &mut rng) == Some(Op::Issue))
            .count();
        assert!((9_000..11_000).contains(&issues), "{issues}");
        assert!((0..1000).all(|_| pick(Scenario::Mixed, 0, 5, &none, &mut rng) != Some(Op::Issue)));
        assert!((0..1000).all(|_| pick(Scenario::Mixed, 100, 5, &none, &mut rng) == Some(Op::Issue)));
    }

    #[test]
    fn pool_scenarios_stay_in_the_pool() {
        let mut rng = Rng::new(3);
        let none = OnceEach::new(0);
        for _ in 0..1000 {
            match pick(Scenario::Introspect, 10, 3, &none, &mut rng) {
                Some(Op::Introspect(i)) => assert!(i < 3),
                other => panic!("{other:?}"),
            }
            match pick(Scenario::CheckToken, 10, 1, &none, &mut rng) {
                Some(Op::CheckToken(0)) => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(pick(Scenario::Issue, 0, 0, &none, &mut rng), Some(Op::Issue));
    }

    #[test]
    fn revocation_takes_each_token_once() {
        let mut rng = Rng::new(0);
        let pool = OnceEach::new(3);
        let ops: Vec<_> = (0..5).map(|_| pick(Scenario::Revoke, 0, 0, &pool, &mut rng)).collect();
        let expected = [
            Some(Op::Revoke(0)),
            Some(Op::Revoke(1)),
            Some(Op::Revoke(2)),
            None,
            None,
        ];
        assert_eq!(ops, expected);
    }

    #[test]
    fn acceptance() {
        let active = Bytes::from_static(br#"{"active":true,"scope":""}"#);
        let inactive = Bytes::from_static(br#"{"active":false}"#);
        assert!(accepted(Op::Introspect(0), StatusCode::OK, &active));
        assert!(!accepted(Op::Introspect(0), StatusCode::OK, &inactive));
        assert!(accepted(Op::Revoke(0), StatusCode::OK, &Bytes::new()));
        assert!(!accepted(Op::Issue, StatusCode::TOO_MANY_REQUESTS, &Bytes::new()));
        assert!(!accepted(Op::CheckToken(0), StatusCode::BAD_REQUEST, &Bytes::new()));
    }
}
