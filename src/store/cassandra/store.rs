//! The `Store` of Cassandra beside its parts: readiness, no backup of its own (`nodetool
//! snapshot` does it), expiry by TTL, leases, and the metrics' count per tenant.

use super::schema::CassandraStore;
use super::token_rows::Rows;
use super::token_rows::TokenRow;
use crate::clock::UnixTime;
use crate::store::{ClientStore, NoBackup, Snapshot, Store, StoreResult, TenantStore, TokenStore};
use async_trait::async_trait;

/// Rows a purge reads a page.
const PAGE: i32 = 1000;

#[async_trait]
impl Store for CassandraStore {
    async fn health(&self) -> StoreResult<()> {
        self.rows::<(String,)>(self.read("SELECT release_version FROM system.local"), ())
            .await
            .map(drop)
    }

    async fn backup(&self) -> StoreResult<Result<Snapshot, NoBackup>> {
        Ok(Err(NoBackup(
            "a Cassandra store is backed up by Cassandra: `nodetool snapshot <keyspace>` on every node",
        )))
    }

    /// Rows go by TTL (`expires_at + purge_grace`) without this; servers on Cassandra never run
    /// the purge job. Asked anyway, it pages through `tokens` and deletes what expired before
    /// `before`, at most `batch` tokens.
    async fn purge_expired(&self, before: UnixTime, batch: usize) -> StoreResult<u64> {
        let mut doomed = Vec::new();
        let mut after: Option<String> = None;
        while doomed.len() < batch {
            let cql = format!(
                "SELECT {} FROM tokens{} LIMIT ?",
                super::token_rows::TOKEN_COLUMNS,
                if after.is_some() {
                    " WHERE token(id) > token(?)"
                } else {
                    ""
                }
            );
            let rows: Vec<TokenRow> = match &after {
                None => self.rows(self.read(cql), (PAGE,)).await?,
                Some(id) => self.rows(self.read(cql), (id, PAGE)).await?,
            };
            let last_page = rows.len() < PAGE as usize;
            after = rows.last().map(|r| r.0.clone());
            for row in rows {
                if let Some(s) = super::token_rows::stored(row)? {
                    if s.token.expires_at().is_some_and(|at| at < before) && doomed.len() < batch {
                        doomed.push(s.token);
                    }
                }
            }
            if last_page {
                break;
            }
        }
        let refs: Vec<_> = doomed.iter().collect();
        self.delete_tokens(&refs, Rows::All).await?;
        Ok(doomed.len() as u64)
    }

    async fn acquire_lease(&self, name: &str, holder: &str, now: UnixTime, until: UnixTime) -> StoreResult<bool> {
        self.take_lease(name, holder, now, until).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        self.give_lease(name, holder).await
    }

    async fn active_access_by_tenant(&self, now: UnixTime) -> StoreResult<Vec<(String, u64)>> {
        let mut counts = Vec::new();
        for tenant in self.list_tenants().await? {
            let mut active = 0;
            for client in self.list_clients(Some(&tenant.id)).await? {
                active += self.count_active_access(&client.client_id, now).await?;
            }
            if active > 0 {
                counts.push((tenant.id.to_string(), active));
            }
        }
        Ok(counts)
    }
}
