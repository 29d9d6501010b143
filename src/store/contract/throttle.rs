//! The store contract: the throttles' counters. Taking an attempt is atomic however
//! many requests race for one key.

use super::prelude::*;

/// The contract's own rule: three attempts, then a wait of 60 s from the last.
pub fn three_then_wait(
    failures: Option<crate::store::Failures>,
    now: i64,
) -> Result<Option<crate::store::Failures>, u64> {
    match failures {
        Some(f) if f.count >= 3 => Err((f.last + 60 - now).max(1) as u64),
        Some(f) => Ok(Some(crate::store::Failures {
            count: f.count + 1,
            last: now,
        })),
        None => Ok(Some(crate::store::Failures { count: 1, last: now })),
    }
}

pub async fn attempts_are_counted_atomically_cleared_and_purged(store: Shared) {
    let rule = |f| three_then_wait(f, NOW);
    // 32 racing attempts on one key: exactly three are let through.
    let racers: Vec<_> = (0..32)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let rule = |f| three_then_wait(f, NOW);
                store.take_attempt("user:t:alice", &rule).await.unwrap().is_ok()
            })
        })
        .collect();
    let mut passed = 0;
    for racer in racers {
        passed += usize::from(racer.await.unwrap());
    }
    assert_eq!(passed, 3);
    assert_eq!(store.take_attempt("user:t:alice", &rule).await.unwrap(), Err(60));
    // Other keys, near names included, are counted apart.
    for other in ["user:t:bob", "user:t:alice ", "client:alice"] {
        let first = store.take_attempt(other, &rule).await.unwrap();
        assert_eq!(
            first,
            Ok(Some(crate::store::Failures { count: 1, last: NOW })),
            "{other:?}"
        );
    }
    store.clear_attempts("user:t:alice").await.unwrap();
    assert_eq!(
        store.take_attempt("user:t:alice", &rule).await.unwrap(),
        Ok(Some(crate::store::Failures { count: 1, last: NOW }))
    );
    // A rule may let an attempt through and store nothing.
    let free = |_| Ok(None);
    assert_eq!(store.take_attempt("user:t:carol", &free).await.unwrap(), Ok(None));
    assert_eq!(
        store.take_attempt("user:t:carol", &rule).await.unwrap(),
        Ok(Some(crate::store::Failures { count: 1, last: NOW }))
    );
    // Purging forgets counters idle since before the cut-off, and only those.
    let later = |f| three_then_wait(f, NOW + 100);
    let _ = store.take_attempt("user:t:bob", &later).await.unwrap();
    store.purge_attempts(NOW + 1).await.unwrap();
    let bob = store.take_attempt("user:t:bob", &later).await.unwrap();
    assert_eq!(bob.map(|f| f.map(|f| f.count)), Ok(Some(3)), "bob's counter was kept");
}
