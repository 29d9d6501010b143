//! How token rows reach the database: a multi-row `VALUES` list (MySQL, and any insert inside a
//! transaction), PostgreSQL's `UNNEST` (one statement text for any number of rows), and the
//! connections the group-commit writers hold between statements.

use super::dialect::Dialect;
use super::held::{connection_lost, Held};
use super::rows::{json, subject_column};
use super::{db_err, is_unique_violation, StoreResult};
use crate::model::TokenRecord;
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
    /// Writes `rows` in one statement. A held connection the database has dropped since its last
    /// statement (a restart, a failover) is replaced and the statement sent once more.
    pub(super) async fn insert(&mut self, rows: &[&TokenRecord]) -> StoreResult<()> {
        match self.try_insert(rows).await {
            Err(e) if connection_lost(&e) => match self.try_insert(rows).await {
                // Perhaps the first attempt committed and only its answer was lost; the rows are
                // in if all of them are there (one statement stores all of its rows or none).
                Err(e) if is_unique_violation(&e) => match self.count_stored(rows).await {
                    Ok(n) if n == rows.len() as i64 => Ok(()),
                    _ => Err(db_err(e)),
                },
                other => other.map_err(db_err),
            },
            other => other.map_err(db_err),
        }
    }

    async fn try_insert(&mut self, rows: &[&TokenRecord]) -> Result<(), sqlx::Error> {
        match self {
            Writer::Postgres(held) => held.run(async |conn| insert_unnest(conn, rows).await).await,
            Writer::Values(held, dialect) => {
                held.run(async |conn| values_insert(&mut **conn, *dialect, rows).await)
                    .await
            }
        }
    }

    /// How many of `rows` are stored.
    async fn count_stored(&mut self, rows: &[&TokenRecord]) -> Result<i64, sqlx::Error> {
        let ids: Vec<String> = rows.iter().map(|t| t.id.to_text()).collect();
        match self {
            Writer::Postgres(held) => {
                let sql = "SELECT COUNT(*) FROM tokens WHERE id = ANY($1::text[])";
                held.run(async |conn| sqlx::query_scalar(sql).bind(ids).fetch_one(&mut **conn).await)
                    .await
            }
            Writer::Values(held, _) => {
                let marks = vec!["?"; ids.len()].join(", ");
                let sql = format!("SELECT COUNT(*) FROM tokens WHERE id IN ({marks})");
                let query = ids.into_iter().fold(sqlx::query_scalar(&sql), |q, id| q.bind(id));
                held.run(async |conn| query.fetch_one(&mut **conn).await).await
            }
        }
    }

    /// Gives up the held connection (after a panic mid-statement its state is unknown).
    pub(super) fn forget(&mut self) {
        match self {
            Writer::Postgres(held) => held.forget(),
            Writer::Values(held, _) => held.forget(),
        }
    }
}

/// One multi-row `INSERT` of `rows` (autocommit when `executor` is the pool).
pub async fn insert_tokens<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    dialect: Dialect,
    rows: &[&TokenRecord],
) -> StoreResult<()> {
    values_insert(executor, dialect, rows).await.map_err(db_err)
}

async fn values_insert<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    dialect: Dialect,
    rows: &[&TokenRecord],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, issued_at, expires_at, \
         state, properties, grant_id) VALUES ",
    );
    // NULLs are written as literals: sqlx's Any driver hangs binding NULL on MySQL.
    for (i, t) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ");
        sql.push_str(if t.expires_at().is_some() { "?" } else { "NULL" });
        sql.push_str(", ?, ");
        sql.push_str(if t.properties.is_some() { "?" } else { "NULL" });
        sql.push_str(", ?)");
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
    }
    executor.execute(query).await?;
    Ok(())
}

const UNNEST_INSERT: &str = "INSERT INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, \
    issued_at, expires_at, state, properties, grant_id) \
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
    $8::int8[], $9::int8[], $10::text[], $11::text[], $12::text[])";

/// One `INSERT` of any number of rows, each column one array parameter: a single statement text,
/// prepared once per connection, where a `VALUES` list is a new statement for every batch size.
async fn insert_unnest(conn: &mut PgConnection, rows: &[&TokenRecord]) -> Result<(), sqlx::Error> {
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
    }
    sqlx::query(UNNEST_INSERT)
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
        .execute(conn)
        .await?;
    Ok(())
}
