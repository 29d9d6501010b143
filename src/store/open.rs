//! Opening a store: its options, the one `match` that picks the backend from the URL, and the
//! URL helpers (the form to show, whether nodes share it, where its key file lives).

use super::{breaker, cached, cassandra, embedded, sql, Store, StoreError};
use std::path::PathBuf;
use std::sync::Arc;

/// Everything needed to open a store besides its URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite `synchronous` level: `full` (default, survives power loss) or `normal`.
    pub sqlite_synchronous_full: bool,
    /// Connection pool size for PostgreSQL and MySQL.
    pub max_connections: u32,
    /// Seconds a token outlives its expiry before it is purged: on Cassandra, part of its TTL.
    pub purge_grace: i64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sqlite_synchronous_full: true,
            max_connections: 16,
            purge_grace: cassandra::DEFAULT_PURGE_GRACE,
        }
    }
}

/// Store URLs may carry a password (`postgres://u:p@h/db`): this is the form to show.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Whether the URL names a database that several nodes share (PostgreSQL, MySQL or Cassandra).
pub fn is_shared(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, _)| scheme == CASSANDRA || sql::dialect::Dialect::from_scheme(scheme).is_some())
}

const CASSANDRA: &str = "cassandra";

/// Whether the store drops expired tokens by itself (Cassandra's TTL), so that no purge job runs.
pub fn expires_by_ttl(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| scheme == CASSANDRA)
}

/// Where the token key file lives for a store, if the store has a place on disk.
pub fn key_file_beside(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://")?;
    let path = PathBuf::from(path);
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    Some(path.with_file_name(format!("{stem}.key")))
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "store URL {0:?} is not supported: use sqlite://PATH, memory://, postgres://…, mysql://… or cassandra://…"
    )]
    UnsupportedScheme(String),
    #[error("store URL {0:?} has no path: use e.g. sqlite://tessera.db")]
    MissingPath(String),
    #[error("the directory {0} does not exist: create it, or correct the store path (tessera creates the database file, never its directory)")]
    MissingDirectory(String),
    #[error(transparent)]
    Cassandra(#[from] cassandra::BadUrl),
    // Transparent: the store's own message says the cause, once.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The backend a store URL names, as the admin API shows it (`memory`, `sqlite`, `postgres`,
/// `mysql`); `unknown` for a URL `open` refuses.
pub fn backend_name(url: &str) -> &'static str {
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("memory") => "memory",
        Some("sqlite") => "sqlite",
        Some("cassandra") => "cassandra",
        Some(scheme) => match sql::dialect::Dialect::from_scheme(scheme) {
            Some(sql::dialect::Dialect::Postgres) => "postgres",
            Some(sql::dialect::Dialect::MySql) => "mysql",
            None => "unknown",
        },
        None => "unknown",
    }
}

/// The one place a backend is chosen from the store URL.
pub async fn open(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>, OpenError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| OpenError::UnsupportedScheme(redact_url(url)))?;
    match scheme {
        "memory" => Ok(Arc::new(embedded::EmbeddedStore::in_memory())),
        "sqlite" => {
            if rest.is_empty() {
                return Err(OpenError::MissingPath(redact_url(url)));
            }
            // A typo in the path must not give an empty server with a new admin secret.
            let dir = std::path::Path::new(rest)
                .parent()
                .filter(|d| !d.as_os_str().is_empty());
            if let Some(dir) = dir.filter(|d| !d.is_dir()) {
                return Err(OpenError::MissingDirectory(dir.display().to_string()));
            }
            let store = embedded::EmbeddedStore::open_sqlite(rest.into(), options.sqlite_synchronous_full).await?;
            Ok(Arc::new(store))
        }
        CASSANDRA => {
            let cassandra = cassandra::CassandraOptions::parse(url)?;
            let store = cassandra::CassandraStore::connect(cassandra, options.purge_grace).await?;
            Ok(breaker::guarded(Arc::new(cached::cached(Arc::new(store)))))
        }
        server => match sql::dialect::Dialect::from_scheme(server) {
            Some(dialect) => {
                let store = sql::SqlStore::open(url, dialect, options.max_connections).await?;
                Ok(breaker::guarded(Arc::new(cached::cached(Arc::new(store)))))
            }
            None => Err(OpenError::UnsupportedScheme(redact_url(url))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_store_urls_are_hidden() {
        assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://tessera.db"), "sqlite://tessera.db");
        assert!(is_shared("mysql://root@h/db") && !is_shared("sqlite://x.db"));
        assert!(is_shared("cassandra://127.0.0.1/tessera"), "needs TESSERA_TOKEN_KEY");
        assert!(expires_by_ttl("cassandra://h/ks") && !expires_by_ttl("postgres://h/db"));
    }

    #[test]
    fn key_file_sits_beside_the_database() {
        assert_eq!(
            key_file_beside("sqlite://data/tessera.db"),
            Some(PathBuf::from("data/tessera.key"))
        );
        assert_eq!(
            key_file_beside("sqlite:///var/lib/t.sqlite"),
            Some(PathBuf::from("/var/lib/t.key"))
        );
        assert_eq!(key_file_beside("memory://"), None);
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused_by_name() {
        let err = open("redis://x", &StoreOptions::default()).await.err().unwrap();
        assert!(err.to_string().contains("redis://x"));
        assert!(matches!(
            open("sqlite://", &StoreOptions::default()).await,
            Err(OpenError::MissingPath(_))
        ));
        let err = open("cassandra://h", &StoreOptions::default()).await.err().unwrap();
        assert!(err.to_string().contains("no keyspace"), "{err}");
    }

    #[tokio::test]
    async fn a_missing_directory_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nonexistent/t.db", dir.path().display());
        let err = open(&url, &StoreOptions::default()).await.err().unwrap().to_string();
        assert!(
            err.contains(&format!("{}/nonexistent does not exist", dir.path().display())),
            "{err}"
        );
        assert!(!dir.path().join("nonexistent").exists(), "nothing created");
    }
}
