//! What an access token is issued as (`access_token_format`), whom it is for (`aud`), and what a
//! JWT access token keeps in the store so that `reuse` can hand the identical string back.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The form of the access tokens a tenant or client is issued (README, "JWT access tokens").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "snake_case")]
pub enum AccessTokenFormat {
    /// `tsa_…`: a MAC over the token id, meaningful only to this server.
    #[default]
    Opaque,
    /// An RFC 9068 JWT, signed with the server's current signing key.
    Jwt,
}

impl AccessTokenFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessTokenFormat::Opaque => "opaque",
            AccessTokenFormat::Jwt => "jwt",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "opaque" => Some(AccessTokenFormat::Opaque),
            "jwt" => Some(AccessTokenFormat::Jwt),
            _ => None,
        }
    }
}

/// One `aud` value: a setting (`audience`), or a request's `resource` / `audience` parameter.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Audience(String);

/// The longest audience accepted (a URI a gateway is configured with, not a document).
pub const MAX_AUDIENCE_LEN: usize = 255;

impl Audience {
    /// An audience as a setting or the `audience` parameter names it: 1 to 255 visible ASCII
    /// characters (no spaces), so it needs no escaping anywhere it is written.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let ok = (1..=MAX_AUDIENCE_LEN).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Audience(text.to_owned()))
            .ok_or("must be 1-255 visible ASCII characters, without spaces")
    }

    /// A `resource` parameter (RFC 8707 §2): an absolute URI without a fragment, and an audience.
    pub fn parse_resource(text: &str) -> Result<Self, &'static str> {
        let audience = Self::parse(text)?;
        match url::Url::parse(text) {
            Ok(uri) if uri.fragment().is_none() && !text.contains('#') => Ok(audience),
            Ok(_) => Err("must not contain a fragment"),
            Err(_) => Err("must be an absolute URI"),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Audience {
    type Error = &'static str;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Audience> for String {
    fn from(a: Audience) -> Self {
        a.0
    }
}

impl fmt::Debug for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// What an access token carries beyond its profile, stored with it (one nullable column): the
/// audiences it was issued for and, for a JWT, the `kid` of the key that signed it and, when the
/// token may be handed out again (`reuse`), the token itself sealed under the token key. Opaque
/// tokens for no particular audience (the common case) have none at all.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccessExtra {
    /// The audiences the request or the `audience` setting named; empty: none (a JWT then says
    /// the client id).
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub aud: Arc<[Audience]>,
    /// A JWT's signing key: kept published while the token lives (an admin PATCH of its expiry
    /// moves that), without opening the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<Arc<str>>,
    /// A JWT access token as issued, sealed ([`crate::token::Keyring::seal`]): `reuse` opens it to
    /// answer with the identical string, which a randomized signature (ES256) cannot recompute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<SealedJwt>,
}

impl fmt::Debug for AccessExtra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessExtra")
            .field("aud", &self.aud)
            .field("kid", &self.kid)
            .field("jwt", &self.jwt.is_some())
            .finish()
    }
}

/// A JWT encrypted for storage (AES-256-GCM, see `token::seal`): raw bytes in memory, base64url
/// in the stored JSON.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedJwt(pub Box<[u8]>);

impl Serialize for SealedJwt {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        s.serialize_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for SealedJwt {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use base64::Engine;
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.as_bytes());
        bytes
            .map(|b| SealedJwt(b.into()))
            .map_err(|_| serde::de::Error::custom("a sealed JWT is base64url"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_and_default_to_opaque() {
        for f in [AccessTokenFormat::Opaque, AccessTokenFormat::Jwt] {
            assert_eq!(AccessTokenFormat::parse(f.as_str()), Some(f));
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        assert_eq!(AccessTokenFormat::default(), AccessTokenFormat::Opaque);
        assert_eq!(AccessTokenFormat::parse("JWT"), None);
    }

    #[test]
    fn a_resource_is_an_absolute_uri_without_fragment() {
        assert!(Audience::parse_resource("https://api.example.com/orders").is_ok());
        assert!(Audience::parse_resource("urn:example:orders").is_ok());
        assert_eq!(Audience::parse_resource("api"), Err("must be an absolute URI"));
        assert_eq!(Audience::parse_resource("/orders"), Err("must be an absolute URI"));
        assert_eq!(
            Audience::parse_resource("https://api.example.com/#x"),
            Err("must not contain a fragment")
        );
        assert_eq!(
            Audience::parse_resource("https://api.example.com/#"),
            Err("must not contain a fragment")
        );
        assert!(Audience::parse_resource("https://a.example/ x").is_err());
    }

    #[test]
    fn an_audience_is_visible_ascii() {
        assert!(Audience::parse("orders-api").is_ok());
        for bad in ["", "a b", "caf\u{e9}", "a\u{0}", &"x".repeat(256)] {
            assert!(Audience::parse(bad).is_err(), "{bad:?}");
        }
        let back: Audience = serde_json::from_str("\"orders\"").unwrap();
        assert_eq!(back.as_str(), "orders");
        assert!(serde_json::from_str::<Audience>("\"a b\"").is_err());
    }

    #[test]
    fn extra_is_stored_as_compact_json_with_the_seal_in_base64url() {
        let extra = AccessExtra {
            aud: vec![Audience::parse("urn:a").unwrap()].into(),
            kid: Some("k1".into()),
            jwt: Some(SealedJwt(vec![0xfb, 0xff].into())),
        };
        let text = serde_json::to_string(&extra).unwrap();
        assert_eq!(text, r#"{"aud":["urn:a"],"kid":"k1","jwt":"-_8"}"#);
        assert!(serde_json::from_str::<AccessExtra>(&text).unwrap() == extra);
        assert_eq!(serde_json::to_string(&AccessExtra::default()).unwrap(), "{}");
        assert!(serde_json::from_str::<AccessExtra>(r#"{"jwt":"***"}"#).is_err());
    }
}
