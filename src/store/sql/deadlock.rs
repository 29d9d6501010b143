//! Deadlocks: the database aborts one of two transactions that wait on each other. The aborted
//! one left nothing behind, so the SQL store runs it again before answering.

use crate::store::{StoreError, StoreResult};

/// SQLSTATE 40001 (MySQL's 1213 deadlock, a serialization failure) or PostgreSQL's 40P01.
pub(super) fn is_deadlock(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40001" | "40P01")))
}

/// How many times a transaction goes again after the database aborted it to break a deadlock.
pub(super) const MAX_DEADLOCK_RETRIES: u32 = 5;

/// Runs `attempt`, a whole transaction, again while the database aborts it to break a deadlock:
/// the transaction left nothing behind, and the other one has gone on.
pub(super) async fn retrying_deadlocks<T, F: std::future::Future<Output = StoreResult<T>>>(
    mut attempt: impl FnMut() -> F,
) -> StoreResult<T> {
    let mut lost = 0;
    loop {
        match attempt().await {
            Err(StoreError::Deadlock(_)) if lost < MAX_DEADLOCK_RETRIES => lost += 1,
            done => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_transaction_aborted_by_a_deadlock_goes_again_a_bounded_number_of_times() {
        let mut tries = 0;
        let done = retrying_deadlocks(|| {
            tries += 1;
            let lost = tries <= 2;
            async move {
                if lost {
                    Err(StoreError::Deadlock("chosen".into()))
                } else {
                    Ok(tries)
                }
            }
        })
        .await;
        assert_eq!(done.unwrap(), 3);

        let mut tries = 0;
        let always = retrying_deadlocks(|| {
            tries += 1;
            async { Err::<(), _>(StoreError::Deadlock("chosen".into())) }
        })
        .await;
        assert!(matches!(always, Err(StoreError::Deadlock(_))));
        assert_eq!(tries, MAX_DEADLOCK_RETRIES + 1);

        let mut tries = 0;
        let other = retrying_deadlocks(|| {
            tries += 1;
            async { Err::<(), _>(StoreError::Unavailable("down".into())) }
        })
        .await;
        assert!(matches!(other, Err(StoreError::Unavailable(_))));
        assert_eq!(tries, 1, "only deadlocks go again");
    }
}
