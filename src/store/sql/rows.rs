//! Rows to domain values and back: JSON list columns, '' for "no subject", hex secret hashes.

use super::super::{StoreError, StoreResult};
use crate::model::{
    Client, ClientSettings, Consent, NotAName, Tenant, TokenId, TokenKind, TokenProfile, TokenRecord, TokenState, User,
};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::sync::Arc;

pub const TOKEN_COLUMNS: &str =
    "id, kind, tenant, client_id, subject, scopes, authorities, issued_at, expires_at, state, properties, grant_id, used_at, extra";
pub const CLIENT_COLUMNS: &str =
    "client_id, tenant, name, secret_hash, grant_types, scopes, redirect_uris, authorities, is_public, settings";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn get<'r, T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>>(row: &'r AnyRow, column: &str) -> StoreResult<T> {
    row.try_get(column).map_err(|e| corrupt(column, e))
}

/// Text columns under MySQL's binary collation arrive as bytes; both read as a `String`.
pub fn text(row: &AnyRow, column: impl sqlx::ColumnIndex<AnyRow> + std::fmt::Display + Copy) -> StoreResult<String> {
    match row.try_get::<String, _>(column) {
        Ok(s) => Ok(s),
        Err(_) => {
            let bytes: Vec<u8> = row.try_get(column).map_err(|e| corrupt(&column.to_string(), e))?;
            String::from_utf8(bytes).map_err(|e| corrupt(&column.to_string(), e))
        }
    }
}

fn opt_text(row: &AnyRow, column: &str) -> StoreResult<Option<String>> {
    match row.try_get::<Option<String>, _>(column) {
        Ok(s) => Ok(s),
        Err(_) => {
            let bytes: Option<Vec<u8>> = row.try_get(column).map_err(|e| corrupt(column, e))?;
            bytes
                .map(|b| String::from_utf8(b).map_err(|e| corrupt(column, e)))
                .transpose()
        }
    }
}

/// The SQL test for "usable now": active and not expired; binds `now` once.
pub const USABLE: &str = "state = 'active' AND (expires_at IS NULL OR expires_at > ?)";

pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}

fn parse<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> StoreResult<T> {
    let text = text(row, column)?;
    serde_json::from_str(&text).map_err(|e| corrupt(column, e))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

/// A stored id or username, held to its type's grammar like any other column's format.
fn id<T: TryFrom<String, Error = NotAName>>(row: &AnyRow, column: &'static str) -> StoreResult<T> {
    T::try_from(text(row, column)?).map_err(|e| corrupt(column, e))
}

pub fn tenant(row: &AnyRow) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: id(row, "id")?,
        name: text(row, "name")?,
        settings: parse(row, "settings")?,
    })
}

pub fn client(row: &AnyRow) -> StoreResult<Client> {
    let secret = opt_text(row, "secret_hash")?;
    let secret_hash = match secret {
        Some(h) => Some(unhex(&h).ok_or_else(|| corrupt("secret_hash", "not 64 hex digits"))?),
        None => None,
    };
    let ClientSettings {
        tokens: settings,
        allowed_origins,
    } = parse(row, "settings")?;
    Ok(Client {
        client_id: id(row, "client_id")?,
        tenant: id(row, "tenant")?,
        name: text(row, "name")?,
        secret_hash,
        grant_types: parse(row, "grant_types")?,
        scopes: parse(row, "scopes")?,
        redirect_uris: parse(row, "redirect_uris")?,
        authorities: parse(row, "authorities")?,
        public: get::<i64>(row, "is_public")? != 0,
        settings,
        allowed_origins,
    })
}

pub fn user(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        tenant: id(row, "tenant")?,
        username: id(row, "username")?,
        password_hash: text(row, "password_hash")?,
        authorities: parse(row, "authorities")?,
        enabled: get::<i64>(row, "enabled")? != 0,
    })
}

pub fn consent(row: &AnyRow) -> StoreResult<Consent> {
    Ok(Consent {
        client_id: id(row, "client_id")?,
        subject: text(row, "subject")?,
        tenant: id(row, "tenant")?,
        scopes: parse(row, "scopes")?,
        granted_at: get::<i64>(row, "granted_at")?,
    })
}

fn token_id(row: &AnyRow, column: &str) -> StoreResult<TokenId> {
    TokenId::from_text(&text(row, column)?).ok_or_else(|| corrupt(column, "not a token id"))
}

pub fn token(row: &AnyRow) -> StoreResult<TokenRecord> {
    let kind = text(row, "kind")?;
    let state = text(row, "state")?;
    let subject = text(row, "subject")?;
    let properties = opt_text(row, "properties")?;
    let extra = opt_text(row, "extra")?;
    let profile = TokenProfile {
        tenant: text(row, "tenant")?.into(),
        client_id: text(row, "client_id")?.into(),
        subject: (!subject.is_empty()).then(|| subject.into()),
        scopes: parse::<Vec<String>>(row, "scopes")?.into(),
        authorities: parse::<Vec<String>>(row, "authorities")?.into(),
    };
    let mut token = TokenRecord::new(
        token_id(row, "id")?,
        TokenKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        Arc::new(profile),
        get(row, "issued_at")?,
        get(row, "expires_at")?,
        token_id(row, "grant_id")?,
    );
    token.state = TokenState::parse(&state).ok_or_else(|| corrupt("state", &state))?;
    if token.state == TokenState::Used {
        let used_at: Option<i64> = get(row, "used_at")?;
        token.mark_used(used_at.unwrap_or(token.issued_at));
    }
    token.properties = match properties {
        Some(p) => Some(Arc::new(
            serde_json::from_str(&p).map_err(|e| corrupt("properties", e))?,
        )),
        None => None,
    };
    token.extra = match extra {
        Some(e) => Some(Arc::new(serde_json::from_str(&e).map_err(|e| corrupt("extra", e))?)),
        None => None,
    };
    Ok(token)
}

/// The subject column: '' for application tokens (usernames are never empty).
pub fn subject_column(subject: Option<&str>) -> &str {
    subject.unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0xabu8; 32];
        assert_eq!(unhex(&hex(&bytes)), Some(bytes));
        assert_eq!(unhex("zz"), None);
    }
}
