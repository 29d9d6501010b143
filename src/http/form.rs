//! Strict `application/x-www-form-urlencoded` parsing: UTF-8 only, no repeated parameters
//! (RFC 6749 §3.2), empty values treated as absent (§3.1).

use crate::service::OAuthError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use percent_encoding::percent_decode_str;
use std::borrow::Cow;

pub type Pairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

fn decode(raw: &str) -> Result<Cow<'_, str>, OAuthError> {
    let plus_free: Cow<'_, str> = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " "))
    } else {
        Cow::Borrowed(raw)
    };
    if !plus_free.contains('%') {
        return Ok(plus_free);
    }
    let decoded = percent_decode_str(&plus_free)
        .decode_utf8()
        .map_err(|_| OAuthError::InvalidRequest("a parameter is not valid UTF-8 after percent-decoding".into()))?;
    Ok(Cow::Owned(decoded.into_owned()))
}

/// Parses `input` (a body or a query string).
pub fn parse(input: &[u8]) -> Result<Pairs<'_>, OAuthError> {
    let text =
        std::str::from_utf8(input).map_err(|_| OAuthError::InvalidRequest("the request is not valid UTF-8".into()))?;
    let mut pairs: Pairs<'_> = Vec::with_capacity(4);
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (k, v) = (decode(k)?, decode(v)?);
        if pairs.iter().any(|(seen, _)| *seen == k) {
            return Err(OAuthError::InvalidRequest(format!("parameter {k} is repeated").into()));
        }
        if !v.is_empty() {
            pairs.push((k, v));
        }
    }
    Ok(pairs)
}

/// Finds and removes a parameter.
pub fn take<'a>(pairs: &mut Pairs<'a>, name: &str) -> Option<Cow<'a, str>> {
    let at = pairs.iter().position(|(k, _)| k == name)?;
    Some(pairs.swap_remove(at).1)
}

pub fn get<'p>(pairs: &'p Pairs<'_>, name: &str) -> Option<&'p str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_ref())
}

/// The raw body of a form POST, after checking its content type and size.
pub struct FormBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for FormBody {
    type Rejection = OAuthError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(OAuthError::InvalidRequest(
                "the request body must be application/x-www-form-urlencoded".into(),
            ));
        }
        Bytes::from_request(req, state).await.map(FormBody).map_err(|e| {
            OAuthError::InvalidRequest(format!("could not read the request body: {}", e.body_text()).into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        let pairs = parse(b"a=b+c&d=%C3%A9%20x&e=").unwrap();
        assert_eq!(get(&pairs, "a"), Some("b c"));
        assert_eq!(get(&pairs, "d"), Some("é x"));
        assert_eq!(get(&pairs, "e"), None, "empty means absent");
    }

    #[test]
    fn refuses_repeats_and_bad_utf8() {
        assert!(matches!(parse(b"a=1&a=2"), Err(OAuthError::InvalidRequest(m)) if m.contains("repeated")));
        assert!(parse(b"a=%FF").is_err());
        assert!(parse(&[b'a', b'=', 0xC3]).is_err());
    }

    #[test]
    fn take_removes() {
        let mut pairs = parse(b"client_id=x&grant_type=y").unwrap();
        assert_eq!(take(&mut pairs, "client_id").as_deref(), Some("x"));
        assert_eq!(get(&pairs, "client_id"), None);
    }
}
