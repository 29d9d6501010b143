//! What deleting or disabling a client, a user or a tenant takes with it, each through the
//! partition that lists it (a client's tokens and consents, a subject's tokens and consents).

use super::schema::CassandraStore;
use super::token_rows::Rows;
use crate::clock::UnixTime;
use crate::model::TokenState;
use crate::store::StoreResult;

impl CassandraStore {
    /// Revokes the usable tokens among `ids` (plain writes); how many.
    pub(super) async fn revoke_usable(&self, ids: &[String], now: UnixTime) -> StoreResult<u64> {
        let mut revoked = 0;
        for s in self.tokens_by_ids(ids).await?.values() {
            if s.token.is_active(now) {
                self.set_state(s, TokenState::Revoked).await?;
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    /// The ids of a subject's tokens, of one client or of every client.
    pub(super) async fn subject_token_ids(
        &self,
        tenant: &str,
        subject: &str,
        client_id: Option<&str>,
    ) -> StoreResult<Vec<(String, String)>> {
        match client_id {
            None => {
                let cql = "SELECT client_id, id FROM tokens_by_subject WHERE tenant = ? AND subject = ?";
                self.rows(self.read(cql), (tenant, subject)).await
            }
            Some(c) => {
                let cql =
                    "SELECT client_id, id FROM tokens_by_subject WHERE tenant = ? AND subject = ? AND client_id = ?";
                self.rows(self.read(cql), (tenant, subject, c)).await
            }
        }
    }

    /// Revokes every usable token of a user (disabled or deleted).
    pub(super) async fn revoke_subject_tokens(&self, tenant: &str, subject: &str, now: UnixTime) -> StoreResult<u64> {
        let ids: Vec<String> = self
            .subject_token_ids(tenant, subject, None)
            .await?
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        self.revoke_usable(&ids, now).await
    }

    pub(super) async fn forget_consents_of_subject(&self, tenant: &str, subject: &str) -> StoreResult<()> {
        let cql = "SELECT client_id FROM consents_by_subject WHERE tenant = ? AND subject = ?";
        let clients: Vec<(String,)> = self.rows(self.read(cql), (tenant, subject)).await?;
        for (client_id,) in clients {
            self.drop_consent(&client_id, subject, tenant).await?;
        }
        Ok(())
    }

    pub(super) async fn forget_consents_of_client(&self, client_id: &str) -> StoreResult<()> {
        let cql = "SELECT subject FROM consents_by_client WHERE client_id = ?";
        let subjects: Vec<(String,)> = self.rows(self.read(cql), (client_id,)).await?;
        let cql = "SELECT tenant FROM consents WHERE client_id = ? AND subject = ?";
        for (subject,) in subjects {
            let tenant: Vec<(Option<String>,)> = self.rows(self.read(cql), (client_id, &subject)).await?;
            if let Some((Some(tenant),)) = tenant.into_iter().next() {
                self.drop_consent(client_id, &subject, &tenant).await?;
            }
        }
        self.run(
            self.write("DELETE FROM consents_by_client WHERE client_id = ?"),
            (client_id,),
        )
        .await
    }

    /// A consent and its index rows; whether the consent was there.
    pub(super) async fn drop_consent(&self, client_id: &str, subject: &str, tenant: &str) -> StoreResult<bool> {
        let cql = "DELETE FROM consents WHERE client_id = ? AND subject = ? IF EXISTS";
        let gone = self.applied(self.write(cql), (client_id, subject)).await?;
        let cql = "DELETE FROM consents_by_subject WHERE tenant = ? AND subject = ? AND client_id = ?";
        self.run(self.write(cql), (tenant, subject, client_id)).await?;
        let cql = "DELETE FROM consents_by_client WHERE client_id = ? AND subject = ?";
        self.run(self.write(cql), (client_id, subject)).await?;
        Ok(gone)
    }

    /// Deletes every row of a client's tokens and consents (its tenant is being deleted).
    pub(super) async fn forget_client(&self, client_id: &str) -> StoreResult<()> {
        let cql = "SELECT id FROM tokens_by_client WHERE client_id = ?";
        let ids: Vec<(String,)> = self.rows(self.read(cql), (client_id,)).await?;
        let ids: Vec<String> = ids.into_iter().map(|(id,)| id).collect();
        let found = self.tokens_by_ids(&ids).await?;
        let tokens: Vec<_> = found.values().map(|s| &s.token).collect();
        self.delete_tokens(&tokens, Rows::All).await?;
        self.forget_consents_of_client(client_id).await?;
        for cql in [
            "DELETE FROM tokens_by_client WHERE client_id = ?",
            "DELETE FROM client_issuance WHERE client_id = ?",
        ] {
            self.run(self.write(cql), (client_id,)).await?;
        }
        Ok(())
    }

    /// Deletes a user's remaining index rows and consents (its tenant is being deleted; its
    /// tokens went with the tenant's clients).
    pub(super) async fn forget_user(&self, tenant: &str, username: &str) -> StoreResult<()> {
        self.forget_consents_of_subject(tenant, username).await?;
        let cql = "DELETE FROM tokens_by_subject WHERE tenant = ? AND subject = ?";
        self.run(self.write(cql), (tenant, username)).await
    }
}
