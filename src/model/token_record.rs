//! What the store keeps about a token, laid out small: the embedded store holds every active
//! token in memory, ten million of them on a large server.

use super::{AccessExtra, Audience, TokenId, TokenKind, TokenState};
use crate::clock::UnixTime;
use std::sync::Arc;

/// The parts of a token that many tokens repeat: whose it is and what it grants. A token holds
/// one pointer to its profile, and the embedded store keeps one profile per distinct value, so
/// a million tokens of one client share a single copy of these five fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenProfile {
    pub tenant: Arc<str>,
    pub client_id: Arc<str>,
    /// The user the token acts for; `None` for application (client-credentials) tokens.
    pub subject: Option<Arc<str>>,
    /// Sorted and de-duplicated.
    pub scopes: Arc<[String]>,
    pub authorities: Arc<[String]>,
}

/// A token as stored. The token value itself is never stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub id: TokenId,
    /// Every token of one authorization (a refresh lineage) shares this id.
    pub grant_id: TokenId,
    profile: Arc<TokenProfile>,
    pub issued_at: UnixTime,
    /// `NEVER` for a token without expiry: an `Option` would cost another 8 bytes a token.
    expires: UnixTime,
    pub properties: Option<Arc<serde_json::Map<String, serde_json::Value>>>,
    /// An access token's audiences and, for a JWT, its `kid` (and under `reuse` the sealed
    /// token); `None` for most tokens.
    pub extra: Option<Arc<AccessExtra>>,
    pub kind: TokenKind,
    pub state: TokenState,
    /// Seconds from issuance to the first exchange of a `Used` token (see `used_at`): four bytes
    /// that fit in the padding, where a timestamp would grow every record by eight.
    used_after: u32,
}

/// The expiry of a token that never expires. A token given exactly this expiry reads back as
/// one that never expires, which is what it means.
const NEVER: UnixTime = UnixTime::MAX;

impl TokenRecord {
    /// An active token without properties.
    pub fn new(
        id: TokenId,
        kind: TokenKind,
        profile: Arc<TokenProfile>,
        issued_at: UnixTime,
        expires_at: Option<UnixTime>,
        grant_id: TokenId,
    ) -> Self {
        TokenRecord {
            id,
            grant_id,
            profile,
            issued_at,
            expires: expires_at.unwrap_or(NEVER),
            properties: None,
            extra: None,
            kind,
            state: TokenState::Active,
            used_after: 0,
        }
    }

    pub fn profile(&self) -> &Arc<TokenProfile> {
        &self.profile
    }
    pub fn tenant(&self) -> &str {
        &self.profile.tenant
    }
    pub fn client_id(&self) -> &str {
        &self.profile.client_id
    }
    pub fn subject(&self) -> Option<&str> {
        self.profile.subject.as_deref()
    }
    pub fn scopes(&self) -> &Arc<[String]> {
        &self.profile.scopes
    }
    pub fn authorities(&self) -> &Arc<[String]> {
        &self.profile.authorities
    }
    /// The audiences the token was issued for (empty: none named).
    pub fn audience(&self) -> &[Audience] {
        self.extra.as_deref().map_or(&[], |e| &e.aud)
    }
    /// Whether the token was issued as a JWT.
    pub fn is_jwt(&self) -> bool {
        self.extra.as_ref().is_some_and(|e| e.kid.is_some())
    }
    /// `None` never expires.
    pub fn expires_at(&self) -> Option<UnixTime> {
        (self.expires != NEVER).then_some(self.expires)
    }
    /// The expiry as an ordering key: `UnixTime::MAX` for a token that never expires.
    pub fn expiry_key(&self) -> UnixTime {
        self.expires
    }

    pub fn set_profile(&mut self, profile: Arc<TokenProfile>) {
        self.profile = profile;
    }
    /// Gives the token its own profile with these scopes (the embedded store shares it again).
    pub fn set_scopes(&mut self, scopes: Arc<[String]>) {
        Arc::make_mut(&mut self.profile).scopes = scopes;
    }
    pub fn set_expires_at(&mut self, expires_at: Option<UnixTime>) {
        self.expires = expires_at.unwrap_or(NEVER);
    }

    /// When a `Used` refresh token or code was first exchanged; `None` in any other state. A
    /// token marked used without a time (stored before the time was kept) reads as used when
    /// it was issued.
    pub fn used_at(&self) -> Option<UnixTime> {
        (self.state == TokenState::Used).then(|| self.issued_at.saturating_add(i64::from(self.used_after)))
    }

    /// Marks the token exchanged at `at`: a time before issuance (another node's clock) counts
    /// as the moment of issuance.
    pub fn mark_used(&mut self, at: UnixTime) {
        self.state = TokenState::Used;
        self.used_after = u32::try_from(at.saturating_sub(self.issued_at).max(0)).unwrap_or(u32::MAX);
    }

    pub fn is_active(&self, now: UnixTime) -> bool {
        self.state == TokenState::Active && self.expires > now
    }

    pub fn user_type(&self) -> &'static str {
        if self.profile.subject.is_some() {
            "user"
        } else {
            "application"
        }
    }

    /// The scope string as it appears in OAuth responses.
    pub fn scope_string(&self) -> String {
        self.profile.scopes.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Arc<TokenProfile> {
        Arc::new(TokenProfile {
            tenant: "t".into(),
            client_id: "c".into(),
            subject: None,
            scopes: vec!["b".to_string(), "a".to_string()].into(),
            authorities: vec![].into(),
        })
    }

    #[test]
    fn a_record_stays_small() {
        // 80 bytes (plus the Arc's two counts) keep an `Arc<TokenRecord>` in a 96-byte
        // allocation; the old layout took 176. `extra` took the last 8 bytes of that size class.
        assert!(std::mem::size_of::<TokenRecord>() <= 80);
    }

    #[test]
    fn expiry_none_round_trips_and_never_expires() {
        let id = TokenId::generate();
        let mut t = TokenRecord::new(id, TokenKind::Access, profile(), 10, None, id);
        assert_eq!(t.expires_at(), None);
        assert!(t.is_active(UnixTime::MAX - 1));
        t.set_expires_at(Some(20));
        assert_eq!(t.expires_at(), Some(20));
        assert!(t.is_active(19) && !t.is_active(20));
        t.state = TokenState::Revoked;
        assert!(!t.is_active(0));
    }

    #[test]
    fn used_at_is_kept_only_for_used_tokens() {
        let id = TokenId::generate();
        let mut t = TokenRecord::new(id, TokenKind::Refresh, profile(), 100, None, id);
        assert_eq!(t.used_at(), None);
        t.mark_used(130);
        assert_eq!((t.state, t.used_at()), (TokenState::Used, Some(130)));
        t.mark_used(90);
        assert_eq!(t.used_at(), Some(100), "a time before issuance reads as issuance");
        t.state = TokenState::Revoked;
        assert_eq!(t.used_at(), None);
    }

    #[test]
    fn set_scopes_leaves_the_shared_profile_alone() {
        let id = TokenId::generate();
        let shared = profile();
        let mut t = TokenRecord::new(id, TokenKind::Access, shared.clone(), 10, None, id);
        t.set_scopes(vec!["x".to_string()].into());
        assert_eq!(&**t.scopes(), ["x"]);
        assert_eq!(shared.scopes.len(), 2);
        assert_eq!(t.client_id(), "c");
        assert_eq!(t.user_type(), "application");
    }
}
