//! The SQLite schema (migrations) and loading a file into the state engine at start.

use super::corrupt;
use crate::model::{
    AccessExtra, Client, ClientSettings, Consent, Tenant, TokenId, TokenKind, TokenProfile, TokenRecord, TokenSettings,
    TokenState, User,
};
use crate::store::embedded::state::State;
use crate::store::{KeepUntil, StoredSigningKey};
use crate::token::jwt::SigningAlg;
use rusqlite::Connection;
use std::sync::Arc;

/// Each entry moves the schema one version up; `PRAGMA user_version` records how far a file is.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE tenants (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    settings  TEXT NOT NULL
);
CREATE TABLE clients (
    client_id     TEXT PRIMARY KEY,
    tenant        TEXT NOT NULL,
    name          TEXT NOT NULL,
    secret_hash   BLOB,
    grant_types   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    authorities   TEXT NOT NULL,
    public        INTEGER NOT NULL,
    settings      TEXT NOT NULL
);
CREATE INDEX clients_tenant ON clients(tenant);
CREATE TABLE users (
    tenant        TEXT NOT NULL,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    authorities   TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    PRIMARY KEY (tenant, username)
);
CREATE TABLE tokens (
    id          BLOB PRIMARY KEY,
    kind        TEXT NOT NULL,
    tenant      TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    subject     TEXT,
    scopes      TEXT NOT NULL,
    authorities TEXT NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER,
    state       TEXT NOT NULL,
    properties  TEXT,
    grant_id    BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_client ON tokens(client_id);
CREATE INDEX tokens_expires ON tokens(expires_at);
"#,
    r#"
CREATE TABLE consents (
    client_id  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, subject)
);
CREATE INDEX consents_subject ON consents(tenant, subject);
"#,
    r#"
-- The file is a journal: every read is served from memory, and the writer only touches tokens
-- by id. These indexes were written on every insert and never read.
DROP INDEX tokens_client;
DROP INDEX tokens_expires;
"#,
    r#"
-- One row the writer rewrites to find out whether the file accepts commits (readiness, and
-- recovery after a failed commit, e.g. a full disk).
CREATE TABLE probe (
    id     INTEGER PRIMARY KEY,
    writes INTEGER NOT NULL
);
"#,
    r#"
-- When a used refresh token or code was first exchanged: the refresh grace counts from it.
ALTER TABLE tokens ADD COLUMN used_at INTEGER;
"#,
    r#"
-- An access token's audiences and, for a JWT, the token sealed under the token key (JSON).
ALTER TABLE tokens ADD COLUMN extra TEXT;
"#,
    r#"
-- JWT signing keys, private keys wrapped under the token key; keep_until: i64::MIN nothing
-- signed yet, i64::MAX forever.
CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    alg        TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    sign_from  INTEGER NOT NULL,
    keep_until INTEGER NOT NULL
);
"#,
];

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// A stored id or username, held to its type's grammar like any other column's format.
fn id<T: TryFrom<String, Error = crate::model::NotAName>>(
    row: &rusqlite::Row<'_>,
    column: usize,
) -> rusqlite::Result<T> {
    T::try_from(row.get::<_, String>(column)?).map_err(|e| corrupt("id", e))
}

fn token_id(what: &str, bytes: Vec<u8>) -> rusqlite::Result<TokenId> {
    let len = bytes.len();
    bytes
        .try_into()
        .map(TokenId)
        .map_err(|_| corrupt(what, format!("{len} bytes, expected 16")))
}

pub(super) fn load(conn: &Connection) -> rusqlite::Result<State> {
    let mut state = State::default();
    let mut stmt = conn.prepare("SELECT id, name, settings FROM tenants")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let settings: String = row.get(2)?;
        state.load_tenant(Tenant {
            id: id(row, 0)?,
            name: row.get(1)?,
            settings: parse_json::<TokenSettings>("tenant settings", &settings)?,
        });
    }
    let mut stmt = conn.prepare(
        "SELECT client_id, tenant, name, secret_hash, grant_types, scopes, redirect_uris, authorities, public, settings FROM clients",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let secret_hash: Option<Vec<u8>> = row.get(3)?;
        let secret_hash = match secret_hash {
            Some(h) => Some(h.try_into().map_err(|_| corrupt("secret_hash", "not 32 bytes"))?),
            None => None,
        };
        let ClientSettings {
            tokens: settings,
            allowed_origins,
        } = parse_json("client settings", &row.get::<_, String>(9)?)?;
        state.load_client(Client {
            client_id: id(row, 0)?,
            tenant: id(row, 1)?,
            name: row.get(2)?,
            secret_hash,
            grant_types: parse_json("grant_types", &row.get::<_, String>(4)?)?,
            scopes: parse_json("scopes", &row.get::<_, String>(5)?)?,
            redirect_uris: parse_json("redirect_uris", &row.get::<_, String>(6)?)?,
            authorities: parse_json("authorities", &row.get::<_, String>(7)?)?,
            public: row.get(8)?,
            settings,
            allowed_origins,
        });
    }
    let mut stmt = conn.prepare("SELECT tenant, username, password_hash, authorities, enabled FROM users")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        state.load_user(User {
            tenant: id(row, 0)?,
            username: id(row, 1)?,
            password_hash: row.get(2)?,
            authorities: parse_json("authorities", &row.get::<_, String>(3)?)?,
            enabled: row.get(4)?,
        });
    }
    let mut stmt = conn.prepare("SELECT client_id, subject, tenant, scopes, granted_at FROM consents")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        state.load_consent(Consent {
            client_id: id(row, 0)?,
            subject: row.get(1)?,
            tenant: id(row, 2)?,
            scopes: parse_json("consent scopes", &row.get::<_, String>(3)?)?,
            granted_at: row.get(4)?,
        });
    }
    let mut stmt = conn.prepare(
        "SELECT id, kind, tenant, client_id, subject, scopes, authorities, issued_at, expires_at, state, properties, grant_id, used_at, extra FROM tokens",
    )?;
    let mut rows = stmt.query([])?;
    // The state engine shares equal profiles as it inserts: only one allocation per distinct
    // (client, subject, scope set) outlives the load.
    while let Some(row) = rows.next()? {
        let kind: String = row.get(1)?;
        let state_text: String = row.get(9)?;
        let properties: Option<String> = row.get(10)?;
        let profile = TokenProfile {
            tenant: row.get::<_, String>(2)?.into(),
            client_id: row.get::<_, String>(3)?.into(),
            subject: row.get::<_, Option<String>>(4)?.map(Into::into),
            scopes: parse_json::<Vec<String>>("scopes", &row.get::<_, String>(5)?)?.into(),
            authorities: parse_json::<Vec<String>>("authorities", &row.get::<_, String>(6)?)?.into(),
        };
        let mut token = TokenRecord::new(
            token_id("token id", row.get(0)?)?,
            TokenKind::parse(&kind).ok_or_else(|| corrupt("token kind", &kind))?,
            Arc::new(profile),
            row.get(7)?,
            row.get(8)?,
            token_id("grant id", row.get(11)?)?,
        );
        token.state = TokenState::parse(&state_text).ok_or_else(|| corrupt("token state", &state_text))?;
        if token.state == TokenState::Used {
            let used_at: Option<i64> = row.get(12)?;
            token.mark_used(used_at.unwrap_or(token.issued_at));
        }
        token.properties = properties
            .map(|p| parse_json::<serde_json::Map<String, serde_json::Value>>("properties", &p).map(Arc::new))
            .transpose()?;
        token.extra = (row.get::<_, Option<String>>(13)?)
            .map(|e| parse_json::<AccessExtra>("token extra", &e).map(Arc::new))
            .transpose()?;
        state.insert_token(Arc::new(token));
    }
    for key in signing_keys(conn)? {
        state.load_signing_key(key);
    }
    Ok(state)
}

/// The stored signing keys (none in a file from before them).
pub(super) fn signing_keys(conn: &Connection) -> rusqlite::Result<Vec<StoredSigningKey>> {
    let exists: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'signing_keys'",
        [],
        |row| row.get(0),
    )?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare("SELECT kid, alg, wrapped, created_at, sign_from, keep_until FROM signing_keys")?;
    let keys = stmt.query_map([], |row| {
        let alg: String = row.get(1)?;
        Ok(StoredSigningKey {
            kid: row.get(0)?,
            alg: SigningAlg::parse(&alg).ok_or_else(|| corrupt("signing key alg", &alg))?,
            wrapped: row.get(2)?,
            created_at: row.get(3)?,
            sign_from: row.get(4)?,
            keep_until: KeepUntil::from_column(row.get(5)?),
        })
    })?;
    keys.collect()
}
