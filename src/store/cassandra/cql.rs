//! Running statements and reading their rows: errors as `StoreError`, `[applied]` of conditional
//! statements, and the text forms shared with the SQL stores (JSON lists, hex secret hashes).

use super::schema::{db_err, CassandraStore};
use crate::model::NotAName;
use crate::store::{StoreError, StoreResult};
use scylla::deserialize::row::DeserializeRow;
use scylla::serialize::row::SerializeRow;
use scylla::statement::unprepared::Statement;
use scylla::value::{CqlValue, Row};

pub(super) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

impl CassandraStore {
    /// Every row the statement returns (one unpaged response: for partitions of one tenant or
    /// client, and the small tables).
    pub(super) async fn rows<T>(&self, statement: Statement, values: impl SerializeRow) -> StoreResult<Vec<T>>
    where
        T: for<'f> DeserializeRow<'f, 'f>,
    {
        let result = self.session.query_unpaged(statement, values).await.map_err(db_err)?;
        let rows = result.into_rows_result().map_err(db_err)?;
        let typed = rows.rows::<T>().map_err(|e| corrupt("row", e))?;
        typed.map(|row| row.map_err(|e| corrupt("row", e))).collect()
    }

    /// Runs a statement that returns nothing.
    pub(super) async fn run(&self, statement: Statement, values: impl SerializeRow) -> StoreResult<()> {
        self.session.query_unpaged(statement, values).await.map_err(db_err)?;
        Ok(())
    }

    /// Runs a conditional statement (`IF …`, a lightweight transaction): whether it applied.
    pub(super) async fn applied(&self, statement: Statement, values: impl SerializeRow) -> StoreResult<bool> {
        // When it did not apply, the current row follows `[applied]`: read the columns untyped.
        let rows: Vec<Row> = self.rows(statement, values).await?;
        match rows.first().and_then(|row| row.columns.first()) {
            Some(Some(CqlValue::Boolean(applied))) => Ok(*applied),
            _ => Err(corrupt("[applied]", "missing from a conditional statement's answer")),
        }
    }
}

pub(super) fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| corrupt(column, e))
}

/// A stored id or username, held to its type's grammar like any other column's format.
pub(super) fn id<T: TryFrom<String, Error = NotAName>>(column: &str, text: String) -> StoreResult<T> {
    T::try_from(text).map_err(|e| corrupt(column, e))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn unhex(column: &str, text: &str) -> StoreResult<[u8; 32]> {
    let mut out = [0u8; 32];
    let ok = text.len() == 64
        && text.as_bytes().chunks(2).zip(out.iter_mut()).all(|(pair, byte)| {
            let digits = std::str::from_utf8(pair).ok();
            digits
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .map(|b| *byte = b)
                .is_some()
        });
    if ok {
        Ok(out)
    } else {
        Err(corrupt(column, "not 64 hex digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0xabu8; 32];
        assert_eq!(unhex("h", &hex(&bytes)).unwrap(), bytes);
        assert!(unhex("h", "zz").is_err());
        assert!(unhex("h", &"g".repeat(64)).is_err());
    }
}
