//! JWT signing keys on Cassandra: one small partition (`p = 0`) holding every key, so listing them
//! is one read. Every write is conditional (Paxos at `LOCAL_SERIAL`) and the list is read at
//! `LOCAL_SERIAL`, so nodes agree on the set; the static `first_kid` makes "the fleet's first key"
//! one winner however many nodes start together.

use super::cql::corrupt;
use super::schema::{db_err, CassandraStore};
use crate::store::{KeepUntil, SigningKeyStore, StoreError, StoreResult, StoredSigningKey};
use crate::token::jwt::SigningAlg;
use async_trait::async_trait;
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::{Consistency, SerialConsistency};
use scylla::value::{CqlValue, Row};

pub(super) const TABLE: &str = "CREATE TABLE IF NOT EXISTS signing_keys (p int, first_kid text STATIC, \
     kid text, alg text, wrapped blob, created_at bigint, sign_from bigint, keep_until bigint, PRIMARY KEY (p, kid))";

const INSERT: &str = "INSERT INTO signing_keys (p, kid, alg, wrapped, created_at, sign_from, keep_until) \
     VALUES (0, ?, ?, ?, ?, ?, ?)";

type KeyRow = (
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn key_of(row: KeyRow) -> StoreResult<Option<StoredSigningKey>> {
    let (kid, alg, wrapped, created_at, sign_from, keep_until) = row;
    // A partition holding only `first_kid` (every key deleted) reads as one row without a key.
    let Some(kid) = kid else { return Ok(None) };
    let need = |what: &str| corrupt("signing key", format!("{what} missing"));
    let alg = alg.ok_or_else(|| need("alg"))?;
    Ok(Some(StoredSigningKey {
        alg: SigningAlg::parse(&alg).ok_or_else(|| corrupt("signing key alg", &alg))?,
        wrapped: wrapped.ok_or_else(|| need("wrapped"))?,
        created_at: created_at.ok_or_else(|| need("created_at"))?,
        sign_from: sign_from.ok_or_else(|| need("sign_from"))?,
        keep_until: KeepUntil::from_column(keep_until.ok_or_else(|| need("keep_until"))?),
        kid,
    }))
}

impl CassandraStore {
    /// Whether a key is stored, as the last conditional write left it.
    async fn signing_key_exists(&self, kid: &str) -> StoreResult<bool> {
        let mut read = self.read("SELECT kid FROM signing_keys WHERE p = 0 AND kid = ?");
        read.set_consistency(Consistency::LocalSerial);
        Ok(!self.rows::<(String,)>(read, (kid,)).await?.is_empty())
    }

    /// The fleet's first key: stored with `first_kid` in one conditional batch, only while no
    /// first key was ever stored.
    async fn add_first_signing_key(&self, key: &StoredSigningKey) -> StoreResult<bool> {
        let mut batch = Batch::new(BatchType::Logged);
        batch.set_consistency(self.options.write_consistency);
        batch.set_serial_consistency(Some(SerialConsistency::LocalSerial));
        batch.append_statement("UPDATE signing_keys SET first_kid = ? WHERE p = 0 IF first_kid = null");
        batch.append_statement(INSERT);
        let values = (
            (key.kid.as_str(),),
            (
                key.kid.as_str(),
                key.alg.name(),
                key.wrapped.as_slice(),
                key.created_at,
                key.sign_from,
                key.keep_until.to_column(),
            ),
        );
        let result = self.session.batch(&batch, values).await.map_err(db_err)?;
        let rows = result.into_rows_result().map_err(db_err)?;
        let first = rows.rows::<Row>().map_err(|e| corrupt("[applied]", e))?.next();
        match first
            .and_then(Result::ok)
            .and_then(|r| r.columns.into_iter().next().flatten())
        {
            Some(CqlValue::Boolean(applied)) => Ok(applied),
            _ => Err(corrupt("[applied]", "missing from a conditional batch's answer")),
        }
    }
}

#[async_trait]
impl SigningKeyStore for CassandraStore {
    async fn signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>> {
        let mut read =
            self.read("SELECT kid, alg, wrapped, created_at, sign_from, keep_until FROM signing_keys WHERE p = 0");
        read.set_consistency(Consistency::LocalSerial);
        let rows: Vec<KeyRow> = self.rows(read, ()).await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            keys.extend(key_of(row)?);
        }
        // Clustered by kid already; sorted again so the order never depends on the driver.
        keys.sort_by(|a, b| a.kid.cmp(&b.kid));
        Ok(keys)
    }

    async fn add_signing_key(&self, key: StoredSigningKey, first: bool) -> StoreResult<bool> {
        if first {
            return self.add_first_signing_key(&key).await;
        }
        let values = (
            key.kid.as_str(),
            key.alg.name(),
            key.wrapped.as_slice(),
            key.created_at,
            key.sign_from,
            key.keep_until.to_column(),
        );
        match self
            .applied(self.write(format!("{INSERT} IF NOT EXISTS")), values)
            .await?
        {
            true => Ok(true),
            false => Err(StoreError::Conflict("signing key")),
        }
    }

    async fn keep_signing_key(&self, kid: &str, until: KeepUntil) -> StoreResult<bool> {
        let until = until.to_column();
        let cql = "UPDATE signing_keys SET keep_until = ? WHERE p = 0 AND kid = ? IF keep_until < ?";
        match self.applied(self.write(cql), (until, kid, until)).await? {
            true => Ok(true),
            // Not applied: as high already, or no such key.
            false => self.signing_key_exists(kid).await,
        }
    }

    async fn rewrap_signing_key(&self, kid: &str, wrapped: Vec<u8>) -> StoreResult<bool> {
        let cql = "UPDATE signing_keys SET wrapped = ? WHERE p = 0 AND kid = ? IF EXISTS";
        self.applied(self.write(cql), (wrapped, kid)).await
    }

    async fn delete_signing_key(&self, kid: &str, seen: KeepUntil) -> StoreResult<bool> {
        self.applied(
            self.write("DELETE FROM signing_keys WHERE p = 0 AND kid = ? IF keep_until = ?"),
            (kid, seen.to_column()),
        )
        .await
    }
}
