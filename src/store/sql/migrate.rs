//! Schema migrations on a server database: the dialect's steps not yet recorded in
//! `tessera_migrations`, each applied once, under a lock, so nodes starting together migrate once.

use super::dialect::{Dialect, NOPAD_BIN, NOPAD_BIN_NAMES};
use super::{db_err, rows};
use crate::store::{StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

/// Applies the dialect's schema steps not yet recorded; returns how many it applied.
pub async fn migrate(pool: &AnyPool, dialect: Dialect) -> StoreResult<usize> {
    migrate_steps(pool, dialect, dialect.migrations()).await
}

/// As [`migrate`], with `steps` for the dialect's (the tests start from an older schema).
async fn migrate_steps(pool: &AnyPool, dialect: Dialect, steps: &[&str]) -> StoreResult<usize> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    sqlx::query(dialect.lock_migrations())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let result = async {
        sqlx::query("CREATE TABLE IF NOT EXISTS tessera_migrations (version BIGINT NOT NULL PRIMARY KEY)")
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        let done: i64 = sqlx::query("SELECT COUNT(*) FROM tessera_migrations")
            .fetch_one(&mut *conn)
            .await
            .and_then(|row: AnyRow| row.try_get(0))
            .map_err(db_err)?;
        if done as usize > steps.len() {
            return Err(StoreError::Corrupt(format!(
                "database schema version {done} is newer than this build ({})",
                steps.len()
            )));
        }
        let pending = &steps[done as usize..];
        let nopad_bin = if pending.iter().any(|step| step.contains(NOPAD_BIN)) {
            nopad_collation(&mut conn).await?
        } else {
            String::new()
        };
        for (version, step) in pending.iter().enumerate() {
            // One statement at a time: MySQL will not take several in one prepared query.
            for statement in step.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                let statement = statement.replace(NOPAD_BIN, &nopad_bin);
                sqlx::raw_sql(&statement).execute(&mut *conn).await.map_err(db_err)?;
            }
            sqlx::query(&dialect.sql_owned("INSERT INTO tessera_migrations (version) VALUES (?)"))
                .bind(done + version as i64 + 1)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
        Ok(pending.len())
    }
    .await;
    let _ = sqlx::query(dialect.unlock_migrations()).execute(&mut *conn).await;
    result
}

/// The server's binary collation that compares trailing spaces (NO PAD): MariaDB and MySQL 8
/// name it differently, and each one's `utf8mb4_bin` ignores them.
async fn nopad_collation(conn: &mut AnyConnection) -> StoreResult<String> {
    let sql = format!(
        "SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN ('{}', '{}')",
        NOPAD_BIN_NAMES[0], NOPAD_BIN_NAMES[1]
    );
    let found: Vec<AnyRow> = sqlx::query(&sql).fetch_all(&mut *conn).await.map_err(db_err)?;
    let found = found
        .iter()
        .map(|row| rows::text(row, 0))
        .collect::<StoreResult<Vec<_>>>()?;
    NOPAD_BIN_NAMES
        .iter()
        .find(|name| found.iter().any(|f| f == *name))
        .map(|name| name.to_string())
        .ok_or_else(|| {
            StoreError::Unavailable(format!(
                "database: no binary NO PAD collation ({} or {}); MariaDB 10.2 or MySQL 8.0.17 or later is needed",
                NOPAD_BIN_NAMES[0], NOPAD_BIN_NAMES[1]
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::SqlStore;
    use crate::store::UserStore;

    /// A MariaDB database migrated by an older build (steps 1 and 2, `utf8mb4_bin`) compares
    /// exactly once this build has migrated it.
    #[tokio::test]
    async fn an_existing_mysql_database_is_moved_to_a_no_pad_collation() {
        let Some((url, _db)) = crate::store::contract::test_database("mysql").await else {
            return;
        };
        sqlx::any::install_default_drivers();
        let pool = AnyPool::connect(&url).await.unwrap();
        let older = &Dialect::MySql.migrations()[..2];
        assert_eq!(migrate_steps(&pool, Dialect::MySql, older).await.unwrap(), 2);
        for statement in [
            "INSERT INTO tenants (id, name, settings) VALUES ('pad', 'Pad', '{}')",
            "INSERT INTO users (tenant, username, password_hash, authorities, enabled) VALUES ('pad', 'alice', 'x', '[]', 1)",
        ] {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        let padded = "SELECT COUNT(*) FROM users WHERE username = 'alice '";
        let count = |sql: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query(sql)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
                    .try_get::<i64, _>(0)
                    .unwrap()
            }
        };
        assert_eq!(count(padded).await, 1, "the older schema ignores trailing spaces");

        let store = SqlStore::open(&url, Dialect::MySql, 2).await.unwrap();
        assert_eq!(count(padded).await, 0);
        // (A padded id cannot be asked for through the store any more: `model::names`.)
        assert!(
            store
                .get_user(crate::model::tid("pad"), crate::model::uid("alice"))
                .await
                .unwrap()
                .is_some(),
            "rows are kept"
        );
        let columns = "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                       AND COLLATION_NAME IS NOT NULL AND COLLATION_NAME NOT IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') \
                       AND TABLE_NAME <> 'tessera_migrations'";
        assert_eq!(count(columns).await, 0, "every text column compares exactly");
        assert_eq!(migrate(&pool, Dialect::MySql).await.unwrap(), 0, "applied once");
    }

    /// A database from before the refresh grace: its used tokens read as used when issued, and
    /// first uses from now on are stamped.
    #[tokio::test]
    async fn an_existing_database_gets_first_use_times() {
        use crate::model::TokenId;
        use crate::store::TokenStore;
        for (kind, dialect) in [("postgres", Dialect::Postgres), ("mysql", Dialect::MySql)] {
            let Some((url, _db)) = crate::store::contract::test_database(kind).await else {
                continue;
            };
            sqlx::any::install_default_drivers();
            let pool = AnyPool::connect(&url).await.unwrap();
            let steps = dialect.migrations();
            // Every step before `used_at` (the second to last; the signing keys came after it).
            let older = &steps[..steps.len() - 2];
            assert_eq!(migrate_steps(&pool, dialect, older).await.unwrap(), older.len());
            let used = TokenId::generate();
            let sql = dialect.sql_owned(
                "INSERT INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, issued_at, \
                 expires_at, state, properties, grant_id) VALUES (?, 'refresh', 't', 'c', '', '[]', '[]', 100, NULL, \
                 'used', NULL, ?)",
            );
            sqlx::query(&sql)
                .bind(used.to_text())
                .bind(used.to_text())
                .execute(&pool)
                .await
                .unwrap();

            let store = SqlStore::open(&url, dialect, 2).await.unwrap();
            let token = store.get_token(&used).await.unwrap().unwrap();
            assert_eq!(token.used_at(), Some(100), "{kind}");
            assert_eq!(migrate(&pool, dialect).await.unwrap(), 0, "{kind}: applied once");
        }
    }
}
