//! The exchanged token's part of an issuance: a first use is taken with `IF state = 'active'`
//! (the loser reads the winner's time), a reuse within the grace needs it still `used`, and a
//! first use whose issuance was refused is given back.

use super::schema::CassandraStore;
use super::token_rows::Stored;
use crate::clock::UnixTime;
use crate::model::TokenRecord;
use crate::store::{Consume, StoreError, StoreResult};

/// Rounds a first use tries while the token keeps changing under it.
const TRIES: u32 = 20;

impl CassandraStore {
    /// Takes the exchanged token: `Ok` with it as it was, or `Err` with when it was first used
    /// if it is `Used` (`None`: revoked, expired or gone).
    pub(super) async fn take(&self, consume: Consume, now: UnixTime) -> StoreResult<Result<Stored, Option<UnixTime>>> {
        let used_unexpired = |t: &TokenRecord| t.used_at().filter(|_| t.expiry_key() > now);
        match consume {
            Consume::First(id) => {
                for _ in 0..TRIES {
                    let Some(s) = self.serial_token(&id).await? else {
                        return Ok(Err(None));
                    };
                    if !s.token.is_active(now) {
                        return Ok(Err(used_unexpired(&s.token)));
                    }
                    // The expiry as read: an update that ended the token meanwhile fails this.
                    let cql = "UPDATE tokens USING TTL ? SET state = 'used', used_at = ? WHERE id = ? \
                               IF state = 'active' AND expires_at = ?";
                    let values = (s.ttl, now, id.to_text(), s.token.expires_at());
                    if self.applied(self.write(cql), values).await? {
                        return Ok(Ok(s));
                    }
                }
                Err(StoreError::Unavailable("cassandra: the token kept changing".into()))
            }
            Consume::Again(id) => match self.serial_token(&id).await? {
                Some(s) if used_unexpired(&s.token).is_some() => Ok(Ok(s)),
                _ => Ok(Err(None)),
            },
        }
    }

    /// Undoes a first use whose issuance was refused, if nothing touched the token since.
    pub(super) async fn give_back(&self, taken: &Stored, now: UnixTime) -> StoreResult<()> {
        let cql = "UPDATE tokens USING TTL ? SET state = 'active', used_at = null WHERE id = ? \
                   IF state = 'used' AND used_at = ?";
        self.applied(self.write(cql), (taken.ttl, taken.token.id.to_text(), now))
            .await
            .map(drop)
    }
}
