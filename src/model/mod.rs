//! The domain: tenants, clients, users and tokens, as the service and every store see them.

use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a tenant or client hands out access tokens (docs/concepts.md, "Issuance policies").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TokenPolicy {
    #[default]
    Multi,
    Reuse,
    SinglePerSubject,
}

impl TokenPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPolicy::Multi => "multi",
            TokenPolicy::Reuse => "reuse",
            TokenPolicy::SinglePerSubject => "single_per_subject",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "multi" => Some(TokenPolicy::Multi),
            "reuse" => Some(TokenPolicy::Reuse),
            "single_per_subject" => Some(TokenPolicy::SinglePerSubject),
            _ => None,
        }
    }
}

/// The longest a token may live, in seconds (ten years): the lifetimes tenants and clients set,
/// an expiry the admin API sets, and every wait derived from an expiry (`Retry-After`) stay
/// within it.
pub const MAX_LIFETIME: i64 = 10 * 365 * 86_400;

/// The longest refresh grace window, in seconds (a day): the window is for requests racing each
/// other, not a second lifetime for a used token.
pub const MAX_REFRESH_GRACE: i64 = 86_400;

/// Lifetimes and policy that a tenant sets and a client may override; `None` inherits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSettings {
    pub access_token_ttl: Option<Lifetime>,
    pub user_access_token_ttl: Option<Lifetime>,
    pub refresh_token_ttl: Option<Lifetime>,
    pub code_ttl: Option<Lifetime>,
    pub token_policy: Option<TokenPolicy>,
    pub max_active_tokens: Option<u32>,
    /// Seconds after a refresh token's first use during which presenting it again rotates
    /// again instead of counting as a replay (docs/concepts.md, "Refresh grace").
    pub refresh_token_grace: Option<i64>,
    /// Opaque (the default) or JWT access tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_format: Option<AccessTokenFormat>,
    /// The `aud` of access tokens whose request names no `resource` / `audience`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub settings: TokenSettings,
}

pub const SYSTEM_TENANT: &str = "system";

/// [`SYSTEM_TENANT`] as a typed id.
pub fn system_tenant() -> &'static TenantIdRef {
    TenantIdRef::parse(SYSTEM_TENANT).expect("\"system\" is a slug")
}

#[derive(Clone, PartialEq, Eq)]
pub struct Client {
    pub client_id: ClientId,
    pub tenant: TenantId,
    pub name: String,
    /// SHA-256 of the secret; `None` for public clients.
    pub secret_hash: Option<[u8; 32]>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub authorities: Vec<String>,
    pub public: bool,
    pub settings: TokenSettings,
    /// Web origins allowed to call the token endpoints from a browser (CORS), besides the
    /// origins of the redirect URIs.
    pub allowed_origins: Vec<Origin>,
}

impl Client {
    pub fn allows_grant(&self, grant_type: GrantType) -> bool {
        self.grant_types.contains(&grant_type)
    }

    /// Every origin a browser may call the token endpoints from for this client: its
    /// `allowed_origins` and the origins of its redirect URIs (repeats possible).
    pub fn origins(&self) -> impl Iterator<Item = Origin> + '_ {
        let of_redirects = self.redirect_uris.iter().filter_map(|uri| Origin::of_uri(uri));
        self.allowed_origins.iter().cloned().chain(of_redirects)
    }

    pub fn allows_origin(&self, origin: &Origin) -> bool {
        self.allowed_origins.contains(origin)
            || (self.redirect_uris.iter()).any(|uri| Origin::of_uri(uri).as_ref() == Some(origin))
    }

    /// The settings as every store keeps them: one JSON text.
    pub fn stored_settings(&self) -> StoredClientSettings<'_> {
        StoredClientSettings {
            tokens: &self.settings,
            allowed_origins: &self.allowed_origins,
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("client_id", &self.client_id)
            .field("tenant", &self.tenant)
            .field("grant_types", &self.grant_types)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub tenant: TenantId,
    pub username: Username,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub authorities: Vec<String>,
    pub enabled: bool,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("tenant", &self.tenant)
            .field("username", &self.username)
            .field("authorities", &self.authorities)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Access,
    Refresh,
    Code,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
            TokenKind::Code => "code",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "access" => Some(TokenKind::Access),
            "refresh" => Some(TokenKind::Refresh),
            "code" => Some(TokenKind::Code),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenState {
    Active,
    Revoked,
    /// A refresh token or code that has been exchanged once; presenting it again is a replay.
    Used,
}

impl TokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Revoked => "revoked",
            TokenState::Used => "used",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(TokenState::Active),
            "revoked" => Some(TokenState::Revoked),
            "used" => Some(TokenState::Used),
            _ => None,
        }
    }
}

mod access_token;
mod client_settings;
mod grant_type;
mod invisible;
pub mod issuance;
mod lifetime;
mod names;
mod origin;
pub mod redirect_uri;
mod token_id;
mod token_record;

pub use access_token::{AccessExtra, AccessTokenFormat, Audience, SealedJwt, MAX_AUDIENCE_LEN};
pub use client_settings::{ClientSettings, StoredClientSettings};
pub use grant_type::GrantType;
pub use invisible::is_invisible;
pub use lifetime::{Lifetime, NotALifetime};
#[cfg(test)]
pub use names::{cid, tid, uid};
pub use names::{ClientId, ClientIdRef, NotAName, TenantId, TenantIdRef, Username, UsernameRef};
pub use origin::{NotAnOrigin, Origin};
pub use token_id::TokenId;
pub use token_record::{TokenProfile, TokenRecord};

/// A user's remembered "Allow" for a client (authorization-code flow): later requests for these
/// scopes or fewer skip the consent page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub tenant: TenantId,
    pub client_id: ClientId,
    pub subject: String,
    /// Sorted and de-duplicated.
    pub scopes: Vec<String>,
    pub granted_at: UnixTime,
}

/// Normalises a scope list into the sorted, de-duplicated set tokens carry.
pub fn scope_set<I, S>(scopes: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut v: Vec<String> = scopes.into_iter().map(Into::into).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_set_sorts_and_dedups() {
        assert_eq!(scope_set(["b", "a", "b"]), vec!["a", "b"]);
    }

    #[test]
    fn a_client_allows_its_origins_and_those_of_its_redirect_uris() {
        let client = Client {
            client_id: crate::model::cid("spa").to_owned(),
            tenant: crate::model::tid("acme").to_owned(),
            name: "spa".into(),
            secret_hash: None,
            grant_types: vec![],
            scopes: vec![],
            redirect_uris: vec!["https://App.Example:443/cb".into(), "com.example.app:/cb".into()],
            authorities: vec![],
            public: true,
            settings: TokenSettings::default(),
            allowed_origins: vec![Origin::parse("http://localhost:3000").unwrap()],
        };
        for (origin, allowed) in [
            ("https://app.example", true),
            ("http://localhost:3000", true),
            ("http://app.example", false),
            ("https://app.example:8443", false),
            ("http://localhost:3001", false),
        ] {
            assert_eq!(
                client.allows_origin(&Origin::parse(origin).unwrap()),
                allowed,
                "{origin}"
            );
        }
        assert_eq!(client.origins().count(), 2);
    }

    #[test]
    fn policy_and_kind_names_round_trip() {
        for p in [TokenPolicy::Multi, TokenPolicy::Reuse, TokenPolicy::SinglePerSubject] {
            assert_eq!(TokenPolicy::parse(p.as_str()), Some(p));
        }
        for k in [TokenKind::Access, TokenKind::Refresh, TokenKind::Code] {
            assert_eq!(TokenKind::parse(k.as_str()), Some(k));
        }
    }
}
