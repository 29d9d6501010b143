//! Token rows: the record and its index rows written together with one TTL, read back by id
//! (with the TTL left, so that a change of state expires with the row), and deleted together.

use super::cql::{corrupt, json, parse};
use super::schema::{db_err, CassandraStore};
use crate::clock::UnixTime;
use crate::model::{TokenId, TokenKind, TokenProfile, TokenRecord, TokenState};
use crate::store::StoreResult;
use scylla::serialize::row::SerializeRow;
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::Consistency;
use std::collections::HashMap;
use std::sync::Arc;

/// The record's columns and the seconds its row has left (`TTL(kind)`, null: none).
pub(super) const TOKEN_COLUMNS: &str = "id, kind, tenant, client_id, subject, scopes, authorities, issued_at, \
     expires_at, state, properties, grant_id, used_at, extra, TTL(kind)";

type Text = Option<String>;
pub(super) type TokenRow = (
    String,
    Text,
    Text,
    Text,
    Text,
    Text,
    Text,
    Option<i64>,
    Option<i64>,
    Text,
    Text,
    Text,
    Option<i64>,
    Text,
    Option<i32>,
);

/// Which of a token's rows a write writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rows {
    /// The record and its index rows.
    All,
    /// The record alone (exact issuance, before it is decided: no listing finds it yet).
    Record,
    /// The index rows alone (exact issuance, once it is decided).
    Index,
}

/// Cassandra's longest TTL (20 years).
const MAX_TTL: i64 = 630_720_000;

/// A stored token and the TTL its row has left (0: none).
pub(super) struct Stored {
    pub token: TokenRecord,
    pub ttl: i32,
}

fn need<T>(column: &str, value: Option<T>) -> StoreResult<T> {
    value.ok_or_else(|| corrupt(column, "missing"))
}

fn token_id(column: &str, text: &str) -> StoreResult<TokenId> {
    TokenId::from_text(text).ok_or_else(|| corrupt(column, "not a token id"))
}

/// The record of a row; `None` for the cells an update left behind a row that TTL has taken.
pub(super) fn stored(row: TokenRow) -> StoreResult<Option<Stored>> {
    let (
        id,
        kind,
        tenant,
        client_id,
        subject,
        scopes,
        authorities,
        issued_at,
        expires_at,
        state,
        props,
        grant,
        used_at,
        extra,
        ttl,
    ) = row;
    let Some(kind) = kind else { return Ok(None) };
    let profile = TokenProfile {
        tenant: need("tenant", tenant)?.into(),
        client_id: need("client_id", client_id)?.into(),
        subject: subject.map(Into::into),
        scopes: parse::<Vec<String>>("scopes", &need("scopes", scopes)?)?.into(),
        authorities: parse::<Vec<String>>("authorities", &need("authorities", authorities)?)?.into(),
    };
    let mut token = TokenRecord::new(
        token_id("id", &id)?,
        TokenKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        Arc::new(profile),
        need("issued_at", issued_at)?,
        expires_at,
        token_id("grant_id", &need("grant_id", grant)?)?,
    );
    let state = need("state", state)?;
    token.state = TokenState::parse(&state).ok_or_else(|| corrupt("state", &state))?;
    if token.state == TokenState::Used {
        token.mark_used(used_at.unwrap_or(token.issued_at));
    }
    token.properties = props.map(|p| parse("properties", &p).map(Arc::new)).transpose()?;
    token.extra = extra.map(|e| parse("extra", &e).map(Arc::new)).transpose()?;
    Ok(Some(Stored {
        token,
        ttl: ttl.unwrap_or(0),
    }))
}

impl CassandraStore {
    /// The TTL of a token's rows written at `now`: until `expires_at + purge_grace`; 0 (none) for
    /// a token that never expires.
    pub(super) fn ttl(&self, token: &TokenRecord, now: UnixTime) -> i32 {
        match token.expires_at() {
            None => 0,
            Some(at) => at
                .saturating_sub(now)
                .saturating_add(self.purge_grace)
                .clamp(1, MAX_TTL) as i32,
        }
    }

    /// Writes the tokens' rows in one unlogged batch of prepared statements.
    pub(super) async fn write_tokens(&self, tokens: &[&TokenRecord], now: UnixTime, which: Rows) -> StoreResult<()> {
        let p = &self.prepared;
        let mut batch = Batch::new(BatchType::Unlogged);
        batch.set_consistency(self.options.write_consistency);
        let mut values: Vec<Box<dyn SerializeRow + Send + Sync>> = Vec::new();
        for t in tokens {
            let (id, ttl, client) = (t.id.to_text(), self.ttl(t, now), t.client_id().to_string());
            let subject = t.subject().map(str::to_string);
            if which != Rows::Index {
                batch.append_statement(p.insert_token.clone());
                values.push(Box::new((
                    id.clone(),
                    t.kind.as_str(),
                    t.tenant().to_string(),
                    client.clone(),
                    subject.clone(),
                    json(&**t.scopes()),
                    json(&**t.authorities()),
                    t.issued_at,
                    t.expires_at(),
                    t.state.as_str(),
                    t.properties.as_deref().map(json),
                    t.grant_id.to_text(),
                    t.used_at(),
                    t.extra.as_deref().map(json),
                    ttl,
                )));
            }
            if which == Rows::Record {
                continue;
            }
            batch.append_statement(p.insert_by_client.clone());
            values.push(Box::new((
                client.clone(),
                id.clone(),
                t.kind.as_str(),
                subject.clone(),
                t.expires_at(),
                ttl,
            )));
            batch.append_statement(p.insert_by_grant.clone());
            values.push(Box::new((t.grant_id.to_text(), id.clone(), ttl)));
            if let Some(subject) = subject {
                batch.append_statement(p.insert_by_subject.clone());
                values.push(Box::new((t.tenant().to_string(), subject, client, id, ttl)));
            }
        }
        self.session.batch(&batch, values).await.map_err(db_err)?;
        Ok(())
    }

    /// Deletes the tokens' rows (a record alone leaves no tombstones in the index partitions).
    pub(super) async fn delete_tokens(&self, tokens: &[&TokenRecord], which: Rows) -> StoreResult<()> {
        for t in tokens {
            let id = t.id.to_text();
            self.run(self.write("DELETE FROM tokens WHERE id = ?"), (&id,)).await?;
            if which == Rows::Record {
                continue;
            }
            let cql = "DELETE FROM tokens_by_client WHERE client_id = ? AND id = ?";
            self.run(self.write(cql), (t.client_id(), &id)).await?;
            let cql = "DELETE FROM tokens_by_grant WHERE grant_id = ? AND id = ?";
            self.run(self.write(cql), (t.grant_id.to_text(), &id)).await?;
            if let Some(subject) = t.subject() {
                let cql = "DELETE FROM tokens_by_subject WHERE tenant = ? AND subject = ? AND client_id = ? AND id = ?";
                self.run(self.write(cql), (t.tenant(), subject, t.client_id(), &id))
                    .await?;
            }
        }
        Ok(())
    }

    /// One token with its TTL, at the read level (the introspection path's prepared statement).
    pub(super) async fn stored_token(&self, id: &TokenId) -> StoreResult<Option<Stored>> {
        let result = self
            .session
            .execute_unpaged(&self.prepared.get_token, (id.to_text(),))
            .await
            .map_err(db_err)?;
        let rows = result.into_rows_result().map_err(db_err)?;
        match rows.maybe_first_row::<TokenRow>().map_err(|e| corrupt("row", e))? {
            Some(row) => stored(row),
            None => Ok(None),
        }
    }

    /// One token as the last conditional statement on it left it (a Paxos read at `LOCAL_SERIAL`).
    pub(super) async fn serial_token(&self, id: &TokenId) -> StoreResult<Option<Stored>> {
        let mut read = self.read(format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?"));
        read.set_consistency(Consistency::LocalSerial);
        let rows: Vec<TokenRow> = self.rows(read, (id.to_text(),)).await?;
        match rows.into_iter().next() {
            Some(row) => stored(row),
            None => Ok(None),
        }
    }

    /// The stored tokens among `ids`, by id (`IN` of at most 100 ids a statement).
    pub(super) async fn tokens_by_ids(&self, ids: &[String]) -> StoreResult<HashMap<TokenId, Stored>> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(100) {
            let cql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id IN ?");
            let rows: Vec<TokenRow> = self.rows(self.read(cql), (chunk,)).await?;
            for row in rows {
                if let Some(s) = stored(row)? {
                    found.insert(s.token.id, s);
                }
            }
        }
        Ok(found)
    }

    /// Sets a token's state with the TTL its row has left (a plain write).
    pub(super) async fn set_state(&self, s: &Stored, state: TokenState) -> StoreResult<()> {
        let cql = "UPDATE tokens USING TTL ? SET state = ? WHERE id = ?";
        self.run(self.write(cql), (s.ttl, state.as_str(), s.token.id.to_text()))
            .await
    }

    /// Rewrites an active token's record (its index rows are not touched), conditionally:
    /// whether it was still active. Every column is written so that all take the new TTL (an
    /// `UPDATE`'s TTL covers only the columns it sets), and a revocation, use or exchange that
    /// landed since the token was read is not undone.
    pub(super) async fn update_active(&self, t: &TokenRecord, now: UnixTime) -> StoreResult<bool> {
        let cql = "UPDATE tokens USING TTL ? SET kind = ?, tenant = ?, client_id = ?, subject = ?, scopes = ?, \
                   authorities = ?, issued_at = ?, expires_at = ?, state = 'active', properties = ?, grant_id = ?, \
                   used_at = ?, extra = ? WHERE id = ? IF state = 'active'";
        let values = (
            self.ttl(t, now),
            t.kind.as_str(),
            t.tenant(),
            t.client_id(),
            t.subject(),
            json(&**t.scopes()),
            json(&**t.authorities()),
            t.issued_at,
            t.expires_at(),
            t.properties.as_deref().map(json),
            t.grant_id.to_text(),
            t.used_at(),
            t.extra.as_deref().map(json),
            t.id.to_text(),
        );
        self.applied(self.write(cql), values).await
    }

    /// Revokes a token that is active or used, conditionally: whether this call revoked it.
    pub(super) async fn revoke_stored(&self, s: &Stored) -> StoreResult<bool> {
        let cql = "UPDATE tokens USING TTL ? SET state = 'revoked' WHERE id = ? IF state IN ('active', 'used')";
        self.applied(self.write(cql), (s.ttl, s.token.id.to_text())).await
    }
}
