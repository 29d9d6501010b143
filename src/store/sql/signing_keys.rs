//! Signing keys in the shared database: every node reads the same rows, so one node's rotation
//! reaches the others at their next refresh.

use super::{db_err, is_unique_violation, rows, SqlStore};
use crate::store::{KeepUntil, SigningKeyStore, StoreError, StoreResult, StoredSigningKey};
use crate::token::jwt::SigningAlg;
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The last schema step on PostgreSQL. `wrapped` is base64url of the stored key; `keep_until`
/// is `i64::MIN` (nothing signed yet) or `i64::MAX` (forever) at the ends; `first_key` is 1 on
/// the key a fleet's first start added, NULL on the others, so two nodes starting together on
/// an empty table cannot both add one.
pub(super) const POSTGRES_TABLE: &str = r#"
CREATE TABLE signing_keys (
    kid        VARCHAR(64) COLLATE "C" PRIMARY KEY,
    alg        VARCHAR(8) NOT NULL,
    wrapped    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sign_from  BIGINT NOT NULL,
    keep_until BIGINT NOT NULL,
    first_key  SMALLINT UNIQUE
);
"#;

/// The last schema step on MySQL/MariaDB: the same table.
pub(super) const MYSQL_TABLE: &str = r#"
CREATE TABLE signing_keys (
    kid        VARCHAR(64) NOT NULL PRIMARY KEY,
    alg        VARCHAR(8) NOT NULL,
    wrapped    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sign_from  BIGINT NOT NULL,
    keep_until BIGINT NOT NULL,
    first_key  SMALLINT NULL,
    UNIQUE KEY signing_keys_first (first_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={nopad_bin};
"#;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("signing key {what}"))
}

fn key_of(row: &AnyRow) -> StoreResult<StoredSigningKey> {
    let alg = rows::text(row, 1)?;
    let int = |i: usize| row.try_get::<i64, _>(i).map_err(db_err);
    Ok(StoredSigningKey {
        kid: rows::text(row, 0)?,
        alg: SigningAlg::parse(&alg).ok_or_else(|| corrupt("alg"))?,
        wrapped: B64.decode(rows::text(row, 2)?).map_err(|_| corrupt("wrapped key"))?,
        created_at: int(3)?,
        sign_from: int(4)?,
        keep_until: KeepUntil::from_column(int(5)?),
    })
}

impl SqlStore {
    async fn signing_key_exists(&self, kid: &str) -> StoreResult<bool> {
        let row = sqlx::query(&self.sql("SELECT 1 FROM signing_keys WHERE kid = ?"))
            .bind(kid)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(row.is_some())
    }
}

#[async_trait]
impl SigningKeyStore for SqlStore {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>> {
        let sql = "SELECT kid, alg, wrapped, created_at, sign_from, keep_until FROM signing_keys ORDER BY kid";
        let found = sqlx::query(sql).fetch_all(&self.pool).await.map_err(db_err)?;
        found.iter().map(key_of).collect()
    }

    async fn add_signing_key(&self, key: StoredSigningKey, first: bool) -> StoreResult<bool> {
        if first {
            let any = sqlx::query("SELECT 1 FROM signing_keys")
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
            if any.is_some() {
                return Ok(false);
            }
        }
        let sql = "INSERT INTO signing_keys (kid, alg, wrapped, created_at, sign_from, keep_until, first_key) \
                   VALUES (?, ?, ?, ?, ?, ?, ?)";
        let inserted = sqlx::query(&self.sql(sql))
            .bind(&key.kid)
            .bind(key.alg.name())
            .bind(B64.encode(&key.wrapped))
            .bind(key.created_at)
            .bind(key.sign_from)
            .bind(key.keep_until.to_column())
            // NULLs never collide in a unique index: only first keys compete for the one row.
            .bind(first.then_some(1i32))
            .execute(&self.pool)
            .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) && first => match self.signing_key_exists(&key.kid).await? {
                true => Err(StoreError::Conflict("signing key")),
                false => Ok(false),
            },
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict("signing key")),
            Err(e) => Err(db_err(e)),
        }
    }

    async fn keep_signing_key(&self, kid: &str, until: KeepUntil) -> StoreResult<bool> {
        let until = until.to_column();
        let raised = sqlx::query(&self.sql("UPDATE signing_keys SET keep_until = ? WHERE kid = ? AND keep_until < ?"))
            .bind(until)
            .bind(kid)
            .bind(until)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        match raised.rows_affected() {
            0 => self.signing_key_exists(kid).await,
            _ => Ok(true),
        }
    }

    async fn rewrap_signing_key(&self, kid: &str, wrapped: Vec<u8>) -> StoreResult<bool> {
        sqlx::query(&self.sql("UPDATE signing_keys SET wrapped = ? WHERE kid = ?"))
            .bind(B64.encode(&wrapped))
            .bind(kid)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        // MySQL counts only changed rows: ask rather than trust the count.
        self.signing_key_exists(kid).await
    }

    async fn delete_signing_key(&self, kid: &str, seen: KeepUntil) -> StoreResult<bool> {
        let done = sqlx::query(&self.sql("DELETE FROM signing_keys WHERE kid = ? AND keep_until = ?"))
            .bind(kid)
            .bind(seen.to_column())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }
}
