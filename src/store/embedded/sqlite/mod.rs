//! SQLite persistence for the embedded store: schema migrations, loading at start, and one
//! writer thread that groups concurrent changes into shared transactions (group commit).

mod apply;
mod schema;
mod writer;

use super::state::{Change, State};
use crate::store::{Snapshot, StoreError, StoreResult, StoredSigningKey};
use parking_lot::{Mutex, RwLock};
use rusqlite::Connection;
use schema::MIGRATIONS;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The state the embedded store serves from, shared with the writer, which puts it back to what
/// the file holds when a commit fails.
pub type SharedState = Arc<RwLock<State>>;

enum Job {
    Write(Vec<Change>, oneshot::Sender<StoreResult<()>>),
    /// A test write: answers whether the file accepts commits right now.
    Probe(oneshot::Sender<StoreResult<()>>),
    /// A snapshot of everything committed before it (`VACUUM INTO` on the writer's connection,
    /// the only one the exclusive lock allows); writes queue meanwhile.
    Backup(PathBuf, oneshot::Sender<StoreResult<()>>),
}

/// Whether the file accepts commits. Set by the writer when one fails, cleared when a test write
/// succeeds again; while set, writes are refused before they touch the state.
#[derive(Default)]
struct Health {
    degraded: AtomicBool,
    reason: Mutex<String>,
}

impl Health {
    fn check(&self) -> StoreResult<()> {
        if self.degraded.load(Ordering::Acquire) {
            return Err(StoreError::Unreachable(format!(
                "sqlite: writes are refused until the file accepts commits again (last failure: {})",
                self.reason.lock()
            )));
        }
        Ok(())
    }
}

/// Handle to the writer thread. Dropping it lets the thread finish its queue and exit.
pub struct Journal {
    jobs: mpsc::Sender<Job>,
    commits: Arc<AtomicU64>,
    health: Arc<Health>,
    writer: Option<std::thread::JoinHandle<()>>,
    /// The file, whose directory holds snapshots while they are made and sent.
    path: PathBuf,
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

fn stopped() -> StoreError {
    StoreError::Unavailable("sqlite writer stopped".into())
}

/// Takes the file's lock for the connection's life, or says that another process holds it.
fn lock_exclusively(conn: &Connection, path: &Path) -> StoreResult<()> {
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
    })
}

/// The store file held by this process, so that no server opens it meanwhile (offline tools
/// such as `tessera key rotate`). Released on drop.
pub struct FileLock {
    conn: Connection,
}

impl FileLock {
    /// `None` when there is no file yet (nothing can be using it); never creates one.
    pub fn take(path: &Path) -> StoreResult<Option<FileLock>> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(db_err)?;
        lock_exclusively(&conn, path)?;
        Ok(Some(FileLock { conn }))
    }

    /// Replaces each stored signing key's wrapped key with what `rewrap` answers (`None`: left
    /// as it is), all in one transaction; how many changed. Reads the signing keys alone, not
    /// the whole store as opening it would.
    pub fn rewrap_signing_keys<E: From<StoreError>>(
        &mut self,
        mut rewrap: impl FnMut(&StoredSigningKey) -> Result<Option<Vec<u8>>, E>,
    ) -> Result<usize, E> {
        let tx = self.conn.transaction().map_err(db_err)?;
        let mut changed = 0;
        for key in schema::signing_keys(&tx).map_err(db_err)? {
            if let Some(wrapped) = rewrap(&key)? {
                tx.execute(
                    "UPDATE signing_keys SET wrapped = ?1 WHERE kid = ?2",
                    rusqlite::params![wrapped, key.kid],
                )
                .map_err(db_err)?;
                changed += 1;
            }
        }
        tx.commit().map_err(db_err)?;
        Ok(changed)
    }
}

impl Journal {
    /// Opens (creating if needed, never its directory) and migrates the file, loads the state, starts the writer.
    pub fn open(path: &Path, synchronous_full: bool) -> StoreResult<(Journal, SharedState)> {
        create_owner_only(path).map_err(|e| StoreError::Unavailable(format!("{}: {e}", path.display())))?;
        let mut conn = Connection::open(path).map_err(db_err)?;
        // One process per file: the lock is taken now and held for the process's life, which
        // spares every commit two lock system calls and the WAL's shared-memory index.
        lock_exclusively(&conn, path)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db_err)?;
        conn.pragma_update(None, "synchronous", if synchronous_full { "FULL" } else { "NORMAL" })
            .map_err(db_err)?;
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(db_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(db_err)?;
        migrate(&mut conn)?;
        let state = schema::load(&conn).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let state: SharedState = Arc::new(RwLock::new(state));
        let (jobs, queue) = mpsc::channel();
        let commits = Arc::new(AtomicU64::new(0));
        let health = Arc::new(Health::default());
        let writer = writer::Writer {
            conn,
            queue,
            state: state.clone(),
            health: health.clone(),
            commits: commits.clone(),
            stale: false,
        };
        let writer = std::thread::Builder::new()
            .name("tessera-sqlite-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| StoreError::Unavailable(format!("writer thread: {e}")))?;
        let journal = Journal {
            jobs,
            commits,
            health,
            writer: Some(writer),
            path: path.to_path_buf(),
        };
        Ok((journal, state))
    }

    /// Refuses a write while the file does not accept commits. Called with the state's write
    /// lock held, before the write changes anything, so a refused write leaves no trace.
    pub fn check(&self) -> StoreResult<()> {
        self.health.check()
    }

    /// Queues changes (an empty list too: its answer then waits for every change queued before
    /// it, so nothing is answered from a change that may still fail). Called with the state's
    /// write lock held, so the disk sees changes in the order memory did; the returned future
    /// resolves once they are committed, or fails once they have been undone.
    pub fn submit(&self, changes: Vec<Change>) -> impl std::future::Future<Output = StoreResult<()>> {
        let (done, wait) = oneshot::channel();
        let sent = self.jobs.send(Job::Write(changes, done));
        async move {
            sent.map_err(|_| stopped())?;
            wait.await.map_err(|_| stopped())?
        }
    }

    /// Transactions committed so far; fewer than the writes submitted when commits are grouped.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// A consistent copy beside the file, of everything committed before it was asked for.
    /// Reads go on from memory meanwhile; writes wait until the copy is made.
    pub async fn backup(&self) -> StoreResult<Snapshot> {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".backup-{}", uuid::Uuid::new_v4().simple()));
        let snapshot = Snapshot(self.path.with_file_name(name));
        let (done, wait) = oneshot::channel();
        let job = Job::Backup(snapshot.path().to_path_buf(), done);
        self.jobs.send(job).map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())??;
        Ok(snapshot)
    }

    /// Whether the file accepts a commit now: a real (tiny) write, so a full disk shows.
    pub async fn probe(&self) -> StoreResult<()> {
        self.health.check()?;
        let (done, wait) = oneshot::channel();
        self.jobs.send(Job::Probe(done)).map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?
    }
}

/// Creates the file, if missing, readable by its owner alone, whatever the umask: it holds password
/// hashes. SQLite gives the `-wal` and `-journal` files it creates beside it the file's own mode.
fn create_owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map(drop)
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

#[cfg(test)]
mod tests;
