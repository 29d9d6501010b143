//! How token rows reach the database: a multi-row `VALUES` list (MySQL, and any insert inside a
//! transaction), PostgreSQL's `UNNEST` (one statement text for any number of rows), and the
//! connections the group-commit writers hold between statements. The group-commit statements
//! store a row only while its client exists.

use super::dialect::Dialect;
use super::held::{connection_lost, Held};
use super::rows::{json, subject_column};
use super::{db_err, is_unique_violation, StoreResult};
use crate::model::{TokenId, TokenRecord};
use sqlx::{Any, AnyPool, Executor, PgConnection, PgPool};

/// Where the group-commit writers send batches: a pool of their own, so that a writer never
/// waits behind reads.
#[derive(Clone)]
pub enum Sink {
    /// PostgreSQL: one prepared `INSERT … SELECT FROM UNNEST(…)` whatever the batch size.
    Postgres(PgPool),
    /// MySQL: a multi-row `VALUES` list.
    Values(AnyPool, Dialect),
}

impl Sink {
    pub(super) fn writer(&self) -> Writer {
        match self {
            Sink::Postgres(pool) => Writer::Postgres(Held::new(pool.clone())),
            Sink::Values(pool, dialect) => Writer::Values(Held::new(pool.clone()), *dialect),
        }
    }
}

/// A group-commit writer and the connection it holds (see `held.rs`).
pub(super) enum Writer {
    Postgres(Held<sqlx::Postgres>),
    Values(Held<Any>, Dialect),
}

impl Writer {
    /// Writes `rows` in one statement, each only if its client still exists (the client's row
    /// is share-locked as it is checked, so a concurrent delete either waits for the statement or
    /// is seen by it); returns the ids of the rows refused for a deleted client. A held
    /// connection the database has dropped since its last statement (a restart, a failover) is
    /// replaced and the statement sent once more.
    pub(super) async fn insert(&mut self, rows: &[&TokenRecord]) -> StoreResult<Vec<TokenId>> {
        let stored = match self.try_insert(rows).await {
            Ok(stored) => stored,
            Err(e) if connection_lost(&e) => match self.try_insert(rows).await {
                Ok(stored) => stored,
                // Perhaps the first attempt committed and only its answer was lost; then what it
                // stored is in (one statement stores all of its rows whose client exists, or none).
                Err(e) if is_unique_violation(&e) => match self.stored_ids(rows).await {
                    Ok(stored) if !stored.is_empty() => return Ok(refused(rows, &stored)),
                    _ => return Err(db_err(e)),
                },
                Err(e) => return Err(db_err(e)),
            },
            Err(e) => return Err(db_err(e)),
        };
        if stored == rows.len() as u64 {
            return Ok(Vec::new());
        }
        // Rare: a client was deleted; which rows went in is asked only then.
        let stored = self.stored_ids(rows).await.map_err(db_err)?;
        Ok(refused(rows, &stored))
    }

    /// How many rows the statement stored.
    async fn try_insert(&mut self, rows: &[&TokenRecord]) -> Result<u64, sqlx::Error> {
        match self {
            Writer::Postgres(held) => held.run(async |conn| insert_unnest(conn, rows).await).await,
            Writer::Values(held, dialect) => {
                held.run(async |conn| values_insert(&mut **conn, *dialect, rows, Guard::ClientExists).await)
                    .await
            }
        }
    }

    /// Which of `rows` are stored.
    async fn stored_ids(&mut self, rows: &[&TokenRecord]) -> Result<Vec<TokenId>, sqlx::Error> {
        let ids: Vec<String> = rows.iter().map(|t| t.id.to_text()).collect();
        let found: Vec<String> = match self {
            Writer::Postgres(held) => {
                let sql = "SELECT id FROM tokens WHERE id = ANY($1::text[])";
                held.run(async |conn| sqlx::query_scalar(sql).bind(ids).fetch_all(&mut **conn).await)
                    .await?
            }
            Writer::Values(held, _) => {
                let marks = vec!["?"; ids.len()].join(", ");
                let sql = format!("SELECT id FROM tokens WHERE id IN ({marks})");
                let query = ids.into_iter().fold(sqlx::query_scalar(&sql), |q, id| q.bind(id));
                held.run(async |conn| query.fetch_all(&mut **conn).await).await?
            }
        };
        Ok(found.iter().filter_map(|id| TokenId::from_text(id)).collect())
    }

    /// Gives up the held connection (after a panic mid-statement its state is unknown).
    pub(super) fn forget(&mut self) {
        match self {
            Writer::Postgres(held) => held.forget(),
            Writer::Values(held, _) => held.forget(),
        }
    }
}

/// The rows of `rows` whose id is not in `stored`.
fn refused(rows: &[&TokenRecord], stored: &[TokenId]) -> Vec<TokenId> {
    rows.iter().map(|t| t.id).filter(|id| !stored.contains(id)).collect()
}

/// Whether a `VALUES` insert checks each row's client: the grouped writers do; an insert under
/// the client's row lock (or the code insert, which checks first) need not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guard {
    None,
    ClientExists,
}

/// One multi-row `INSERT` of `rows` (autocommit when `executor` is the pool).
pub async fn insert_tokens<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    dialect: Dialect,
    rows: &[&TokenRecord],
) -> StoreResult<()> {
    values_insert(executor, dialect, rows, Guard::None)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// The columns in the order every insert binds them.
const COLUMNS: [&str; 13] = [
    "id",
    "kind",
    "tenant",
    "client_id",
    "subject",
    "scopes",
    "authorities",
    "issued_at",
    "expires_at",
    "state",
    "properties",
    "grant_id",
    "extra",
];

async fn values_insert<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    dialect: Dialect,
    rows: &[&TokenRecord],
    guard: Guard,
) -> Result<u64, sqlx::Error> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut sql = format!("INSERT INTO tokens ({}) ", COLUMNS.join(", "));
    // Guarded: the rows as a derived table of `SELECT`s, kept where the client exists.
    sql.push_str(if guard == Guard::ClientExists {
        "SELECT v.* FROM ("
    } else {
        "VALUES "
    });
    for (i, t) in rows.iter().enumerate() {
        sql.push_str(match (guard, i) {
            (Guard::None, 0) => "(",
            (Guard::None, _) => ", (",
            (Guard::ClientExists, 0) => "SELECT ",
            (Guard::ClientExists, _) => " UNION ALL SELECT ",
        });
        for (c, column) in COLUMNS.iter().enumerate() {
            // NULLs are written as literals: sqlx's Any driver hangs binding NULL on MySQL.
            let null = match *column {
                "expires_at" => t.expires_at().is_none(),
                "properties" => t.properties.is_none(),
                "extra" => t.extra.is_none(),
                _ => false,
            };
            sql.push_str(if c > 0 { ", " } else { "" });
            sql.push_str(if null { "NULL" } else { "?" });
            if guard == Guard::ClientExists && i == 0 {
                sql.push_str(" AS ");
                sql.push_str(column);
            }
        }
        sql.push_str(if guard == Guard::None { ")" } else { "" });
    }
    if guard == Guard::ClientExists {
        sql.push_str(") v WHERE EXISTS (SELECT 1 FROM clients c WHERE c.client_id = v.client_id LOCK IN SHARE MODE)");
    }
    let sql = dialect.sql_owned(&sql);
    let mut query = sqlx::query(&sql);
    for t in rows {
        query = query
            .bind(t.id.to_text())
            .bind(t.kind.as_str())
            .bind(t.tenant().to_string())
            .bind(t.client_id().to_string())
            .bind(subject_column(t.subject()).to_string())
            .bind(json(t.scopes()))
            .bind(json(t.authorities()))
            .bind(t.issued_at);
        if let Some(exp) = t.expires_at() {
            query = query.bind(exp);
        }
        query = query.bind(t.state.as_str());
        if let Some(p) = &t.properties {
            query = query.bind(json(&**p));
        }
        query = query.bind(t.grant_id.to_text());
        if let Some(e) = &t.extra {
            query = query.bind(json(&**e));
        }
    }
    Ok(executor.execute(query).await?.rows_affected())
}

const UNNEST_INSERT: &str = "INSERT INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, \
    issued_at, expires_at, state, properties, grant_id, extra) \
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
    $8::int8[], $9::int8[], $10::text[], $11::text[], $12::text[], $13::text[]) \
    AS v(id, kind, tenant, client_id, subject, scopes, authorities, issued_at, expires_at, state, properties, \
    grant_id, extra) \
    WHERE EXISTS (SELECT 1 FROM clients c WHERE c.client_id = v.client_id FOR KEY SHARE)";

/// One `INSERT` of any number of rows, each column one array parameter: a single statement text,
/// prepared once per connection, where a `VALUES` list is a new statement for every batch size.
/// Each row goes in only if its client exists, whose row it locks as a foreign key check would.
async fn insert_unnest(conn: &mut PgConnection, rows: &[&TokenRecord]) -> Result<u64, sqlx::Error> {
    let n = rows.len();
    let mut ids = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut tenants = Vec::with_capacity(n);
    let mut clients = Vec::with_capacity(n);
    let mut subjects = Vec::with_capacity(n);
    let mut scopes = Vec::with_capacity(n);
    let mut authorities = Vec::with_capacity(n);
    let mut issued = Vec::with_capacity(n);
    let mut expires = Vec::with_capacity(n);
    let mut states = Vec::with_capacity(n);
    let mut properties = Vec::with_capacity(n);
    let mut grants = Vec::with_capacity(n);
    let mut extras = Vec::with_capacity(n);
    for t in rows {
        ids.push(t.id.to_text());
        kinds.push(t.kind.as_str());
        tenants.push(t.tenant());
        clients.push(t.client_id());
        subjects.push(subject_column(t.subject()));
        scopes.push(json(t.scopes()));
        authorities.push(json(t.authorities()));
        issued.push(t.issued_at);
        expires.push(t.expires_at());
        states.push(t.state.as_str());
        properties.push(t.properties.as_ref().map(|p| json(&**p)));
        grants.push(t.grant_id.to_text());
        extras.push(t.extra.as_ref().map(|e| json(&**e)));
    }
    let done = sqlx::query(UNNEST_INSERT)
        .bind(ids)
        .bind(kinds)
        .bind(tenants)
        .bind(clients)
        .bind(subjects)
        .bind(scopes)
        .bind(authorities)
        .bind(issued)
        .bind(expires)
        .bind(states)
        .bind(properties)
        .bind(grants)
        .bind(extras)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
