//! Group commit for plain issuance: concurrent token inserts share one multi-row `INSERT`
//! (one round trip, one commit); each caller is answered only after that statement committed.

use super::dialect::Dialect;
use super::rows::{json, subject_column};
use super::{db_err, StoreResult};
use crate::model::TokenRecord;
use sqlx::{Any, AnyPool, Executor};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

/// Rows per statement (12 parameters each keeps well under every driver's parameter limit).
const MAX_ROWS: usize = 256;
/// Statements in flight at once; more workers overlap round trips under load.
const WORKERS: usize = 4;

type Job = (Vec<TokenRecord>, oneshot::Sender<StoreResult<()>>);

pub struct Batcher {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Batcher {
    pub fn start(pool: AnyPool, dialect: Dialect) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..WORKERS {
            let (pool, queue) = (pool.clone(), queue.clone());
            tokio::spawn(async move {
                while let Some(batch) = next_batch(&queue).await {
                    let rows: Vec<&TokenRecord> = batch.iter().flat_map(|(rows, _)| rows.iter()).collect();
                    let result = insert_tokens(&pool, dialect, &rows).await;
                    for (_, done) in batch {
                        let _ = done.send(result.clone());
                    }
                }
            });
        }
        Self { jobs }
    }

    pub async fn insert(&self, rows: Vec<TokenRecord>) -> StoreResult<()> {
        let (done, wait) = oneshot::channel();
        let stopped = || super::StoreError::Unavailable("insert batcher stopped".into());
        self.jobs.send((rows, done)).map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?
    }
}

/// Waits for one job, then takes whatever else is already queued, up to `MAX_ROWS` rows.
async fn next_batch(queue: &Mutex<mpsc::UnboundedReceiver<Job>>) -> Option<Vec<Job>> {
    let mut queue = queue.lock().await;
    let first = queue.recv().await?;
    let mut rows = first.0.len();
    let mut batch = vec![first];
    while rows < MAX_ROWS {
        match queue.try_recv() {
            Ok(job) => {
                rows += job.0.len();
                batch.push(job);
            }
            Err(_) => break,
        }
    }
    Some(batch)
}

/// One multi-row `INSERT` of `rows` (autocommit when `executor` is the pool).
pub async fn insert_tokens<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    dialect: Dialect,
    rows: &[&TokenRecord],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, issued_at, expires_at, \
         state, properties, grant_id) VALUES ",
    );
    // NULLs are written as literals: sqlx's Any driver hangs binding NULL on MySQL.
    for (i, t) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ");
        sql.push_str(if t.expires_at().is_some() { "?" } else { "NULL" });
        sql.push_str(", ?, ");
        sql.push_str(if t.properties.is_some() { "?" } else { "NULL" });
        sql.push_str(", ?)");
    }
    let sql = dialect.sql_owned(&sql);
    let mut query = sqlx::query(&sql);
    for t in rows {
        query = query
            .bind(t.id.to_text())
            .bind(t.kind.as_str())
            .bind(t.tenant().to_string())
            .bind(t.client_id().to_string())
            .bind(subject_column(t.subject()).to_string())
            .bind(json(t.scopes()))
            .bind(json(t.authorities()))
            .bind(t.issued_at);
        if let Some(exp) = t.expires_at() {
            query = query.bind(exp);
        }
        query = query.bind(t.state.as_str());
        if let Some(p) = &t.properties {
            query = query.bind(json(&**p));
        }
        query = query.bind(t.grant_id.to_text());
    }
    executor.execute(query).await.map_err(db_err)?;
    Ok(())
}
