//! The throttles' counters in the shared database, so that N nodes do not allow N times the
//! guesses: taking an attempt locks the counter's row for the read, the rule and the write.

use super::deadlock::{is_deadlock, MAX_DEADLOCK_RETRIES};
use super::{db_err, SqlStore};
use crate::clock::UnixTime;
use crate::store::{Decide, Failures, StoreResult, ThrottleStore};
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl ThrottleStore for SqlStore {
    async fn take_attempt(&self, key: &str, decide: Decide<'_>) -> StoreResult<Result<Option<Failures>, u64>> {
        // The row exists (at zero) before it is locked: locking a missing row locks nothing, and
        // two first attempts would both insert. Inserted in a statement of its own, since
        // InnoDB's shared lock on a duplicate key, upgraded by FOR UPDATE in the same
        // transaction, deadlocks racing attempts. A purge may take it away before the lock:
        // then it is put back.
        let mut deadlocks = 0;
        loop {
            let ensured = sqlx::query(self.dialect.ensure_throttle_row())
                .bind(key)
                .execute(&self.pool)
                .await;
            // InnoDB: two `INSERT IGNORE`s meeting a row a clear or purge just deleted can
            // deadlock each other; one is chosen to fail, and simply goes again.
            match ensured {
                Err(e) if is_deadlock(&e) && deadlocks < MAX_DEADLOCK_RETRIES => {
                    deadlocks += 1;
                    continue;
                }
                ensured => ensured.map_err(db_err)?,
            };
            let mut tx = self.pool.begin().await.map_err(db_err)?;
            let row = sqlx::query(&self.sql("SELECT failures, last_at FROM throttle WHERE name = ? FOR UPDATE"))
                .bind(key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            let Some(row) = row else { continue };
            let count: i64 = row.try_get(0).map_err(db_err)?;
            let last: i64 = row.try_get(1).map_err(db_err)?;
            let current = (count > 0).then(|| Failures {
                count: count.clamp(0, u32::MAX as i64) as u32,
                last,
            });
            let answer = decide(current);
            if let Ok(Some(failures)) = answer {
                sqlx::query(&self.sql("UPDATE throttle SET failures = ?, last_at = ? WHERE name = ?"))
                    .bind(failures.count as i64)
                    .bind(failures.last)
                    .bind(key)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
            return Ok(answer);
        }
    }

    async fn clear_attempts(&self, key: &str) -> StoreResult<()> {
        sqlx::query(&self.sql("DELETE FROM throttle WHERE name = ?"))
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn purge_attempts(&self, before: UnixTime) -> StoreResult<u64> {
        let done = sqlx::query(&self.sql("DELETE FROM throttle WHERE last_at < ?"))
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
