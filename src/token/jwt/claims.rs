//! `AccessClaims`: the RFC 9068 claim set, serialized straight from borrowed data.

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use std::fmt;

/// The claims of a JWT access token, borrowed from what the issuing code already holds: the
/// scope and authority lists as `&str`s or as the `String`s a token record keeps (`S`), so that
/// issuance builds no list of its own.
#[derive(Debug, Serialize)]
pub struct AccessClaims<'a, S: AsRef<str> + Serialize = &'a str> {
    pub iss: &'a str,
    /// Absent for a never-expiring token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    pub iat: u64,
    /// The token's id (base64url `TokenId`), so introspection and the admin API find it.
    pub jti: &'a str,
    pub client_id: &'a str,
    /// The user for user tokens; the client id for application tokens.
    pub sub: &'a str,
    pub scope: Scope<'a, S>,
    pub aud: Audience<'a>,
    pub authorities: &'a [S],
}

/// Scope values, written as one space-separated string (RFC 9068 §2.2.3) without joining them
/// into a new `String` first.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a, S: AsRef<str> = &'a str>(pub &'a [S]);

impl<S: AsRef<str>> fmt::Display for Scope<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, value) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(value.as_ref())?;
        }
        Ok(())
    }
}

impl<V: AsRef<str>> Serialize for Scope<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // serde_json escapes and writes a `collect_str` piece by piece, with no allocation.
        s.collect_str(self)
    }
}

/// `aud`: a single string for one audience, an array for several (RFC 7519 §4.1.3).
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    One(&'a str),
    Many(&'a [&'a str]),
}

impl Serialize for Audience<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Audience::One(aud) => s.serialize_str(aud),
            Audience::Many([aud]) => s.serialize_str(aud),
            Audience::Many(all) => {
                let mut seq = s.serialize_seq(Some(all.len()))?;
                for aud in all.iter() {
                    seq.serialize_element(aud)?;
                }
                seq.end()
            }
        }
    }
}
