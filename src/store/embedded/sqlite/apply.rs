//! Replaying state-engine changes as SQLite statements inside the writer's transaction.

use crate::store::embedded::state::Change;
use rusqlite::params;

fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}

pub(super) fn apply(tx: &rusqlite::Transaction<'_>, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::PutTenant(t) => {
            tx.prepare_cached("INSERT OR REPLACE INTO tenants (id, name, settings) VALUES (?1, ?2, ?3)")?
                .execute(params![t.id.as_str(), t.name, json(&t.settings)])?;
        }
        Change::DeleteTenant(id) => {
            tx.execute("DELETE FROM tokens WHERE tenant = ?1", [id])?;
            tx.execute("DELETE FROM consents WHERE tenant = ?1", [id])?;
            tx.execute("DELETE FROM users WHERE tenant = ?1", [id])?;
            tx.execute("DELETE FROM clients WHERE tenant = ?1", [id])?;
            tx.execute("DELETE FROM tenants WHERE id = ?1", [id])?;
        }
        Change::PutClient(c) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO clients (client_id, tenant, name, secret_hash, grant_types, scopes, \
                 redirect_uris, authorities, public, settings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                c.client_id.as_str(),
                c.tenant.as_str(),
                c.name,
                c.secret_hash.as_ref().map(|h| &h[..]),
                json(&c.grant_types),
                json(&c.scopes),
                json(&c.redirect_uris),
                json(&c.authorities),
                c.public,
                json(&c.stored_settings()),
            ])?;
        }
        Change::DeleteClient(id) => {
            tx.execute("DELETE FROM consents WHERE client_id = ?1", [id])?;
            tx.execute("DELETE FROM clients WHERE client_id = ?1", [id])?;
        }
        Change::PutUser(u) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO users (tenant, username, password_hash, authorities, enabled) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                u.tenant.as_str(),
                u.username.as_str(),
                u.password_hash,
                json(&u.authorities),
                u.enabled
            ])?;
        }
        Change::DeleteUser { tenant, username } => {
            tx.execute(
                "DELETE FROM consents WHERE tenant = ?1 AND subject = ?2",
                [tenant, username],
            )?;
            tx.execute(
                "DELETE FROM users WHERE tenant = ?1 AND username = ?2",
                [tenant, username],
            )?;
        }
        Change::PutToken(t) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO tokens (id, kind, tenant, client_id, subject, scopes, authorities, \
                 issued_at, expires_at, state, properties, grant_id, extra) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                &t.id.0[..],
                t.kind.as_str(),
                t.tenant(),
                t.client_id(),
                t.subject(),
                json(t.scopes()),
                json(t.authorities()),
                t.issued_at,
                t.expires_at(),
                t.state.as_str(),
                t.properties.as_ref().map(|p| json(&**p)),
                &t.grant_id.0[..],
                t.extra.as_ref().map(|e| json(&**e)),
            ])?;
        }
        Change::PutConsent(c) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO consents (client_id, subject, tenant, scopes, granted_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                c.client_id.as_str(),
                c.subject,
                c.tenant.as_str(),
                json(&c.scopes),
                c.granted_at
            ])?;
        }
        Change::DeleteConsent { client_id, subject } => {
            tx.execute(
                "DELETE FROM consents WHERE client_id = ?1 AND subject = ?2",
                [client_id, subject],
            )?;
        }
        Change::DeleteTokens(ids) => {
            let mut stmt = tx.prepare_cached("DELETE FROM tokens WHERE id = ?1")?;
            for id in ids {
                stmt.execute([&id.0[..]])?;
            }
        }
        Change::MarkUsed(id, at) => {
            tx.prepare_cached("UPDATE tokens SET state = 'used', used_at = ?1 WHERE id = ?2")?
                .execute(params![at, &id.0[..]])?;
        }
        Change::PutSigningKey(k) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO signing_keys (kid, alg, wrapped, created_at, sign_from, keep_until) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                k.kid,
                k.alg.name(),
                k.wrapped,
                k.created_at,
                k.sign_from,
                k.keep_until.to_column()
            ])?;
        }
        Change::DeleteSigningKey(kid) => {
            tx.execute("DELETE FROM signing_keys WHERE kid = ?1", [kid])?;
        }
        Change::SetTokenState(ids, state) => {
            let mut stmt = tx.prepare_cached("UPDATE tokens SET state = ?1 WHERE id = ?2")?;
            for id in ids {
                stmt.execute(params![state.as_str(), &id.0[..]])?;
            }
        }
    }
    Ok(())
}
