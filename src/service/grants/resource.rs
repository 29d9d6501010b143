//! The audience a token request asks for: RFC 8707 `resource` (repeatable) and `audience` (as
//! several peers accept), each checked here, before the client is looked up.

use crate::model::Audience;
use crate::service::OAuthError;
use std::sync::Arc;

/// The audiences a request named, in order and without repeats; `None` when it named none.
pub type Requested = Option<Arc<[Audience]>>;

/// Reads every `resource` (an absolute URI without a fragment, RFC 8707 §2; else
/// `invalid_target`) and `audience` parameter of the request.
pub fn requested<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Requested, OAuthError> {
    let mut named: Vec<Audience> = Vec::new();
    for (name, value) in pairs {
        let audience = match name {
            "resource" => Audience::parse_resource(value),
            "audience" => Audience::parse(value),
            _ => continue,
        }
        .map_err(|why| OAuthError::InvalidTarget(format!("{name}: {why}").into()))?;
        // The form parser caps the parameters, so this stays a handful of comparisons.
        if !named.contains(&audience) {
            named.push(audience);
        }
    }
    Ok((!named.is_empty()).then(|| named.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(r: &Requested) -> Vec<&str> {
        r.as_deref().unwrap_or_default().iter().map(Audience::as_str).collect()
    }

    #[test]
    fn resources_and_audiences_are_collected_once_each() {
        let r = requested(
            [
                ("grant_type", "client_credentials"),
                ("resource", "https://a.example/api"),
                ("audience", "orders"),
                ("resource", "https://a.example/api"),
                ("resource", "urn:b"),
            ]
            .into_iter(),
        )
        .unwrap();
        assert_eq!(names(&r), ["https://a.example/api", "orders", "urn:b"]);
        assert!(requested([("scope", "x")].into_iter()).unwrap().is_none());
    }

    #[test]
    fn a_resource_that_is_not_an_absolute_uri_is_invalid_target() {
        for bad in ["orders", "https://a.example/#frag", "/relative"] {
            let e = requested([("resource", bad)].into_iter()).unwrap_err();
            assert_eq!((e.code(), e.status()), ("invalid_target", 400), "{bad}");
            assert!(e.description().starts_with("resource: "), "{bad}");
        }
        let e = requested([("audience", "a b")].into_iter()).unwrap_err();
        assert_eq!(e.code(), "invalid_target");
    }
}
