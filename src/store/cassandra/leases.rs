//! Leases: every step a lightweight transaction, so one node at a time holds a lease whatever the consistency levels.

use super::schema::CassandraStore;
use crate::clock::UnixTime;
use crate::store::StoreResult;

impl CassandraStore {
    /// Takes or renews the named lease for `holder` until `until`; `false` while another holder
    /// has it. CQL conditions have no `OR`: a new lease, a renewal and the taking of an expired
    /// one are three conditional statements, each atomic.
    pub(super) async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: UnixTime,
        until: UnixTime,
    ) -> StoreResult<bool> {
        let cql = "INSERT INTO leases (name, holder, until_at) VALUES (?, ?, ?) IF NOT EXISTS";
        if self.applied(self.write(cql), (name, holder, until)).await? {
            return Ok(true);
        }
        let cql = "UPDATE leases SET until_at = ? WHERE name = ? IF holder = ?";
        if self.applied(self.write(cql), (until, name, holder)).await? {
            return Ok(true);
        }
        let cql = "UPDATE leases SET holder = ?, until_at = ? WHERE name = ? IF until_at < ?";
        self.applied(self.write(cql), (holder, until, name, now)).await
    }

    /// Gives the lease up early if `holder` has it.
    pub(super) async fn give_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        let cql = "UPDATE leases SET until_at = 0 WHERE name = ? IF holder = ?";
        self.applied(self.write(cql), (name, holder)).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::store;
    use crate::store::contract::NOW;
    use crate::store::Store as _;

    /// The contract's `a_lease_has_one_holder_until_it_runs_out`, for a shared store.
    #[tokio::test]
    async fn a_lease_has_one_holder_until_it_runs_out() {
        let Some((store, _keyspace)) = store().await else {
            return;
        };
        assert!(store.acquire_lease("job", "node-a", NOW, NOW + 60).await.unwrap());
        assert!(
            store.acquire_lease("job", "node-a", NOW + 1, NOW + 61).await.unwrap(),
            "renewal"
        );
        assert!(!store.acquire_lease("job", "node-b", NOW + 2, NOW + 62).await.unwrap());
        assert!(
            store.acquire_lease("job", "node-b", NOW + 62, NOW + 120).await.unwrap(),
            "expired lease"
        );
        assert!(!store.acquire_lease("job", "node-a", NOW + 63, NOW + 121).await.unwrap());
        store.release_lease("job", "node-a").await.unwrap();
        assert!(
            !store.acquire_lease("job", "node-a", NOW + 64, NOW + 122).await.unwrap(),
            "not a's to free"
        );
        store.release_lease("job", "node-b").await.unwrap();
        assert!(
            store.acquire_lease("job", "node-a", NOW + 65, NOW + 123).await.unwrap(),
            "released early"
        );
    }
}
