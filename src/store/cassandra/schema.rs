//! Connecting, and the keyspace and tables created when missing, each step recorded once in
//! `tessera_migrations` like the SQL stores' migrations.

use super::prepared::Prepared;
use super::CassandraOptions;
use crate::clock::Clock;
use crate::store::{StoreError, StoreResult};
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::statement::unprepared::Statement;
use scylla::statement::{Consistency, SerialConsistency};

/// The schema steps; step n is recorded as version n + 1. Append, never edit.
const STEPS: &[&[&str]] = &[
    &[
    "CREATE TABLE IF NOT EXISTS tenants (id text PRIMARY KEY, name text, settings text)",
    "CREATE TABLE IF NOT EXISTS clients (client_id text PRIMARY KEY, tenant text, name text, \
     secret_hash text, grant_types text, scopes text, redirect_uris text, authorities text, \
     is_public boolean, settings text)",
    "CREATE TABLE IF NOT EXISTS clients_by_tenant (tenant text, client_id text, PRIMARY KEY (tenant, client_id))",
    "CREATE TABLE IF NOT EXISTS users (tenant text, username text, password_hash text, authorities text, \
     enabled boolean, PRIMARY KEY (tenant, username))",
    "CREATE TABLE IF NOT EXISTS tokens (id text PRIMARY KEY, kind text, tenant text, client_id text, \
     subject text, scopes text, authorities text, issued_at bigint, expires_at bigint, state text, \
     properties text, grant_id text, used_at bigint, extra text)",
    "CREATE TABLE IF NOT EXISTS tokens_by_client (client_id text, id text, kind text, subject text, \
     expires_at bigint, PRIMARY KEY (client_id, id))",
    "CREATE TABLE IF NOT EXISTS tokens_by_grant (grant_id text, id text, PRIMARY KEY (grant_id, id))",
    "CREATE TABLE IF NOT EXISTS tokens_by_subject (tenant text, subject text, client_id text, id text, \
     PRIMARY KEY ((tenant, subject), client_id, id))",
    "CREATE TABLE IF NOT EXISTS consents (client_id text, subject text, tenant text, scopes text, \
     granted_at bigint, PRIMARY KEY ((client_id, subject)))",
    "CREATE TABLE IF NOT EXISTS consents_by_subject (tenant text, subject text, client_id text, \
     PRIMARY KEY ((tenant, subject), client_id))",
    "CREATE TABLE IF NOT EXISTS throttle (key text PRIMARY KEY, count int, last bigint, version bigint)",
    "CREATE TABLE IF NOT EXISTS leases (name text PRIMARY KEY, holder text, until_at bigint)",
    "CREATE TABLE IF NOT EXISTS client_issuance (client_id text, version bigint STATIC, id text, \
     subject text, scopes text, expires_at bigint, PRIMARY KEY (client_id, id))",
    ],
    // A client's consents, for deleting them with it.
    &["CREATE TABLE IF NOT EXISTS consents_by_client (client_id text, subject text, PRIMARY KEY (client_id, subject))"],
    // JWT access-token signing keys, wrapped under the token key (issue 18).
    &[super::signing_keys::TABLE],
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: usize = STEPS.len();

pub(super) fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("cassandra: {e}"))
}

/// A connection to the keyspace, with the URL's consistency levels.
pub struct CassandraStore {
    pub(super) session: Session,
    pub(super) options: CassandraOptions,
    /// The hot paths' statements, prepared once at connect.
    pub(super) prepared: Prepared,
    /// Seconds a token's rows outlive its expiry (their TTL is `expires_at - now + purge_grace`).
    pub(super) purge_grace: i64,
}

/// The purge grace of a store opened without one: the configuration's default.
pub const DEFAULT_PURGE_GRACE: i64 = 3600;

impl CassandraStore {
    /// Connects, creates the keyspace and tables when missing, records the schema version and
    /// prepares the hot paths' statements.
    pub async fn connect(options: CassandraOptions, purge_grace: i64) -> StoreResult<Self> {
        let session = SessionBuilder::new()
            .known_nodes(&options.nodes)
            .build()
            .await
            .map_err(|e| StoreError::Unreachable(format!("cassandra {:?}: {e}", options.nodes)))?;
        migrate(&session, &options).await?;
        let prepared = Prepared::new(&session, &options).await?;
        Ok(CassandraStore {
            session,
            options,
            prepared,
            purge_grace,
        })
    }

    /// A statement at the URL's read level.
    pub(super) fn read(&self, cql: impl Into<String>) -> Statement {
        let mut s = Statement::new(cql.into());
        s.set_consistency(self.options.read_consistency);
        s
    }

    /// A statement at the URL's write level; conditional ones (`IF …`) run Paxos at `LOCAL_SERIAL`.
    pub(super) fn write(&self, cql: impl Into<String>) -> Statement {
        let mut s = Statement::new(cql.into());
        s.set_consistency(self.options.write_consistency);
        s.set_serial_consistency(Some(SerialConsistency::LocalSerial));
        s
    }

    /// Creates what is missing; returns how many steps it applied.
    pub async fn migrate(&self) -> StoreResult<usize> {
        migrate(&self.session, &self.options).await
    }

    /// The highest schema step recorded (0: none).
    pub async fn schema_version(&self) -> StoreResult<usize> {
        schema_version(&self.session, &self.options).await
    }
}

/// A statement at the URL's write level, conditional ones at `LOCAL_SERIAL`, before a store exists.
fn write(options: &CassandraOptions, cql: &str) -> Statement {
    let mut s = Statement::new(cql);
    s.set_consistency(options.write_consistency);
    s.set_serial_consistency(Some(SerialConsistency::LocalSerial));
    s
}

async fn migrate(session: &Session, options: &CassandraOptions) -> StoreResult<usize> {
    let ks = &options.keyspace;
    let mut ddl = Statement::new(format!(
        "CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = \
             {{'class': 'SimpleStrategy', 'replication_factor': {}}}",
        options.replication_factor
    ));
    ddl.set_consistency(Consistency::All);
    session.query_unpaged(ddl, &[]).await.map_err(db_err)?;
    session.use_keyspace(ks, false).await.map_err(db_err)?;
    session
        .query_unpaged(
            "CREATE TABLE IF NOT EXISTS tessera_migrations (version int PRIMARY KEY, applied_at bigint)",
            &[],
        )
        .await
        .map_err(db_err)?;
    let done = schema_version(session, options).await?;
    if done > STEPS.len() {
        return Err(StoreError::Corrupt(format!(
            "keyspace {ks} schema version {done} is newer than this build ({})",
            STEPS.len()
        )));
    }
    // Every step is idempotent (IF NOT EXISTS): nodes starting together may both run one,
    // and the conditional insert records it once.
    for (i, step) in STEPS.iter().enumerate().skip(done) {
        for cql in *step {
            session.query_unpaged(*cql, &[]).await.map_err(db_err)?;
        }
        let now = crate::clock::SystemClock.now();
        session
            .query_unpaged(
                write(
                    options,
                    "INSERT INTO tessera_migrations (version, applied_at) VALUES (?, ?) IF NOT EXISTS",
                ),
                (i as i32 + 1, now),
            )
            .await
            .map_err(db_err)?;
    }
    Ok(STEPS.len() - done)
}

async fn schema_version(session: &Session, options: &CassandraOptions) -> StoreResult<usize> {
    let mut read = Statement::new("SELECT version FROM tessera_migrations");
    read.set_consistency(options.read_consistency);
    let rows = session
        .query_unpaged(read, &[])
        .await
        .map_err(db_err)?
        .into_rows_result()
        .map_err(db_err)?;
    let mut highest = 0;
    for row in rows.rows::<(i32,)>().map_err(db_err)? {
        highest = highest.max(row.map_err(db_err)?.0 as usize);
    }
    Ok(highest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn creates_the_keyspace_and_tables_once() {
        let Some((url, _keyspace)) = tessera_testdb::test_database("cassandra").await else {
            return;
        };
        let options = CassandraOptions::parse(&url).unwrap();
        let store = CassandraStore::connect(options.clone(), DEFAULT_PURGE_GRACE)
            .await
            .unwrap();
        assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
        let rows = store
            .session
            .query_unpaged(
                "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
                (options.keyspace.as_str(),),
            )
            .await
            .unwrap()
            .into_rows_result()
            .unwrap();
        let tables: Vec<String> = rows.rows::<(String,)>().unwrap().map(|r| r.unwrap().0).collect();
        for table in [
            "tenants",
            "clients",
            "tokens",
            "tokens_by_client",
            "client_issuance",
            "tessera_migrations",
        ] {
            assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
        }
        assert_eq!(store.migrate().await.unwrap(), 0, "applied once");
        let again = CassandraStore::connect(options, DEFAULT_PURGE_GRACE).await.unwrap();
        assert_eq!(again.migrate().await.unwrap(), 0, "a second node finds it done");
    }
}
