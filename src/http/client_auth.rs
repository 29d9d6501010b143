//! Reading client credentials from the `Authorization` header or the form (RFC 6749 §2.3.1).

use super::form::{take, Pairs};
use crate::model::ClientId;
use crate::secret::Secret;
use crate::service::client_auth::ClientCredentials;
use crate::service::OAuthError;
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::percent_decode_str;

fn parse_basic(encoded: &str) -> Result<(String, String), OAuthError> {
    let raw = STANDARD.decode(encoded.trim()).map_err(|_| OAuthError::InvalidClient)?;
    let mut id = String::from_utf8(raw).map_err(|_| OAuthError::InvalidClient)?;
    let colon = id.find(':').ok_or(OAuthError::InvalidClient)?;
    let secret = id.split_off(colon + 1);
    id.truncate(colon);
    // §2.3.1: both parts are form-encoded before Base64.
    Ok((form_unescape(id)?, form_unescape(secret)?))
}

/// `application/x-www-form-urlencoded` decoding of one value; most need none and are kept as is.
fn form_unescape(value: String) -> Result<String, OAuthError> {
    if !value.bytes().any(|b| b == b'+' || b == b'%') {
        return Ok(value);
    }
    percent_decode_str(&value.replace('+', " "))
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| OAuthError::InvalidClient)
}

/// A presented client id; one no client can have (a NUL byte, a space, …) fails authentication
/// here, so no store ever looks it up.
fn client_id(id: String) -> Result<ClientId, OAuthError> {
    ClientId::parse(id).map_err(|_| OAuthError::InvalidClient)
}

/// Takes the credentials out of the header and the form; using two methods at once is refused.
pub fn credentials(headers: &HeaderMap, form: &mut Pairs<'_>) -> Result<ClientCredentials, OAuthError> {
    let form_id = take(form, "client_id");
    let form_secret = take(form, "client_secret");
    let Some(header) = headers.get(AUTHORIZATION) else {
        return Ok(match (form_id, form_secret) {
            (Some(id), Some(secret)) => ClientCredentials::Post {
                client_id: client_id(id.into_owned())?,
                secret: Secret::new(secret.into_owned()),
            },
            (Some(id), None) => ClientCredentials::IdOnly {
                client_id: client_id(id.into_owned())?,
            },
            (None, Some(_)) => {
                return Err(OAuthError::InvalidRequest(
                    "client_secret was sent without client_id".into(),
                ))
            }
            (None, None) => ClientCredentials::None,
        });
    };
    // Credentials that are not readable Basic ones (another scheme such as Bearer, bytes that are
    // not ASCII) are a failed client authentication (RFC 6749 §5.2): 401 and a Basic challenge.
    let header = header.to_str().map_err(|_| OAuthError::InvalidClient)?;
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::InvalidClient);
    }
    let (client_id, secret) = parse_basic(rest)?;
    if form_secret.is_some() {
        return Err(OAuthError::InvalidRequest(
            "use one client authentication method: Basic or client_secret, not both".into(),
        ));
    }
    if form_id.is_some_and(|id| id != client_id) {
        return Err(OAuthError::InvalidRequest(
            "client_id in the form differs from the Basic credentials".into(),
        ));
    }
    Ok(ClientCredentials::Basic {
        client_id: self::client_id(client_id)?,
        secret: Secret::new(secret),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn basic_is_decoded_and_unescaped() {
        for (encoded, id, plain) in [
            ("my%2Eapp:p%3Ass", "my.app", "p:ss"),
            ("my%7Eapp:a+b%2Bc", "my~app", "a b+c"),
            ("app:s3cr:et", "app", "s3cr:et"),
            ("app:", "app", ""),
        ] {
            let value = format!("Basic {}", STANDARD.encode(encoded));
            match credentials(&headers(&value), &mut vec![]).unwrap() {
                ClientCredentials::Basic { client_id, secret } => {
                    assert_eq!(client_id.as_str(), id, "{encoded}");
                    assert_eq!(secret.expose(), plain, "{encoded}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn malformed_headers_are_4xx() {
        for bad in ["Basic !!!", "Basic", &format!("Basic {}", STANDARD.encode("no-colon"))] {
            assert!(
                matches!(credentials(&headers(bad), &mut vec![]), Err(OAuthError::InvalidClient)),
                "{bad}"
            );
        }
        for other_scheme in ["Bearer x", "Digest username=app", "x"] {
            assert!(
                matches!(
                    credentials(&headers(other_scheme), &mut vec![]),
                    Err(OAuthError::InvalidClient)
                ),
                "{other_scheme}"
            );
        }
    }

    #[test]
    fn an_id_no_client_can_have_fails_authentication() {
        for id in ["bil%00ling", "billing%20", "my+app", "bil%E2%80%8Bling", "%00"] {
            let value = format!("Basic {}", STANDARD.encode(format!("{id}:secret")));
            assert!(
                matches!(
                    credentials(&headers(&value), &mut vec![]),
                    Err(OAuthError::InvalidClient)
                ),
                "{id}"
            );
            let decoded = percent_encoding::percent_decode_str(id).decode_utf8().unwrap();
            let mut form = vec![
                ("client_id".into(), decoded.clone()),
                ("client_secret".into(), "s".into()),
            ];
            assert!(
                matches!(
                    credentials(&HeaderMap::new(), &mut form),
                    Err(OAuthError::InvalidClient)
                ),
                "{id}"
            );
            let mut form = vec![("client_id".into(), decoded)];
            assert!(
                matches!(
                    credentials(&HeaderMap::new(), &mut form),
                    Err(OAuthError::InvalidClient)
                ),
                "{id}"
            );
        }
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let value = format!("Basic {}", STANDARD.encode("a:b"));
        let mut form = vec![("client_secret".into(), "b".into())];
        assert!(matches!(
            credentials(&headers(&value), &mut form),
            Err(OAuthError::InvalidRequest(_))
        ));
    }

    #[test]
    fn form_credentials() {
        let mut form = vec![("client_id".into(), "a".into()), ("client_secret".into(), "b".into())];
        assert!(matches!(
            credentials(&HeaderMap::new(), &mut form),
            Ok(ClientCredentials::Post { .. })
        ));
        assert!(form.is_empty());
        let mut form = vec![("client_id".into(), "a".into())];
        assert!(matches!(
            credentials(&HeaderMap::new(), &mut form),
            Ok(ClientCredentials::IdOnly { .. })
        ));
    }
}
