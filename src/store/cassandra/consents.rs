//! Remembered consents: one row per (client, subject), indexed by subject (`consents_of`) and by
//! client (deleting the client). An Allow merges its scopes into the row under a condition on
//! the scopes read, so concurrent Allows add up on every node.

use super::cql::{id, json, parse};
use super::schema::CassandraStore;
use crate::model::{scope_set, ClientIdRef, Consent, TenantIdRef};
use crate::store::{ConsentStore, StoreError, StoreResult};
use async_trait::async_trait;
use scylla::statement::Consistency;

/// (tenant, scopes, granted_at)
type ConsentRow = (Option<String>, Option<String>, Option<i64>);

/// Rounds an Allow tries against concurrent Allows of the same pair.
const TRIES: usize = 50;

fn consent(client_id: &str, subject: &str, row: ConsentRow) -> StoreResult<Option<Consent>> {
    let (Some(tenant), Some(scopes), Some(granted_at)) = row else {
        return Ok(None);
    };
    Ok(Some(Consent {
        client_id: id("client_id", client_id.to_string())?,
        subject: subject.to_string(),
        tenant: id("tenant", tenant)?,
        scopes: parse("scopes", &scopes)?,
        granted_at,
    }))
}

impl CassandraStore {
    async fn consent_row(&self, client_id: &str, subject: &str, serial: bool) -> StoreResult<Option<Consent>> {
        let mut read = self.read("SELECT tenant, scopes, granted_at FROM consents WHERE client_id = ? AND subject = ?");
        if serial {
            read.set_consistency(Consistency::LocalSerial);
        }
        let rows: Vec<ConsentRow> = self.rows(read, (client_id, subject)).await?;
        match rows.into_iter().next() {
            Some(row) => consent(client_id, subject, row),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl ConsentStore for CassandraStore {
    async fn get_consent(&self, client_id: &ClientIdRef, subject: &str) -> StoreResult<Option<Consent>> {
        self.consent_row(client_id.as_str(), subject, false).await
    }

    async fn grant_consent(&self, mut consent: Consent) -> StoreResult<Consent> {
        let (client_id, tenant) = (consent.client_id.to_string(), consent.tenant.to_string());
        if self.client_row(&client_id).await?.is_none() {
            return Err(StoreError::Missing("client"));
        }
        if !self.user_enabled(&tenant, &consent.subject).await? {
            return Err(StoreError::Missing("user"));
        }
        let asked = consent.scopes.clone();
        let mut applied = false;
        for _ in 0..TRIES {
            let before = self.consent_row(&client_id, &consent.subject, true).await?;
            applied = match before {
                None => {
                    consent.scopes = asked.clone();
                    let cql = "INSERT INTO consents (client_id, subject, tenant, scopes, granted_at) \
                               VALUES (?, ?, ?, ?, ?) IF NOT EXISTS";
                    let values = (
                        &client_id,
                        &consent.subject,
                        &tenant,
                        json(&consent.scopes),
                        consent.granted_at,
                    );
                    self.applied(self.write(cql), values).await?
                }
                Some(before) => {
                    let old = json(&before.scopes);
                    consent.scopes = scope_set(before.scopes.into_iter().chain(asked.iter().cloned()));
                    let cql = "UPDATE consents SET scopes = ?, granted_at = ?, tenant = ? \
                               WHERE client_id = ? AND subject = ? IF scopes = ?";
                    let values = (
                        json(&consent.scopes),
                        consent.granted_at,
                        &tenant,
                        &client_id,
                        &consent.subject,
                        old,
                    );
                    self.applied(self.write(cql), values).await?
                }
            };
            if applied {
                break;
            }
        }
        if !applied {
            return Err(StoreError::Unavailable("cassandra: the consent kept changing".into()));
        }
        let cql = "INSERT INTO consents_by_subject (tenant, subject, client_id) VALUES (?, ?, ?)";
        self.run(self.write(cql), (&tenant, &consent.subject, &client_id))
            .await?;
        let cql = "INSERT INTO consents_by_client (client_id, subject) VALUES (?, ?)";
        self.run(self.write(cql), (&client_id, &consent.subject)).await?;
        Ok(consent)
    }

    async fn delete_consent(&self, client_id: &ClientIdRef, subject: &str) -> StoreResult<bool> {
        let Some(found) = self.consent_row(client_id.as_str(), subject, false).await? else {
            return Ok(false);
        };
        self.drop_consent(client_id.as_str(), subject, found.tenant.as_str())
            .await
    }

    async fn consents_of(&self, tenant: &TenantIdRef, subject: &str) -> StoreResult<Vec<Consent>> {
        let cql = "SELECT client_id FROM consents_by_subject WHERE tenant = ? AND subject = ?";
        let clients: Vec<(String,)> = self.rows(self.read(cql), (tenant.as_str(), subject)).await?;
        let mut found = Vec::with_capacity(clients.len());
        for (client_id,) in clients {
            if let Some(c) = self.consent_row(&client_id, subject, false).await? {
                found.push(c);
            }
        }
        Ok(found)
    }
}
