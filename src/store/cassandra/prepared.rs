//! The statements of the hot paths (`get_client` and `get_token` on every introspection, the
//! token inserts of every issuance), prepared once at connect: no CQL is formatted or parsed
//! per request.

use super::entities::CLIENT_COLUMNS;
use super::schema::db_err;
use super::token_rows::TOKEN_COLUMNS;
use super::CassandraOptions;
use crate::store::StoreResult;
use scylla::client::session::Session;
use scylla::statement::prepared::PreparedStatement;
use scylla::statement::SerialConsistency;

pub(super) struct Prepared {
    pub get_client: PreparedStatement,
    pub get_token: PreparedStatement,
    pub get_user_enabled: PreparedStatement,
    pub insert_token: PreparedStatement,
    pub insert_by_client: PreparedStatement,
    pub insert_by_grant: PreparedStatement,
    pub insert_by_subject: PreparedStatement,
}

impl Prepared {
    pub async fn new(session: &Session, options: &CassandraOptions) -> StoreResult<Self> {
        let read = |cql: String| async move {
            let mut p = session.prepare(cql).await.map_err(db_err)?;
            p.set_consistency(options.read_consistency);
            StoreResult::Ok(p)
        };
        let write = |cql: &'static str| async move {
            let mut p = session.prepare(cql).await.map_err(db_err)?;
            p.set_consistency(options.write_consistency);
            p.set_serial_consistency(Some(SerialConsistency::LocalSerial));
            StoreResult::Ok(p)
        };
        Ok(Prepared {
            get_client: read(format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id = ?")).await?,
            get_token: read(format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?")).await?,
            get_user_enabled: read("SELECT enabled FROM users WHERE tenant = ? AND username = ?".into()).await?,
            insert_token: write(
                "INSERT INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, issued_at, \
                 expires_at, state, properties, grant_id, used_at, extra) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 USING TTL ?",
            )
            .await?,
            insert_by_client: write(
                "INSERT INTO tokens_by_client (client_id, id, kind, subject, expires_at) VALUES (?, ?, ?, ?, ?) \
                 USING TTL ?",
            )
            .await?,
            insert_by_grant: write("INSERT INTO tokens_by_grant (grant_id, id) VALUES (?, ?) USING TTL ?").await?,
            insert_by_subject: write(
                "INSERT INTO tokens_by_subject (tenant, subject, client_id, id) VALUES (?, ?, ?, ?) USING TTL ?",
            )
            .await?,
        })
    }
}
