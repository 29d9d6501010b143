//! SQLite persistence for the embedded store: schema migrations, loading at start, and one
//! writer thread that groups concurrent changes into shared transactions (group commit).

use super::state::{Change, State};
use super::{StoreError, StoreResult};
use crate::model::{Client, Tenant, TokenId, TokenKind, TokenRecord, TokenSettings, TokenState, User};
use rusqlite::{params, Connection};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Each entry moves the schema one version up; `PRAGMA user_version` records how far a file is.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE tenants (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    settings  TEXT NOT NULL
);
CREATE TABLE clients (
    client_id     TEXT PRIMARY KEY,
    tenant        TEXT NOT NULL,
    name          TEXT NOT NULL,
    secret_hash   BLOB,
    grant_types   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    authorities   TEXT NOT NULL,
    public        INTEGER NOT NULL,
    settings      TEXT NOT NULL
);
CREATE INDEX clients_tenant ON clients(tenant);
CREATE TABLE users (
    tenant        TEXT NOT NULL,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    authorities   TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    PRIMARY KEY (tenant, username)
);
CREATE TABLE tokens (
    id          BLOB PRIMARY KEY,
    kind        TEXT NOT NULL,
    tenant      TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    subject     TEXT,
    scopes      TEXT NOT NULL,
    authorities TEXT NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER,
    state       TEXT NOT NULL,
    properties  TEXT,
    grant_id    BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_client ON tokens(client_id);
CREATE INDEX tokens_expires ON tokens(expires_at);
"#];

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
}

fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{what}: {e}").into())
}

impl Journal {
    /// Opens (creating if needed) and migrates the file, loads the state, starts the writer.
    pub fn open(path: &Path, synchronous_full: bool) -> StoreResult<(Journal, State)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path).map_err(db_err)?;
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
        std::thread::Builder::new()
            .name("tessera-sqlite-writer".into())
            .spawn(move || writer(conn, queue, counter))
            .map_err(|e| StoreError::Unavailable(format!("writer thread: {e}")))?;
        Ok((Journal { jobs, commits }, state))
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

fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
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

fn apply(tx: &rusqlite::Transaction<'_>, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::PutTenant(t) => {
            tx.prepare_cached("INSERT OR REPLACE INTO tenants (id, name, settings) VALUES (?1, ?2, ?3)")?
                .execute(params![t.id, t.name, json(&t.settings)])?;
        }
        Change::DeleteTenant(id) => {
            tx.execute("DELETE FROM tokens WHERE tenant = ?1", [id])?;
            tx.execute("DELETE FROM users WHERE tenant = ?1", [id])?;
            tx.execute("DELETE FROM clients WHERE tenant = ?1", [id])?;
            tx.execute("DELETE FROM tenants WHERE id = ?1", [id])?;
        }
        Change::PutClient(c) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO clients (client_id, tenant, name, secret_hash, grant_types, scopes, \
                 redirect_uris, authorities, public, settings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                c.client_id,
                c.tenant,
                c.name,
                c.secret_hash.as_ref().map(|h| &h[..]),
                json(&c.grant_types),
                json(&c.scopes),
                json(&c.redirect_uris),
                json(&c.authorities),
                c.public,
                json(&c.settings),
            ])?;
        }
        Change::DeleteClient(id) => {
            tx.execute("DELETE FROM clients WHERE client_id = ?1", [id])?;
        }
        Change::PutUser(u) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO users (tenant, username, password_hash, authorities, enabled) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                u.tenant,
                u.username,
                u.password_hash,
                json(&u.authorities),
                u.enabled
            ])?;
        }
        Change::DeleteUser { tenant, username } => {
            tx.execute(
                "DELETE FROM users WHERE tenant = ?1 AND username = ?2",
                [tenant, username],
            )?;
        }
        Change::PutToken(t) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, \
                 issued_at, expires_at, state, properties, grant_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                &t.id.0[..],
                t.kind.as_str(),
                &*t.tenant,
                &*t.client_id,
                t.subject.as_deref(),
                json(&*t.scopes),
                json(&*t.authorities),
                t.issued_at,
                t.expires_at,
                t.state.as_str(),
                t.properties.as_ref().map(|p| json(&**p)),
                &t.grant_id.0[..],
            ])?;
        }
        Change::DeleteTokens(ids) => {
            let mut stmt = tx.prepare_cached("DELETE FROM tokens WHERE id = ?1")?;
            for id in ids {
                stmt.execute([&id.0[..]])?;
            }
        }
        Change::SetTokenState(ids, state) => {
            let mut stmt = tx.prepare_cached("UPDATE tokens SET state = ?1 WHERE id = ?2")?;
            for id in ids {
                stmt.execute(params![state.as_str(), &id.0[..]])?;
            }
        }
    }
    Ok(())
}

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

fn token_id(what: &str, bytes: Vec<u8>) -> rusqlite::Result<TokenId> {
    let len = bytes.len();
    bytes
        .try_into()
        .map(TokenId)
        .map_err(|_| corrupt(what, format!("{len} bytes, expected 16")))
}

fn load(conn: &Connection) -> rusqlite::Result<State> {
    let mut state = State::default();
    let mut stmt = conn.prepare("SELECT id, name, settings FROM tenants")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let settings: String = row.get(2)?;
        state.load_tenant(Tenant {
            id: row.get(0)?,
            name: row.get(1)?,
            settings: parse_json::<TokenSettings>("tenant settings", &settings)?,
        });
    }
    let mut stmt = conn.prepare(
        "SELECT client_id, tenant, name, secret_hash, grant_types, scopes, redirect_uris, authorities, public, settings FROM clients",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let secret_hash: Option<Vec<u8>> = row.get(3)?;
        let secret_hash = match secret_hash {
            Some(h) => Some(h.try_into().map_err(|_| corrupt("secret_hash", "not 32 bytes"))?),
            None => None,
        };
        state.load_client(Client {
            client_id: row.get(0)?,
            tenant: row.get(1)?,
            name: row.get(2)?,
            secret_hash,
            grant_types: parse_json("grant_types", &row.get::<_, String>(4)?)?,
            scopes: parse_json("scopes", &row.get::<_, String>(5)?)?,
            redirect_uris: parse_json("redirect_uris", &row.get::<_, String>(6)?)?,
            authorities: parse_json("authorities", &row.get::<_, String>(7)?)?,
            public: row.get(8)?,
            settings: parse_json("client settings", &row.get::<_, String>(9)?)?,
        });
    }
    let mut stmt = conn.prepare("SELECT tenant, username, password_hash, authorities, enabled FROM users")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        state.load_user(User {
            tenant: row.get(0)?,
            username: row.get(1)?,
            password_hash: row.get(2)?,
            authorities: parse_json("authorities", &row.get::<_, String>(3)?)?,
            enabled: row.get(4)?,
        });
    }
    // Interning keeps one allocation per distinct tenant, client and scope set.
    let mut interned: std::collections::HashMap<String, Arc<str>> = Default::default();
    let mut intern =
        |s: String| -> Arc<str> { interned.entry(s).or_insert_with_key(|k| Arc::from(k.as_str())).clone() };
    let mut stmt = conn.prepare(
        "SELECT id, kind, tenant, client_id, subject, scopes, authorities, issued_at, expires_at, state, properties, grant_id FROM tokens",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(1)?;
        let state_text: String = row.get(9)?;
        let properties: Option<String> = row.get(10)?;
        state.insert_token(Arc::new(TokenRecord {
            id: token_id("token id", row.get(0)?)?,
            kind: TokenKind::parse(&kind).ok_or_else(|| corrupt("token kind", &kind))?,
            tenant: intern(row.get(2)?),
            client_id: intern(row.get(3)?),
            subject: row.get::<_, Option<String>>(4)?.map(&mut intern),
            scopes: parse_json::<Vec<String>>("scopes", &row.get::<_, String>(5)?)?.into(),
            authorities: parse_json::<Vec<String>>("authorities", &row.get::<_, String>(6)?)?.into(),
            issued_at: row.get(7)?,
            expires_at: row.get(8)?,
            state: TokenState::parse(&state_text).ok_or_else(|| corrupt("token state", &state_text))?,
            properties: properties
                .map(|p| parse_json::<serde_json::Map<String, serde_json::Value>>("properties", &p).map(Arc::new))
                .transpose()?,
            grant_id: token_id("grant id", row.get(11)?)?,
        }));
    }
    Ok(state)
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
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("future.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(Journal::open(&path, true), Err(StoreError::Corrupt(_))));
    }
}
