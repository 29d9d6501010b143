//! Web origins (`scheme://host[:port]`) in one canonical form, so that a client's allowed origins,
//! the origins of its redirect URIs and a browser's `Origin` header compare as plain strings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A web origin, canonical: scheme and host ASCII-lowercased, the scheme's default port left out
/// (`HTTPS://App.Example:443` is `https://app.example`), no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Origin(Box<str>);

/// Why a value is not an origin: the rule it breaks, for a message naming the field and entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be an origin: scheme://host[:port], without {0}")]
pub struct NotAnOrigin(&'static str);

/// Longest origin accepted, in bytes: a host name is at most 253, plus scheme and port.
const MAX_LEN: usize = 300;

impl Origin {
    /// An origin as written in a client's `allowed_origins` or sent in an `Origin` header:
    /// exactly `scheme://host[:port]`.
    pub fn parse(value: &str) -> Result<Self, NotAnOrigin> {
        if value.len() > MAX_LEN || value.contains('*') {
            return Err(NotAnOrigin("wildcards or more than 300 characters"));
        }
        let Some((_, authority)) = value.split_once("://") else {
            return Err(NotAnOrigin("anything else (no \"://\" found)"));
        };
        if authority.contains(['/', '?', '#']) {
            return Err(NotAnOrigin("a path, query or fragment (not even a trailing /)"));
        }
        if authority.contains('@') {
            return Err(NotAnOrigin("user information"));
        }
        let url = url::Url::parse(value).map_err(|_| NotAnOrigin("anything malformed"))?;
        Self::of_url(&url).ok_or(NotAnOrigin("a missing host"))
    }

    /// The origin of an absolute URI such as a redirect URI; `None` when it has no host
    /// (`com.example.app:/cb`) or does not parse.
    pub fn of_uri(uri: &str) -> Option<Self> {
        Self::of_url(&url::Url::parse(uri).ok()?)
    }

    fn of_url(url: &url::Url) -> Option<Self> {
        let host = url.host_str().filter(|h| !h.is_empty())?;
        // `url` lowercases the scheme always and the host of http(s) (where it also drops the
        // default port); other schemes keep the host as written.
        let mut origin = format!("{}://{}", url.scheme(), host.to_ascii_lowercase());
        if let Some(port) = url.port() {
            origin.push_str(&format!(":{port}"));
        }
        Some(Self(origin.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Origin {
    type Error = NotAnOrigin;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Origin> for String {
    fn from(o: Origin) -> Self {
        o.0.into()
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_canonical() {
        for (given, canonical) in [
            ("https://app.example", "https://app.example"),
            ("HTTPS://App.Example:443", "https://app.example"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("capacitor://LocalHost", "capacitor://localhost"),
        ] {
            assert_eq!(Origin::parse(given).unwrap().as_str(), canonical, "{given}");
        }
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for bad in [
            "",
            "null",
            "*",
            "https://*.app.example",
            "app.example",
            "https://app.example/",
            "https://app.example/cb",
            "https://app.example?x=1",
            "https://app.example#f",
            "https://user@app.example",
            "https://",
            "https://app.example:99999",
            "com.example.app:/cb",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Origin::parse(&format!("https://{}.example", "a".repeat(300))).is_err());
    }

    #[test]
    fn a_redirect_uri_has_the_origin_of_its_scheme_host_and_port() {
        let of = |uri| Origin::of_uri(uri).map(|o| o.to_string());
        assert_eq!(
            of("https://App.Example:443/cb?x=1").as_deref(),
            Some("https://app.example")
        );
        assert_eq!(of("http://localhost:8080/cb").as_deref(), Some("http://localhost:8080"));
        assert_eq!(of("com.example.app:/cb"), None);
        assert_eq!(of("not a uri"), None);
    }

    #[test]
    fn serde_parses() {
        let o: Origin = serde_json::from_str("\"HTTPS://A.example\"").unwrap();
        assert_eq!(serde_json::to_string(&o).unwrap(), "\"https://a.example\"");
        assert!(serde_json::from_str::<Origin>("\"https://a.example/x\"").is_err());
    }
}
