//! A connection a background task keeps from one statement to the next. sqlx pings a pooled
//! connection every time it goes back to the pool: a round trip (and a spawned task) per
//! statement, which a held connection does not pay.

use super::PING_IDLE_AFTER;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Database, Pool};
use std::future::Future;
use std::time::{Duration, Instant};

/// The longest a grouped statement (or a ping) may take before its connection is given up: a
/// database host that vanished without closing its sockets must not hold every caller until the
/// kernel's TCP timeout, a quarter of an hour later.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Held<DB: Database> {
    pool: Pool<DB>,
    conn: Option<(PoolConnection<DB>, Instant)>,
}

impl<DB: Database> Held<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool, conn: None }
    }

    /// Runs `statement` on the held connection (or a pooled one), within [`STATEMENT_TIMEOUT`],
    /// and settles the connection by how it went.
    pub async fn run<T>(
        &mut self,
        statement: impl AsyncFnOnce(&mut PoolConnection<DB>) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let mut conn = self.take().await?;
        let result = within(STATEMENT_TIMEOUT, statement(&mut conn)).await;
        self.settle(conn, &result);
        result
    }

    /// The held connection, pinged first if it sat idle (as the pool does), else a pooled one.
    async fn take(&mut self) -> Result<PoolConnection<DB>, sqlx::Error> {
        if let Some((mut conn, last_used)) = self.conn.take() {
            if last_used.elapsed() < PING_IDLE_AFTER {
                return Ok(conn);
            }
            let pinged = within(STATEMENT_TIMEOUT, conn.ping()).await;
            if pinged.is_ok() {
                return Ok(conn);
            }
            drop(conn.detach());
        }
        self.pool.acquire().await
    }

    /// After a statement on `conn`: kept for the next one if it succeeded; closed at once if the
    /// connection was lost (so the pool can open another in its place); otherwise returned to the
    /// pool, which tests it before anyone uses it again.
    fn settle<T>(&mut self, conn: PoolConnection<DB>, result: &Result<T, sqlx::Error>) {
        match result {
            Ok(_) => self.conn = Some((conn, Instant::now())),
            Err(e) if connection_lost(e) => drop(conn.detach()),
            Err(_) => drop(conn),
        }
    }

    /// Gives up the held connection (its state is unknown after a panic mid-statement).
    pub fn forget(&mut self) {
        if let Some((conn, _)) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

/// `statement`, or a lost-connection error once `limit` has passed.
async fn within<T>(limit: Duration, statement: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, sqlx::Error> {
    match tokio::time::timeout(limit, statement).await {
        Ok(result) => result,
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the database did not answer in time",
        ))),
    }
}

/// The connection, not the statement, failed: the server closed it or stopped answering
/// (an I/O error), or said it was ending the session (SQLSTATE class 08, PostgreSQL's 57P01–57P03
/// at shutdown or restart, MariaDB's 70100 for a killed connection). The statement can then be
/// sent again on a fresh connection.
pub fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P") || code == "70100"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_statement_that_never_answers_counts_as_a_lost_connection() {
        let hung = std::future::pending::<Result<(), sqlx::Error>>();
        let e = within(Duration::from_millis(10), hung).await.unwrap_err();
        assert!(connection_lost(&e), "{e}");
        assert!(within(Duration::from_secs(1), async { Ok(7) }).await.unwrap() == 7);
        assert!(!connection_lost(&sqlx::Error::RowNotFound));
    }
}
