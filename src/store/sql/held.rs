//! A connection a background task keeps from one statement to the next. sqlx pings a pooled
//! connection every time it goes back to the pool: a round trip (and a spawned task) per
//! statement, which a held connection does not pay.

use super::PING_IDLE_AFTER;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Database, Pool};
use std::time::Instant;

pub struct Held<DB: Database> {
    pool: Pool<DB>,
    conn: Option<(PoolConnection<DB>, Instant)>,
}

impl<DB: Database> Held<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool, conn: None }
    }

    /// The held connection, pinged first if it sat idle (as the pool does), else a pooled one.
    pub async fn take(&mut self) -> Result<PoolConnection<DB>, sqlx::Error> {
        if let Some((mut conn, last_used)) = self.conn.take() {
            if last_used.elapsed() < PING_IDLE_AFTER || conn.ping().await.is_ok() {
                return Ok(conn);
            }
        }
        self.pool.acquire().await
    }

    /// Keeps `conn` if its statement succeeded; after a failure it goes back to the pool, which
    /// tests it before anyone uses it again.
    pub fn keep_if_ok<T>(&mut self, conn: PoolConnection<DB>, result: &Result<T, sqlx::Error>) {
        if result.is_ok() {
            self.conn = Some((conn, Instant::now()));
        }
    }
}

/// The connection, not the statement, failed: the server closed it (MySQL), or said it was
/// ending the session (PostgreSQL: SQLSTATE class 08, or 57P01–57P03 at shutdown or restart).
/// The statement can then be sent again on a fresh connection.
pub fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}
