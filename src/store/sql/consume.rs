//! The exchanged token's part of an issuance on a server database: the first use stamps it in
//! the statement that takes it, a reuse within the grace locks it as it is, and revoking a
//! lineage waits for both so that it ends the tokens they add.

use super::dialect::Dialect;
use super::rows::USABLE;
use super::{db_err, StoreResult};
use crate::clock::UnixTime;
use crate::store::Consume;
use sqlx::AnyConnection;
use sqlx::{AnyPool, Row};

/// Takes the token `consume` names inside the issuing transaction: `Ok(())` when it was in the
/// state asked for (now locked until the transaction ends), otherwise when it was first used if
/// it is `Used` (`None`: revoked, expired or gone).
pub(super) async fn take(
    tx: &mut AnyConnection,
    d: Dialect,
    consume: Consume,
    now: UnixTime,
) -> StoreResult<Result<(), Option<UnixTime>>> {
    match consume {
        // One statement, as before the grace existed: the time rides along with the state.
        Consume::First(id) => {
            let sql = format!("UPDATE tokens SET state = 'used', used_at = ? WHERE id = ? AND {USABLE}");
            let done = sqlx::query(&d.sql_owned(&sql))
                .bind(now)
                .bind(id.to_text())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            if done.rows_affected() == 1 {
                return Ok(Ok(()));
            }
            // A lost race or a replay: when was it first used?
            Ok(Err(locked_first_use(tx, d, &id.to_text(), now).await?))
        }
        // Locked so that a revocation of the lineage waits for this issuance (`revoke_grant`).
        Consume::Again(id) => match locked_first_use(tx, d, &id.to_text(), now).await? {
            Some(_) => Ok(Ok(())),
            None => Ok(Err(None)),
        },
    }
}

/// When a used, unexpired token was first used, locking its row; `None` if it is not such a
/// token (revoked, expired or gone). A locking read sees the latest commit, where a plain one
/// could read MySQL's older snapshot. Rows used before the grace existed have no `used_at`:
/// their issue time stands in, which puts them outside any grace.
async fn locked_first_use(
    tx: &mut AnyConnection,
    d: Dialect,
    id: &str,
    now: UnixTime,
) -> StoreResult<Option<UnixTime>> {
    let sql = "SELECT used_at, issued_at FROM tokens WHERE id = ? AND state = 'used' \
               AND (expires_at IS NULL OR expires_at > ?) FOR UPDATE";
    let row = sqlx::query(&d.sql_owned(sql))
        .bind(id.to_string())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    let Some(row) = row else { return Ok(None) };
    let used_at: Option<i64> = row.try_get(0).map_err(db_err)?;
    match used_at {
        Some(at) => Ok(Some(at)),
        None => Ok(Some(row.try_get(1).map_err(db_err)?)),
    }
}

/// Revokes every token of a lineage not revoked yet. The first statement waits for issuances
/// holding a token of the lineage (a rotation or a reuse within the grace); the second then
/// sees the tokens they committed, which a single `UPDATE` would miss on PostgreSQL.
pub(super) async fn revoke_grant(pool: &AnyPool, d: Dialect, grant_id: &str) -> StoreResult<u64> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    sqlx::query(&d.sql("SELECT id FROM tokens WHERE grant_id = ? AND state <> 'revoked' FOR UPDATE"))
        .bind(grant_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
    let done = sqlx::query(&d.sql("UPDATE tokens SET state = 'revoked' WHERE grant_id = ? AND state <> 'revoked'"))
        .bind(grant_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(done.rows_affected())
}
