//! Remembered consents in the state engine, keyed by (client, subject).

use super::{Change, State};
use crate::model::{scope_set, Consent, TokenRecord};
use crate::store::StoreError;
use std::sync::Arc;

impl State {
    pub fn consent(&self, client_id: &str, subject: &str) -> Option<Consent> {
        self.consents
            .get(&(client_id.to_string(), subject.to_string()))
            .cloned()
    }

    pub fn grant_consent(&mut self, mut consent: Consent) -> Result<(Consent, Vec<Change>), StoreError> {
        if !self.clients.contains_key(consent.client_id.as_str()) {
            return Err(StoreError::Missing("client"));
        }
        if !self.user(&consent.tenant, &consent.subject).is_some_and(|u| u.enabled) {
            return Err(StoreError::Missing("user"));
        }
        let key = (consent.client_id.to_string(), consent.subject.clone());
        if let Some(before) = self.consents.get(&key) {
            consent.scopes = scope_set(before.scopes.iter().chain(&consent.scopes).cloned());
        }
        self.consents.insert(key, consent.clone());
        Ok((consent.clone(), vec![Change::PutConsent(consent)]))
    }

    pub fn delete_consent(&mut self, client_id: &str, subject: &str) -> (bool, Vec<Change>) {
        match self.consents.remove(&(client_id.to_string(), subject.to_string())) {
            Some(_) => (
                true,
                vec![Change::DeleteConsent {
                    client_id: client_id.to_string(),
                    subject: subject.to_string(),
                }],
            ),
            None => (false, vec![]),
        }
    }

    pub fn consents_of(&self, tenant: &str, subject: &str) -> Vec<Consent> {
        let mut found: Vec<Consent> = self
            .consents
            .values()
            .filter(|c| c.tenant == tenant && c.subject == subject)
            .cloned()
            .collect();
        found.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        found
    }

    /// Memory-side cascade; the journal deletes the same rows when it applies the delete.
    pub(super) fn forget_consents(&mut self, keep: impl Fn(&Consent) -> bool) {
        self.consents.retain(|_, c| keep(c));
    }

    /// A code only for a client that exists and a user that is enabled, checked under the lock.
    pub fn insert_code(&mut self, code: TokenRecord) -> (bool, Vec<Change>) {
        let user_ok = code
            .subject()
            .is_some_and(|s| self.user(code.tenant(), s).is_some_and(|u| u.enabled));
        if !self.clients.contains_key(code.client_id()) || !user_ok {
            return (false, vec![]);
        }
        let mut code = code;
        self.interner.intern_record(&mut code);
        let code = Arc::new(code);
        self.insert_token(code.clone());
        (true, vec![Change::PutToken(code)])
    }

    pub fn load_consent(&mut self, consent: Consent) {
        self.consents
            .insert((consent.client_id.to_string(), consent.subject.clone()), consent);
    }
}
