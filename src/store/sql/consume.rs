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
    let taken = match consume {
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
            done.rows_affected() == 1
        }
        // Locked so that a revocation of the lineage waits for this issuance (`revoke_grant`).
        Consume::Again(id) => {
            let sql = "SELECT id FROM tokens WHERE id = ? AND state = 'used' \
                       AND (expires_at IS NULL OR expires_at > ?) FOR UPDATE";
            let row = sqlx::query(&d.sql_owned(sql))
                .bind(id.to_text())
                .bind(now)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            row.is_some()
        }
    };
    if taken {
        return Ok(Ok(()));
    }
    // Only a lost race or a replay gets here. A locking read sees the latest commit, where a
    // plain one could read MySQL's older snapshot.
    let (Consume::First(id) | Consume::Again(id)) = consume;
    let sql = "SELECT used_at, issued_at FROM tokens WHERE id = ? AND state = 'used' \
               AND (expires_at IS NULL OR expires_at > ?) FOR UPDATE";
    let row = sqlx::query(&d.sql_owned(sql))
        .bind(id.to_text())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    let used_at = match row {
        Some(row) => {
            let used_at: Option<i64> = row.try_get(0).map_err(db_err)?;
            Some(match used_at {
                Some(at) => at,
                None => row.try_get(1).map_err(db_err)?,
            })
        }
        None => None,
    };
    Ok(Err(used_at))
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
