//! Test support shared by Tessera's unit and integration tests (a dev-dependency, so it never
//! ships): a throw-away database per test on the local PostgreSQL or MariaDB, or a throw-away
//! keyspace on the local Cassandra.

/// A database created for one test on a local server, dropped when this guard goes.
pub struct TestDatabase {
    admin_url: String,
    name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop cannot await: a short-lived runtime on its own thread does the DROP.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Some(nodes) = admin_url.strip_prefix("cassandra://") {
                    if let Ok(session) = cassandra_session(nodes).await {
                        let _ = session
                            .query_unpaged(format!("DROP KEYSPACE IF EXISTS {name}"), &[])
                            .await;
                    }
                } else if admin_url.starts_with("postgres") {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut c)
                            .await;
                    }
                } else if let Ok(mut c) = sqlx::MySqlConnection::connect(&admin_url).await {
                    // Never wait long on a lock left behind by a failed test.
                    let _ = sqlx::query("SET SESSION lock_wait_timeout = 5").execute(&mut c).await;
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                        .execute(&mut c)
                        .await;
                }
            })
        })
        .join();
    }
}

/// A session on the Cassandra nodes `host:port[,host:port…]`.
async fn cassandra_session(nodes: &str) -> Result<scylla::client::session::Session, String> {
    let nodes: Vec<&str> = nodes.trim_end_matches('/').split(',').collect();
    scylla::client::session_builder::SessionBuilder::new()
        .known_nodes(nodes)
        .build()
        .await
        .map_err(|e| e.to_string())
}

/// The local server for `kind` ("postgres", "mysql" or "cassandra"), from `TEST_POSTGRES_URL` /
/// `TEST_MYSQL_URL` / `TEST_CASSANDRA_URL` or the defaults that `scripts/services` sets up (README, Tests).
/// Unreachable: `None` and a note on the terminal, unless `TEST_REQUIRE_DATABASES=1` (CI),
/// where it fails the test.
pub async fn test_database(kind: &str) -> Option<(String, TestDatabase)> {
    use sqlx::Connection;
    use std::io::Write;
    let (var, default) = match kind {
        "postgres" => ("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        "cassandra" => ("TEST_CASSANDRA_URL", "cassandra://127.0.0.1:9042"),
        _ => ("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
    };
    let admin_url = std::env::var(var).unwrap_or_else(|_| default.to_string());
    // Lowercase hex only: a bare identifier on both servers.
    // (42 characters: within Cassandra's 48 for a keyspace.)
    let name = format!("tessera_t_{}", uuid::Uuid::new_v4().simple());
    let created = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        if let Some(nodes) = admin_url.strip_prefix("cassandra://") {
            // The store creates the keyspace; here only whether a node answers.
            cassandra_session(nodes)
                .await
                .map_err(|e| sqlx::Error::Configuration(e.into()))?;
        } else if kind == "postgres" {
            let mut c = sqlx::PgConnection::connect(&admin_url).await?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await?;
        } else {
            let mut c = sqlx::MySqlConnection::connect(&admin_url).await?;
            sqlx::query(&format!(
                "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ))
            .execute(&mut c)
            .await?;
        }
        Ok::<_, sqlx::Error>(())
    })
    .await;
    match created {
        Ok(Ok(())) => {}
        failed => {
            let why = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".to_string(),
            };
            if std::env::var("TEST_REQUIRE_DATABASES").as_deref() == Ok("1") {
                panic!("{kind} at {admin_url} is required but unreachable: {why}");
            }
            // Written past the test harness's capture so a plain `cargo test` shows what it skipped.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {kind} suite test: {admin_url} unreachable ({why})"
            );
            return None;
        }
    }
    if kind == "cassandra" {
        let url = format!("{}/{name}", admin_url.trim_end_matches('/'));
        return Some((url, TestDatabase { admin_url, name }));
    }
    let url = match admin_url.rfind('/') {
        Some(slash) => format!("{}/{name}", &admin_url[..slash]),
        None => return None,
    };
    Some((url, TestDatabase { admin_url, name }))
}
