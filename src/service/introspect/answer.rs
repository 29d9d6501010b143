//! The answers of introspection (RFC 7662) and Spring's `check_token`, serialized straight from
//! the stored record.

use crate::model::{Audience, TokenKind, TokenRecord};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::sync::Arc;

/// An RFC 7662 answer; serializes to `{"active":false}` for anything not usable.
pub struct Introspection {
    pub(super) record: Option<Arc<TokenRecord>>,
    pub(super) issuer: Arc<str>,
}

impl Introspection {
    pub fn active(&self) -> bool {
        self.record.is_some()
    }
}

struct Joined<'a>(&'a [String]);

/// Written straight into the answer: no joined `String` per introspection.
impl std::fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
        }
        Ok(())
    }
}

impl Serialize for Joined<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Fields introspection defines itself; a property of the same name never overrides them.
const RESERVED: [&str; 12] = [
    "active",
    "scope",
    "client_id",
    "username",
    "sub",
    "token_type",
    "exp",
    "iat",
    "iss",
    "authorities",
    "user_type",
    "aud",
];

/// `aud` as the token's JWT says it (a string for one, an array for several): the audiences the
/// token was issued for, or the client id for a JWT issued for none. An opaque token issued for
/// no audience has none.
enum Aud<'a> {
    Named(&'a [Audience]),
    Client(&'a str),
}

impl<'a> Aud<'a> {
    fn of(t: &'a TokenRecord) -> Option<Self> {
        match t.audience() {
            [] if t.is_jwt() => Some(Aud::Client(t.client_id())),
            [] => None,
            named => Some(Aud::Named(named)),
        }
    }
}

impl Serialize for Aud<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Aud::Client(id) => s.serialize_str(id),
            Aud::Named([one]) => s.serialize_str(one.as_str()),
            Aud::Named(all) => s.collect_seq(all.iter().map(Audience::as_str)),
        }
    }
}

impl Serialize for Introspection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(t) = &self.record else {
            let mut map = s.serialize_map(Some(1))?;
            map.serialize_entry("active", &false)?;
            return map.end();
        };
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("active", &true)?;
        map.serialize_entry("scope", &Joined(t.scopes()))?;
        map.serialize_entry("client_id", t.client_id())?;
        if let Some(subject) = t.subject() {
            map.serialize_entry("username", subject)?;
        }
        map.serialize_entry("sub", t.subject().unwrap_or(t.client_id()))?;
        let token_type = if t.kind == TokenKind::Access {
            "Bearer"
        } else {
            "refresh_token"
        };
        map.serialize_entry("token_type", token_type)?;
        if let Some(exp) = t.expires_at() {
            map.serialize_entry("exp", &exp)?;
        }
        map.serialize_entry("iat", &t.issued_at)?;
        map.serialize_entry("iss", &*self.issuer)?;
        map.serialize_entry("authorities", t.authorities())?;
        map.serialize_entry("user_type", t.user_type())?;
        if let Some(aud) = Aud::of(t) {
            map.serialize_entry("aud", &aud)?;
        }
        if let Some(properties) = &t.properties {
            for (k, v) in properties.iter().filter(|(k, _)| !RESERVED.contains(&k.as_str())) {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

/// The Spring `check_token` answer [O].
pub struct CheckToken(pub(super) Arc<TokenRecord>);

impl Serialize for CheckToken {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = &self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("active", &true)?;
        if let Some(exp) = t.expires_at() {
            map.serialize_entry("exp", &exp)?;
        }
        map.serialize_entry("client_id", t.client_id())?;
        if let Some(subject) = t.subject() {
            map.serialize_entry("user_name", subject)?;
        }
        map.serialize_entry("authorities", t.authorities())?;
        map.serialize_entry("scope", t.scopes())?;
        if let Some(aud) = Aud::of(t) {
            map.serialize_entry("aud", &aud)?;
        }
        map.end()
    }
}
