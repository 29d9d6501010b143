//! The issuance policies (`multi`, `reuse`, `single_per_subject`) and the active-token limit,
//! decided in one pure function: every backend gathers the inputs inside its atomic section
//! (the embedded write lock, the SQL client row lock) and applies the answer, with no rule of its own.

use super::{TokenId, TokenKind, TokenPolicy, TokenRecord};
use crate::clock::UnixTime;
use std::borrow::Borrow;

/// Which of the client's active access tokens a policy looks at, so that a backend that must
/// query for them fetches no more than that. Handing `decide` more is harmless: it filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidates {
    None,
    /// The same subject.
    SameSubject,
    /// The same subject and the same scopes: the `reuse` key.
    SameKey,
}

impl Candidates {
    pub fn of(policy: TokenPolicy) -> Self {
        match policy {
            TokenPolicy::Multi => Candidates::None,
            TokenPolicy::Reuse => Candidates::SameKey,
            TokenPolicy::SinglePerSubject => Candidates::SameSubject,
        }
    }
}

/// The client's limit and what it is measured against: its active access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    /// Active access tokens the client holds, the candidates among them.
    pub active: u64,
    /// The earliest expiry among them (`UnixTime::MAX` or `None`: none expires).
    pub earliest_expiry: Option<UnixTime>,
}

/// What the request asks for: the access token to issue (its subject and scopes are the key),
/// under which policy, and whether it is a refresh exchange (`consume`), which always mints.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub access: &'a TokenRecord,
    pub policy: TokenPolicy,
    pub exchange: bool,
    pub now: UnixTime,
}

/// What a backend does with the request.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision<'t, T> {
    /// `reuse`: hand this token back, store nothing.
    Reuse(&'t T),
    /// Revoke these tokens (the ones the new token replaces) and store the new ones.
    Issue { revoke: Vec<TokenId> },
    /// The limit is reached; the earliest active token expires at this time (`None`: never).
    Refused { earliest_expiry: Option<UnixTime> },
}

/// The one rule of issuance. `candidates`: the client's active access tokens, at least those
/// `Candidates::of(policy)` names; `limit`: `Some` when the client has one.
pub fn decide<'t, T: Borrow<TokenRecord>>(
    ask: Ask<'_>,
    candidates: impl IntoIterator<Item = &'t T>,
    limit: Option<Limit>,
) -> Decision<'t, T> {
    let access = ask.access;
    let matching = candidates.into_iter().filter(|t| {
        let t: &TokenRecord = (*t).borrow();
        let wanted = match Candidates::of(ask.policy) {
            Candidates::None => false,
            Candidates::SameSubject => true,
            // The same token must do for the request: same audiences and the same format too.
            Candidates::SameKey => {
                t.scopes() == access.scopes() && t.audience() == access.audience() && t.is_jwt() == access.is_jwt()
            }
        };
        wanted
            && t.kind == TokenKind::Access
            && t.is_active(ask.now)
            && t.client_id() == access.client_id()
            && t.subject() == access.subject()
    });
    let mut revoke = Vec::new();
    match ask.policy {
        TokenPolicy::Multi => {}
        TokenPolicy::Reuse => {
            // The earliest to expire, then the lowest id: the same token on every backend.
            let key = |t: &&'t T| {
                let t: &TokenRecord = (*t).borrow();
                (t.expiry_key(), t.id)
            };
            if let Some(existing) = matching.min_by_key(key) {
                if !ask.exchange {
                    return Decision::Reuse(existing);
                }
                // A refresh exchange always mints; it replaces the older token of the same key,
                // so that `reuse` still leaves one active token per key.
                revoke.push(existing.borrow().id);
            }
        }
        TokenPolicy::SinglePerSubject => revoke.extend(matching.map(|t| t.borrow().id)),
    }
    if let Some(limit) = limit {
        let kept = limit.active.saturating_sub(revoke.len() as u64);
        if kept >= u64::from(limit.max) {
            let earliest_expiry = limit.earliest_expiry.filter(|&exp| exp != UnixTime::MAX);
            return Decision::Refused { earliest_expiry };
        }
    }
    Decision::Issue { revoke }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TokenProfile, TokenState};
    use std::sync::Arc;

    const NOW: UnixTime = 1_000;

    fn token(n: u64, subject: Option<&str>, scopes: &[&str], expires_at: Option<UnixTime>) -> TokenRecord {
        let profile = TokenProfile {
            tenant: "acme".into(),
            client_id: "app".into(),
            subject: subject.map(Into::into),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            authorities: Arc::from([]),
        };
        let id = TokenId(u128::from(n).to_be_bytes());
        TokenRecord::new(id, TokenKind::Access, Arc::new(profile), NOW, expires_at, id)
    }

    fn ask(access: &TokenRecord, policy: TokenPolicy, exchange: bool) -> Ask<'_> {
        Ask {
            access,
            policy,
            exchange,
            now: NOW,
        }
    }

    fn limit(max: u32, active: u64, earliest_expiry: Option<UnixTime>) -> Option<Limit> {
        Some(Limit {
            max,
            active,
            earliest_expiry,
        })
    }

    fn ids<T>(decision: Decision<'_, T>) -> Vec<TokenId> {
        match decision {
            Decision::Issue { revoke } => revoke,
            _ => panic!("expected Issue"),
        }
    }

    #[test]
    fn multi_issues_and_revokes_nothing() {
        let new = token(9, Some("alice"), &["read"], Some(NOW + 60));
        let held = [token(1, Some("alice"), &["read"], Some(NOW + 60))];
        assert_eq!(
            decide(ask(&new, TokenPolicy::Multi, false), &held, None),
            Decision::Issue { revoke: vec![] }
        );
    }

    #[test]
    fn reuse_hands_back_the_earliest_to_expire_then_the_lowest_id() {
        let new = token(9, Some("alice"), &["read"], Some(NOW + 60));
        let held = [
            token(5, Some("alice"), &["read"], Some(NOW + 30)),
            token(4, Some("alice"), &["read"], Some(NOW + 20)),
            token(3, Some("alice"), &["read"], Some(NOW + 20)),
            token(2, Some("alice"), &["read"], None),
            token(1, Some("alice"), &["read", "write"], Some(NOW + 5)),
            token(0, Some("bob"), &["read"], Some(NOW + 5)),
        ];
        assert_eq!(
            decide(ask(&new, TokenPolicy::Reuse, false), &held, None),
            Decision::Reuse(&held[2])
        );
        // A token that never expires is the last choice, not the first.
        let never = [
            token(2, Some("alice"), &["read"], None),
            token(7, Some("alice"), &["read"], Some(NOW + 90)),
        ];
        assert_eq!(
            decide(ask(&new, TokenPolicy::Reuse, false), &never, None),
            Decision::Reuse(&never[1])
        );
    }

    #[test]
    fn reuse_ignores_expired_revoked_and_other_keys() {
        let new = token(9, None, &["read"], Some(NOW + 60));
        let mut revoked = token(1, None, &["read"], Some(NOW + 60));
        revoked.state = TokenState::Revoked;
        let held = [
            revoked,
            token(2, None, &["read"], Some(NOW)),
            token(3, Some("alice"), &["read"], Some(NOW + 60)),
            token(4, None, &["write"], Some(NOW + 60)),
        ];
        assert_eq!(
            decide(ask(&new, TokenPolicy::Reuse, false), &held, None),
            Decision::Issue { revoke: vec![] }
        );
    }

    #[test]
    fn a_refresh_exchange_under_reuse_replaces_the_matching_token() {
        let new = token(9, Some("alice"), &["read"], Some(NOW + 60));
        let held = [
            token(2, Some("alice"), &["read"], Some(NOW + 50)),
            token(1, Some("alice"), &["read"], Some(NOW + 40)),
        ];
        let revoke = ids(decide(
            ask(&new, TokenPolicy::Reuse, true),
            &held,
            limit(2, 2, Some(NOW + 40)),
        ));
        assert_eq!(
            revoke,
            vec![held[1].id],
            "only the earliest, and the limit does not count it"
        );
    }

    #[test]
    fn single_per_subject_revokes_every_active_token_of_the_subject() {
        let new = token(9, Some("alice"), &["read"], Some(NOW + 60));
        let held = [
            token(1, Some("alice"), &["read"], Some(NOW + 60)),
            token(2, Some("alice"), &["write"], None),
            token(3, Some("bob"), &["read"], Some(NOW + 60)),
            token(4, Some("alice"), &["read"], Some(NOW - 1)),
        ];
        let revoke = ids(decide(ask(&new, TokenPolicy::SinglePerSubject, false), &held, None));
        assert_eq!(revoke, vec![held[0].id, held[1].id]);
    }

    #[test]
    fn the_limit_refuses_at_max_and_does_not_count_replaced_tokens() {
        let new = token(9, Some("alice"), &["read"], Some(NOW + 60));
        let none: [TokenRecord; 0] = [];
        let refused = Decision::Refused {
            earliest_expiry: Some(NOW + 5),
        };
        assert_eq!(
            decide(ask(&new, TokenPolicy::Multi, false), &none, limit(2, 2, Some(NOW + 5))),
            refused
        );
        assert_eq!(
            decide(ask(&new, TokenPolicy::Multi, false), &none, limit(2, 1, Some(NOW + 5))),
            Decision::Issue { revoke: vec![] }
        );
        let held = [token(1, Some("alice"), &["read"], Some(NOW + 5))];
        let revoke = ids(decide(
            ask(&new, TokenPolicy::SinglePerSubject, false),
            &held,
            limit(2, 2, Some(NOW + 5)),
        ));
        assert_eq!(revoke, vec![held[0].id]);
    }

    #[test]
    fn a_limit_of_tokens_that_never_expire_names_no_expiry() {
        let new = token(9, None, &["read"], None);
        let none: [TokenRecord; 0] = [];
        let decision = decide(
            ask(&new, TokenPolicy::Multi, false),
            &none,
            limit(1, 1, Some(UnixTime::MAX)),
        );
        assert_eq!(decision, Decision::Refused { earliest_expiry: None });
        let decision = decide(ask(&new, TokenPolicy::Multi, false), &none, limit(1, 1, None));
        assert_eq!(decision, Decision::Refused { earliest_expiry: None });
    }

    #[test]
    fn reuse_wins_over_the_limit() {
        let new = token(9, None, &["read"], Some(NOW + 60));
        let held = [token(1, None, &["read"], Some(NOW + 60))];
        let decision = decide(ask(&new, TokenPolicy::Reuse, false), &held, limit(1, 1, Some(NOW + 60)));
        assert_eq!(decision, Decision::Reuse(&held[0]));
    }
}
