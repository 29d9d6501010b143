//! Token lookups, grouped: concurrent `get_token` calls (introspection, check_token) share one
//! `SELECT … WHERE id = ANY(…)` on a connection a reader holds, instead of a pooled round trip
//! each. A lookup is sent after it was asked, so it sees every commit made before it was asked:
//! a revocation counts on every node at once, as before.

use super::dialect::Dialect;
use super::grouped::{Grouped, Job, Operation};
use super::held::{connection_lost, Held};
use super::rows::{self, TOKEN_COLUMNS};
use super::{db_err, StoreResult};
use crate::model::{TokenId, TokenRecord};
use sqlx::{Any, AnyPool};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Readers, each with one statement in flight at a time.
pub const READERS: usize = 4;
/// Ids per statement.
const MAX_IDS: usize = 256;

pub struct Lookups(Grouped<Reader>);

impl Lookups {
    /// Starts the readers on the current runtime, on connections of `pool` (their own pool, so
    /// that a lookup never waits behind a slow admin query).
    pub fn start(pool: AnyPool, dialect: Dialect) -> Self {
        Self(Grouped::start((0..READERS).map(|_| Reader {
            held: Held::new(pool.clone()),
            dialect,
        })))
    }

    pub async fn get(&self, id: TokenId) -> StoreResult<Option<Arc<TokenRecord>>> {
        self.0.ask(id).await
    }
}

/// What one statement found: the ids asked for (as stored) and the rows by id.
pub(super) struct Fetched {
    texts: Vec<String>,
    by_id: HashMap<String, StoreResult<Arc<TokenRecord>>>,
}

/// Whatever lookups are waiting (up to `MAX_IDS`), asked for in one statement, with no holding
/// back: a lookup goes as soon as a reader is free.
impl Operation for Reader {
    type Request = TokenId;
    type Answer = Option<Arc<TokenRecord>>;
    type Outcome = Fetched;
    const MAX_GROUP: usize = MAX_IDS;
    const HOLD_PARTIAL: bool = false;
    const STOPPED: &'static str = "token lookups stopped";
    const PANICKED: &'static str = "a token lookup failed";

    fn size(_: &TokenId) -> usize {
        1
    }

    async fn run(&mut self, group: &[Job<Self>]) -> StoreResult<Fetched> {
        let texts: Vec<String> = group.iter().map(|job| job.request.to_text()).collect();
        let by_id = self.fetch(&texts).await?;
        Ok(Fetched { texts, by_id })
    }

    fn answer(fetched: &Fetched, index: usize, _: &TokenId) -> StoreResult<Option<Arc<TokenRecord>>> {
        match fetched.by_id.get(fetched.texts[index].as_str()) {
            Some(Ok(record)) => Ok(Some(record.clone())),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(None),
        }
    }

    fn forget(&mut self) {
        self.held.forget();
    }
}

pub(super) struct Reader {
    held: Held<Any>,
    dialect: Dialect,
}

impl Reader {
    /// The stored tokens among `texts` (ids as stored), each read on its own: a row that does
    /// not decode fails the lookups of its id, not those of the others in the statement. A held
    /// connection the database dropped is replaced and the statement sent once more (a read can
    /// always be repeated).
    async fn fetch(&mut self, texts: &[String]) -> StoreResult<HashMap<String, StoreResult<Arc<TokenRecord>>>> {
        let rows = match self.try_fetch(texts).await {
            Err(e) if connection_lost(&e) => self.try_fetch(texts).await,
            other => other,
        }
        .map_err(db_err)?;
        rows.iter()
            .map(|row| Ok((rows::text(row, "id")?, rows::token(row).map(Arc::new))))
            .collect()
    }

    async fn try_fetch(&mut self, texts: &[String]) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        match self.dialect {
            // One statement text whatever the count: the ids travel as one comma-separated text
            // (token ids are base64url, never a comma), which the Any driver can bind.
            Dialect::Postgres => {
                let query = sqlx::query(postgres_select()).bind(texts.join(","));
                self.held.run(async |conn| query.fetch_all(&mut **conn).await).await
            }
            // `IN (…)` with the count rounded up to a power of two (the last id repeated), so a
            // connection prepares at most nine statement texts.
            Dialect::MySql => {
                let slots = texts.len().next_power_of_two();
                let mut query = sqlx::query(mysql_select(slots));
                for i in 0..slots {
                    query = query.bind(texts[i.min(texts.len() - 1)].clone());
                }
                self.held.run(async |conn| query.fetch_all(&mut **conn).await).await
            }
        }
    }
}

fn postgres_select() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ANY(string_to_array($1, ','))"))
}

/// `SELECT … WHERE id IN (?, …)` with `slots` placeholders, `slots` a power of two ≤ `MAX_IDS`.
fn mysql_select(slots: usize) -> &'static str {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    let texts = SQL.get_or_init(|| {
        (0..=MAX_IDS.trailing_zeros())
            .map(|power| {
                let marks = vec!["?"; 1 << power].join(", ");
                format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id IN ({marks})")
            })
            .collect()
    });
    &texts[slots.trailing_zeros() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_statements_come_in_power_of_two_sizes() {
        assert!(mysql_select(1).ends_with("IN (?)"));
        assert!(mysql_select(4).ends_with("IN (?, ?, ?, ?)"));
        assert_eq!(mysql_select(MAX_IDS).matches('?').count(), MAX_IDS);
        assert!(postgres_select().contains("ANY(string_to_array($1, ','))"));
    }
}
