//! SQLite persistence for the embedded store: schema migrations, loading at start, and one
//! writer thread that groups concurrent changes into shared transactions (group commit).

mod apply;
mod schema;

use super::state::{Change, State};
use super::{StoreError, StoreResult};
use apply::apply;
use rusqlite::Connection;
use schema::{load, MIGRATIONS};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The most changes one transaction takes; the rest wait for the next commit.
const MAX_BATCH: usize = 4096;

enum Job {
    Write(Vec<Change>, oneshot::Sender<StoreResult<()>>),
    Ping(oneshot::Sender<StoreResult<()>>),
}

/// Handle to the writer thread. Dropping it lets the thread finish its queue and exit.
pub struct Journal {
    jobs: mpsc::Sender<Job>,
    commits: Arc<AtomicU64>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Journal {
    /// Waits for the writer to finish what was queued and close the file, so that the file's
    /// lock is free for whoever opens it next.
    fn drop(&mut self) {
        drop(std::mem::replace(&mut self.jobs, mpsc::channel().0));
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

pub(super) fn corrupt(what: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{what}: {e}").into())
}

impl Journal {
    /// Opens (creating if needed) and migrates the file, loads the state, starts the writer.
    pub fn open(path: &Path, synchronous_full: bool) -> StoreResult<(Journal, State)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path).map_err(db_err)?;
        // One process per file: the lock is taken now and held for the process's life, which
        // spares every commit two lock system calls and the WAL's shared-memory index.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE").map_err(db_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(2)).map_err(db_err)?;
        conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;").map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy => {
                StoreError::Unavailable(format!(
                    "{} is in use by another process (a running `tessera serve`?): one process per file",
                    path.display()
                ))
            }
            e => db_err(e),
        })?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db_err)?;
        conn.pragma_update(None, "synchronous", if synchronous_full { "FULL" } else { "NORMAL" })
            .map_err(db_err)?;
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(db_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(db_err)?;
        migrate(&mut conn)?;
        let state = load(&conn).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (jobs, queue) = mpsc::channel();
        let commits = Arc::new(AtomicU64::new(0));
        let counter = commits.clone();
        let writer = std::thread::Builder::new()
            .name("tessera-sqlite-writer".into())
            .spawn(move || writer(conn, queue, counter))
            .map_err(|e| StoreError::Unavailable(format!("writer thread: {e}")))?;
        Ok((
            Journal {
                jobs,
                commits,
                writer: Some(writer),
            },
            state,
        ))
    }

    /// Queues changes; the returned future resolves once they are committed.
    pub fn submit(&self, changes: Vec<Change>) -> impl std::future::Future<Output = StoreResult<()>> {
        let (done, wait) = oneshot::channel();
        let sent = self.jobs.send(Job::Write(changes, done));
        async move {
            sent.map_err(|_| StoreError::Unavailable("sqlite writer stopped".into()))?;
            wait.await
                .map_err(|_| StoreError::Unavailable("sqlite writer stopped".into()))?
        }
    }

    /// Transactions committed so far; fewer than the writes submitted when commits are grouped.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    pub async fn ping(&self) -> StoreResult<()> {
        let (done, wait) = oneshot::channel();
        self.jobs
            .send(Job::Ping(done))
            .map_err(|_| StoreError::Unavailable("sqlite writer stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Unavailable("sqlite writer stopped".into()))?
    }
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: usize = conn
        .pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))
        .map_err(db_err)? as usize;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "database schema version {version} is newer than this build ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction().map_err(db_err)?;
        tx.execute_batch(sql).map_err(db_err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}

fn writer(mut conn: Connection, queue: mpsc::Receiver<Job>, commits: Arc<AtomicU64>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        let mut changes = match &batch[0] {
            Job::Write(c, _) => c.len(),
            Job::Ping(_) => 0,
        };
        while changes < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => {
                    if let Job::Write(c, _) = &job {
                        changes += c.len();
                    }
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        commits.fetch_add(1, Ordering::Relaxed);
        let result = commit(&mut conn, &batch).map_err(|e| {
            tracing::error!(error = %e, "sqlite commit failed");
            e.to_string()
        });
        for job in batch {
            let reply = result
                .clone()
                .map_err(|e| StoreError::Unavailable(format!("sqlite: {e}")));
            match job {
                Job::Write(_, done) | Job::Ping(done) => {
                    let _ = done.send(reply);
                }
            }
        }
    }
}

fn commit(conn: &mut Connection, batch: &[Job]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for job in batch {
        if let Job::Write(changes, _) = job {
            for change in changes {
                apply(&tx, change)?;
            }
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Tenant, TokenSettings};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_share_commits_and_all_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("group.db");
        let (journal, _) = Journal::open(&path, true).unwrap();
        let journal = Arc::new(journal);
        let writes: Vec<_> = (0..256)
            .map(|i| {
                let tenant = Tenant {
                    id: format!("t{i}"),
                    name: "n".into(),
                    settings: TokenSettings::default(),
                };
                journal.submit(vec![Change::PutTenant(tenant)])
            })
            .collect();
        for write in writes {
            write.await.unwrap();
        }
        assert!(journal.commits() < 256, "{} commits for 256 writes", journal.commits());
        drop(journal);
        let (_, state) = Journal::open(&path, true).unwrap();
        assert_eq!(state.tenants().len(), 256);
    }

    #[test]
    fn a_second_process_on_the_same_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.db");
        let (_first, _) = Journal::open(&path, true).unwrap();
        // A second connection in this process meets the lock another process would.
        let second = Journal::open(&path, true);
        match second {
            Err(StoreError::Unavailable(why)) => {
                assert!(
                    why.contains("in use by another process") && why.contains("one.db"),
                    "{why}"
                )
            }
            other => panic!("opened twice: {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("future.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(Journal::open(&path, true), Err(StoreError::Corrupt(_))));
    }
}
