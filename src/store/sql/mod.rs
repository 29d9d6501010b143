//! The server-database store: PostgreSQL or MySQL/MariaDB through sqlx, shared by many nodes.
//!
//! Every token read goes to the database, so a revocation is seen by every node at once. Clients
//! and tenants, read on every request, are kept by the caching decorator wrapped around this store
//! (`store::cached`) for at most its `CACHE_TTL` (a change on another node is seen within it, well
//! inside the contract's one second; this node's own changes at once). Policies and limits hold across nodes because issuance under a limit or
//! a policy locks the client's row (`SELECT … FOR UPDATE`) for its transaction; plain issuance is
//! batched into multi-row inserts shared by concurrent requests (see `batch.rs`).

mod batch;
mod consents;
mod consume;
mod deadlock;
pub mod dialect;
mod entities;
mod fetch;
mod grouped;
#[cfg(test)]
mod grouping_tests;
mod held;
mod inserts;
mod issue;
mod lookups;
mod migrate;
mod rows;
mod signing_keys;
mod throttle;
mod tokens;
mod users;

use super::{NoBackup, Snapshot, Store, StoreError, StoreResult};
use crate::clock::UnixTime;
use async_trait::async_trait;
use dialect::Dialect;
pub use migrate::migrate;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::time::Duration;

pub struct SqlStore {
    pool: AnyPool,
    /// One connection for health checks alone: a pool saturated by slow requests says nothing
    /// about whether the database is up, and must not make it look down.
    probe: AnyPool,
    dialect: Dialect,
    inserts: batch::Batcher,
    lookups: lookups::Lookups,
}

/// A failure of the connection (or of getting one) says the database cannot be reached right
/// now; any other failure is this operation's own.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    if deadlock::is_deadlock(&e) {
        return StoreError::Deadlock(format!("database: {e}"));
    }
    let unreachable = held::connection_lost(&e)
        || matches!(
            e,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed
        );
    match unreachable {
        true => StoreError::Unreachable(format!("database: {e}")),
        false => StoreError::Unavailable(format!("database: {e}")),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl SqlStore {
    /// Connects, applies migrations and starts the insert writers and the token readers, each on a
    /// pool of its own (`max_connections` for everything else).
    pub async fn open(url: &str, dialect: Dialect, max_connections: u32) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        // A pool that cannot connect retries until its timeout and then says only that it timed
        // out: one direct connection first reports why (connection refused, unknown host, bad password).
        let first = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
            .await
            .map_err(db_err)?;
        let _ = sqlx::Connection::close(first).await;
        let pool = pool_options::<sqlx::Any>(max_connections)
            .connect(url)
            .await
            .map_err(db_err)?;
        migrate(&pool, dialect).await?;
        let sink = match dialect {
            Dialect::Postgres => inserts::Sink::Postgres(
                pool_options::<sqlx::Postgres>(batch::MAX_IN_FLIGHT as u32)
                    .connect(url)
                    .await
                    .map_err(db_err)?,
            ),
            Dialect::MySql => inserts::Sink::Values(
                pool_options::<sqlx::Any>(batch::MAX_IN_FLIGHT as u32)
                    .connect(url)
                    .await
                    .map_err(db_err)?,
                dialect,
            ),
        };
        let inserts = batch::Batcher::start(sink);
        let readers = readers_pool(url, dialect).await?;
        let probe = pool_options::<sqlx::Any>(1)
            .acquire_timeout(PROBE_TIMEOUT)
            .connect(url)
            .await
            .map_err(db_err)?;
        let lookups = lookups::Lookups::start(readers, dialect);
        Ok(Self {
            pool,
            probe,
            dialect,
            inserts,
            lookups,
        })
    }

    fn sql(&self, text: &'static str) -> std::borrow::Cow<'static, str> {
        self.dialect.sql(text)
    }
}

/// How long a health check waits for its connection: a database that cannot be connected to
/// within this is down as far as readiness goes.
const PROBE_TIMEOUT: Duration = Duration::from_millis(700);

/// A pooled connection idle for longer than this is pinged before use; one in steady use is not.
pub(crate) const PING_IDLE_AFTER: Duration = Duration::from_secs(1);

/// sqlx pings every connection it hands out by default: a second round trip per query, which
/// doubled the cost of a token lookup. Like HikariCP, ping only what sat idle a while, so a
/// connection the database dropped overnight is still caught and replaced.
fn pool_options<DB: sqlx::Database>(max_connections: u32) -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IDLE_AFTER {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// The token readers' connections, each set up as `Dialect::reader_setup` says.
async fn readers_pool(url: &str, dialect: Dialect) -> StoreResult<AnyPool> {
    pool_options::<sqlx::Any>(lookups::READERS as u32)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if let Some(setup) = dialect.reader_setup() {
                    sqlx::Executor::execute(&mut *conn, setup).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(db_err)
}

#[async_trait]
impl Store for SqlStore {
    async fn health(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.probe).await.map_err(db_err)?;
        Ok(())
    }

    async fn backup(&self) -> StoreResult<Result<Snapshot, NoBackup>> {
        Ok(Err(NoBackup(match self.dialect {
            Dialect::Postgres => "a postgres store is backed up with the database's own tool: use pg_dump",
            Dialect::MySql => "a mysql store is backed up with the database's own tool: use mysqldump",
        })))
    }

    async fn purge_expired(&self, before: UnixTime, batch: usize) -> StoreResult<u64> {
        let done = sqlx::query(self.dialect.purge())
            .bind(before)
            .bind(batch as i64)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn active_access_by_tenant(&self, now: UnixTime) -> StoreResult<Vec<(String, u64)>> {
        let sql = self.sql(
            "SELECT tenant, COUNT(*) FROM tokens WHERE kind = 'access' AND state = 'active' \
             AND (expires_at IS NULL OR expires_at > ?) GROUP BY tenant ORDER BY tenant",
        );
        let rows = sqlx::query(&sql)
            .bind(now)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                let tenant: String = row.try_get(0).map_err(db_err)?;
                let count: i64 = row.try_get(1).map_err(db_err)?;
                Ok((tenant, count as u64))
            })
            .collect()
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        sqlx::query(&self.sql("UPDATE leases SET until_at = 0 WHERE name = ? AND holder = ?"))
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn acquire_lease(&self, name: &str, holder: &str, now: UnixTime, until: UnixTime) -> StoreResult<bool> {
        let inserted = sqlx::query(&self.sql("INSERT INTO leases (name, holder, until_at) VALUES (?, ?, ?)"))
            .bind(name)
            .bind(holder)
            .bind(until)
            .execute(&self.pool)
            .await;
        match inserted {
            Ok(_) => return Ok(true),
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(db_err(e)),
        }
        sqlx::query(
            &self.sql("UPDATE leases SET holder = ?, until_at = ? WHERE name = ? AND (holder = ? OR until_at < ?)"),
        )
        .bind(holder)
        .bind(until)
        .bind(name)
        .bind(holder)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        // MySQL counts only changed rows, so read back who holds it rather than trust the count.
        let row: AnyRow = sqlx::query(&self.sql("SELECT holder FROM leases WHERE name = ?"))
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let current = rows::text(&row, 0)?;
        Ok(current == holder)
    }
}

#[cfg(test)]
mod tests {
    use super::dialect::Dialect;
    use crate::store::contract::{test_database, Shared, TestDatabase};

    /// A fresh database of `kind` for a contract case; `None` when that server is not there.
    async fn fresh(kind: &str, dialect: Dialect) -> Option<(Shared, TestDatabase)> {
        let (url, db) = test_database(kind).await?;
        let store = super::SqlStore::open(&url, dialect, 4).await.unwrap();
        Some((std::sync::Arc::new(store), db))
    }

    mod postgres {
        crate::store_contract_tests!(super::fresh("postgres", super::Dialect::Postgres));
    }

    mod mysql {
        crate::store_contract_tests!(super::fresh("mysql", super::Dialect::MySql));
    }

    #[tokio::test]
    async fn migrations_apply_once_and_a_second_open_finds_them_done() {
        let Some((url, _db)) = crate::store::contract::test_database("postgres").await else {
            return;
        };
        let first = super::SqlStore::open(&url, super::dialect::Dialect::Postgres, 2)
            .await
            .unwrap();
        assert_eq!(
            super::migrate(&first.pool, super::dialect::Dialect::Postgres)
                .await
                .unwrap(),
            0
        );
    }
}
