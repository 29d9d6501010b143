//! The writer thread: commits queued changes in shared transactions and, when a commit fails,
//! puts the in-memory state back to what the file holds before anyone acts on the lost change.

use super::apply::apply;
use super::{schema, Health, Job, SharedState};
use crate::store::StoreError;
use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// The most changes one transaction takes; the rest wait for the next commit.
const MAX_BATCH: usize = 4096;

/// While commits fail, how often the writer tries a test write to find out they work again.
const PROBE_EVERY: Duration = Duration::from_millis(250);

pub(super) struct Writer {
    pub conn: Connection,
    pub queue: mpsc::Receiver<Job>,
    pub state: SharedState,
    pub health: Arc<Health>,
    pub commits: Arc<AtomicU64>,
    /// Memory may hold changes the file does not (a reload after a failure failed too).
    pub stale: bool,
}

impl Writer {
    pub fn run(mut self) {
        loop {
            let first = if self.health.degraded.load(Ordering::Acquire) {
                match self.queue.recv_timeout(PROBE_EVERY) {
                    Ok(job) => job,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        self.try_recover();
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match self.queue.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            };
            if let Job::Backup(to, done) = first {
                let _ = done.send(backup(&self.conn, &to));
                continue;
            }
            let (batch, backup_after) = self.gather(first);
            self.commits.fetch_add(1, Ordering::Relaxed);
            match commit(&mut self.conn, &batch) {
                Ok(()) => {
                    if self.health.degraded.load(Ordering::Acquire) {
                        // Only probes reach a degraded writer; one just committed.
                        self.try_recover();
                    }
                    reply(batch, Ok(()));
                }
                Err(e) => {
                    let writes = batch.iter().any(|job| matches!(job, Job::Write(c, _) if !c.is_empty()));
                    let dropped = self.fail(&e, writes);
                    let error = StoreError::Unreachable(format!("sqlite: {e}"));
                    reply(batch, Err(error.clone()));
                    reply(dropped, Err(error.clone()));
                    reply(backup_after.into_iter().collect(), Err(error));
                    continue;
                }
            }
            if let Some(Job::Backup(to, done)) = backup_after {
                let _ = done.send(backup(&self.conn, &to));
            }
        }
    }

    /// `first` and whatever else is queued, up to [`MAX_BATCH`] changes or a backup, which
    /// comes back apart: it is made after the batch commits, of everything before it.
    fn gather(&self, first: Job) -> (Vec<Job>, Option<Job>) {
        let mut changes = job_len(&first);
        let mut batch = vec![first];
        while changes < MAX_BATCH {
            match self.queue.try_recv() {
                Ok(job @ Job::Backup(..)) => return (batch, Some(job)),
                Ok(job) => {
                    changes += job_len(&job);
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        (batch, None)
    }

    /// After a failed commit: refuse writes from now on, take back every queued job (each was
    /// decided on memory that held the lost changes) and reload memory from the file. All of
    /// it under the state's write lock, so no request sees memory between the two, and the
    /// callers of the failed batch are answered only after it (their retry meets the file's
    /// state, not the lost one).
    fn fail(&mut self, e: &rusqlite::Error, writes: bool) -> Vec<Job> {
        let shared = self.state.clone();
        let mut state = shared.write();
        if !self.health.degraded.swap(true, Ordering::AcqRel) {
            tracing::error!(
                error = %e,
                "sqlite commit failed: its changes were undone and writes are refused until the file \
                 accepts commits again (is the disk full?); reads go on"
            );
        }
        *self.health.reason.lock() = e.to_string();
        let dropped: Vec<Job> = self.queue.try_iter().collect();
        if writes || self.stale || dropped.iter().any(|job| job_len(job) > 0) {
            self.stale = true;
            self.reload(&mut state);
        }
        dropped
    }

    /// A test write while degraded; on success memory is made to match the file (if a reload
    /// is still owed) and writes are accepted again.
    fn try_recover(&mut self) {
        if probe(&mut self.conn).is_err() {
            return;
        }
        let shared = self.state.clone();
        let mut state = shared.write();
        if self.stale {
            self.reload(&mut state);
            if self.stale {
                return;
            }
        }
        self.health.degraded.store(false, Ordering::Release);
        tracing::warn!("sqlite store accepts commits again: writes resumed");
    }

    fn reload(&mut self, state: &mut super::State) {
        match schema::load(&self.conn) {
            Ok(fresh) => {
                *state = fresh;
                self.stale = false;
            }
            Err(e) => tracing::error!(error = %e, "sqlite: cannot reload the state after a failed commit; retrying"),
        }
    }
}

fn job_len(job: &Job) -> usize {
    match job {
        Job::Write(changes, _) => changes.len(),
        Job::Probe(_) | Job::Backup(..) => 0,
    }
}

fn reply(jobs: Vec<Job>, result: Result<(), StoreError>) {
    for job in jobs {
        match job {
            Job::Write(_, done) | Job::Probe(done) | Job::Backup(_, done) => {
                let _ = done.send(result.clone());
            }
        }
    }
}

fn commit(conn: &mut Connection, batch: &[Job]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for job in batch {
        match job {
            Job::Write(changes, _) => {
                for change in changes {
                    apply(&tx, change)?;
                }
            }
            Job::Probe(_) => write_probe(&tx)?,
            // Never gathered into a batch.
            Job::Backup(..) => {}
        }
    }
    tx.commit()
}

/// `VACUUM INTO` a new file: a consistent, compact copy, made on this connection because the
/// exclusive lock admits no other, and fsynced so a finished backup survives a crash.
fn backup(conn: &Connection, to: &std::path::Path) -> Result<(), StoreError> {
    let failed = |e: &dyn std::fmt::Display| StoreError::Unavailable(format!("backup to {}: {e}", to.display()));
    let target = to.to_str().ok_or_else(|| failed(&"the path is not UTF-8"))?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(|e| failed(&e))?;
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(|e| failed(&e))
}

/// A one-row write in a transaction of its own.
fn probe(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    write_probe(&tx)?;
    tx.commit()
}

fn write_probe(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO probe (id, writes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET writes = writes + 1",
    )?
    .execute([])?;
    Ok(())
}
