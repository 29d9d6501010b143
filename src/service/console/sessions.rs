//! The console's server-side sessions, keyed by a random id the browser holds in an `HttpOnly`
//! cookie. They live in this node's memory: a restart signs everyone out.

use crate::model::TenantId;
use crate::secret::Secret;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Sessions kept at most; past it the oldest pending sign-ins make room first.
const MAX_SESSIONS: usize = 10_000;
/// A sign-in that has not come back by then is dropped.
const PENDING_SECONDS: i64 = 600;

pub(super) enum State {
    Pending {
        tenant: TenantId,
        verifier: Secret<String>,
        state: String,
    },
    SignedIn {
        tenant: TenantId,
        token: Secret<String>,
        /// `None`: the token never expires.
        expires_at: Option<i64>,
    },
}

struct Entry {
    state: State,
    created: i64,
    flash: Option<String>,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Entry>>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn insert(&self, id: &str, state: State, now: i64) {
        let mut map = self.lock();
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, e| match e.state {
                State::Pending { .. } => now - e.created < PENDING_SECONDS,
                State::SignedIn { expires_at, .. } => expires_at.is_none_or(|at| at > now),
            });
        }
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, e| matches!(e.state, State::SignedIn { .. }));
        }
        let entry = Entry {
            state,
            created: now,
            flash: None,
        };
        map.insert(id.to_string(), entry);
    }

    pub(super) fn take(&self, id: &str) -> Option<State> {
        self.lock().remove(id).map(|e| e.state)
    }

    /// The session's token while it is signed in and unexpired; an expired one is dropped.
    pub(super) fn token(&self, id: &str, now: i64) -> Option<Secret<String>> {
        let mut map = self.lock();
        match map.get(id).map(|e| &e.state) {
            Some(State::SignedIn { token, expires_at, .. }) if expires_at.is_none_or(|at| at > now) => {
                Some(Secret::new(token.expose().clone()))
            }
            Some(State::SignedIn { .. }) => {
                map.remove(id);
                None
            }
            Some(State::Pending { .. }) | None => None,
        }
    }

    pub(super) fn flash(&self, id: &str, message: String) {
        if let Some(entry) = self.lock().get_mut(id) {
            entry.flash = Some(message);
        }
    }

    pub(super) fn take_flash(&self, id: &str) -> Option<String> {
        self.lock().get_mut(id).and_then(|e| e.flash.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_in(expires_at: Option<i64>) -> State {
        State::SignedIn {
            tenant: TenantId::parse("acme".into()).unwrap(),
            token: Secret::new("tsa_x".into()),
            expires_at,
        }
    }

    #[test]
    fn a_session_ends_when_its_token_expires() {
        let s = Sessions::default();
        s.insert("a", signed_in(Some(100)), 0);
        assert!(s.token("a", 99).is_some());
        assert!(s.token("a", 100).is_none());
        assert!(s.token("a", 0).is_none(), "forgotten once expired");
        s.insert("b", signed_in(None), 0);
        assert!(s.token("b", i64::MAX).is_some());
    }

    #[test]
    fn a_pending_sign_in_has_no_token_and_flashes_are_read_once() {
        let s = Sessions::default();
        let pending = State::Pending {
            tenant: TenantId::parse("acme".into()).unwrap(),
            verifier: Secret::new("v".into()),
            state: "s".into(),
        };
        s.insert("p", pending, 0);
        assert!(s.token("p", 0).is_none());
        s.flash("p", "done".into());
        assert_eq!(s.take_flash("p").as_deref(), Some("done"));
        assert_eq!(s.take_flash("p"), None);
    }
}
