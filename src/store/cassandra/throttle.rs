//! The throttles' counters, shared by every node: read at `LOCAL_SERIAL`, decided by the
//! service's rule, written `IF version = ?` (a lightweight transaction), again on a lost race.
//! Rows carry a TTL, so idle counters vanish without a purge.

use super::schema::CassandraStore;
use crate::clock::UnixTime;
use crate::store::{Decide, Failures, StoreError, StoreResult, ThrottleStore};
use async_trait::async_trait;
use scylla::statement::Consistency;

/// How long an idle counter is kept: far longer than any wait the throttle imposes.
const KEEP_SECONDS: i32 = 86_400;

/// Rounds an attempt tries against concurrent attempts on the same key.
const TRIES: usize = 200;

/// (count, last, version)
type ThrottleRow = (Option<i32>, Option<i64>, Option<i64>);

#[async_trait]
impl ThrottleStore for CassandraStore {
    async fn take_attempt(&self, key: &str, decide: Decide<'_>) -> StoreResult<Result<Option<Failures>, u64>> {
        for round in 0..TRIES {
            let mut read = self.read("SELECT count, last, version FROM throttle WHERE key = ?");
            read.set_consistency(Consistency::LocalSerial);
            let rows: Vec<ThrottleRow> = self.rows(read, (key,)).await?;
            let (failures, version) = match rows.into_iter().next() {
                Some((Some(count), Some(last), version)) => (
                    Some(Failures {
                        count: count.max(0) as u32,
                        last: last as UnixTime,
                    }),
                    version,
                ),
                Some((_, _, version)) => (None, version),
                None => (None, None),
            };
            let store = match decide(failures) {
                Err(wait) => return Ok(Err(wait)),
                Ok(None) => return Ok(Ok(None)),
                Ok(Some(store)) => store,
            };
            let cql = "UPDATE throttle USING TTL ? SET count = ?, last = ?, version = ? WHERE key = ? IF version = ?";
            let count = i32::try_from(store.count).unwrap_or(i32::MAX);
            let values = (KEEP_SECONDS, count, store.last, version.unwrap_or(0) + 1, key, version);
            if self.applied(self.write(cql), values).await? {
                return Ok(Ok(Some(store)));
            }
            let pause = rand::random::<u64>() % (2 + round.min(20) as u64 * 2);
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        }
        Err(StoreError::Unavailable(
            "cassandra: the throttle counter kept changing".into(),
        ))
    }

    /// Conditional, like every write of a counter, so that it is ordered with them.
    async fn clear_attempts(&self, key: &str) -> StoreResult<()> {
        let cql = "DELETE FROM throttle WHERE key = ? IF EXISTS";
        self.applied(self.write(cql), (key,)).await.map(drop)
    }

    /// Nothing to do: idle counters vanish by TTL.
    async fn purge_attempts(&self, _before: UnixTime) -> StoreResult<u64> {
        Ok(0)
    }
}
