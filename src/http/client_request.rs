//! The OAuth endpoints' one extractor, as `Caller` / `AdminJson` are the admin API's: a client's
//! request (headers, query, form body) taken whole under the endpoint's rule on bodies, from
//! which [`ClientRequest::read`] takes the client credentials and the parameters in one step.
//!
//! The parameters borrow from the body this extractor owns, so reading them allocates nothing
//! beyond the list of pairs (and a copy of a value only when percent-decoding changes it); the
//! headers and the URI are moved out of the request, not copied.

use super::client_auth::credentials;
use super::cors::Cors;
use super::form::{self, Pairs};
use crate::model::Client;
use crate::service::client_auth::ClientCredentials;
use crate::service::OAuthError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Uri};
use std::marker::PhantomData;

const NOT_A_FORM: &str = "the request body must be application/x-www-form-urlencoded";

/// Where an endpoint takes its parameters from, and which bodies it accepts.
pub trait Inputs: Send + Sync + 'static {
    /// Whether the query string's parameters count.
    const QUERY: bool;
    /// Whether the body is read at all.
    const BODY: bool;
    /// Checked before the body is read.
    fn before(_: &HeaderMap) -> Result<(), OAuthError> {
        Ok(())
    }
    /// Checked after: whether the body read is the parameters' form.
    fn after(_: &HeaderMap, _: &Bytes) -> Result<bool, OAuthError> {
        Ok(true)
    }
}

/// A form body is required (`Content-Type: application/x-www-form-urlencoded`, parameters
/// allowed); the query is not read (token, introspection).
pub enum FormOnly {}
/// The query alone (check_token by GET).
pub enum QueryOnly {}
/// The query and, when there is a `Content-Type`, a form body; no `Content-Type` and an empty
/// body is no form at all (`curl -X POST 'https://…?token=…'` sends exactly that).
pub enum QueryAndForm {}
/// Revocation (RFC 7009): the query and a form body, which may be empty under any type.
pub enum Revocation {}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

fn require_form(headers: &HeaderMap) -> Result<(), OAuthError> {
    if !is_form(headers) {
        return Err(OAuthError::InvalidRequest(NOT_A_FORM.into()));
    }
    Ok(())
}

impl Inputs for FormOnly {
    const QUERY: bool = false;
    const BODY: bool = true;
    fn before(headers: &HeaderMap) -> Result<(), OAuthError> {
        require_form(headers)
    }
}

impl Inputs for QueryOnly {
    const QUERY: bool = true;
    const BODY: bool = false;
}

impl Inputs for QueryAndForm {
    const QUERY: bool = true;
    const BODY: bool = true;
    fn before(headers: &HeaderMap) -> Result<(), OAuthError> {
        if headers.contains_key(CONTENT_TYPE) {
            return require_form(headers);
        }
        Ok(())
    }
    fn after(headers: &HeaderMap, body: &Bytes) -> Result<bool, OAuthError> {
        if headers.contains_key(CONTENT_TYPE) {
            return Ok(true);
        }
        if !body.is_empty() {
            return Err(OAuthError::InvalidRequest(NOT_A_FORM.into()));
        }
        Ok(false)
    }
}

impl Inputs for Revocation {
    const QUERY: bool = true;
    const BODY: bool = true;
    fn after(headers: &HeaderMap, body: &Bytes) -> Result<bool, OAuthError> {
        let has_form = is_form(headers);
        if !body.is_empty() && !has_form {
            return Err(OAuthError::InvalidRequest(NOT_A_FORM.into()));
        }
        Ok(has_form)
    }
}

/// A client's request to an OAuth endpoint, its inputs taken under the rule `I`.
pub struct ClientRequest<I> {
    headers: HeaderMap,
    uri: Uri,
    body: Option<Bytes>,
    inputs: PhantomData<I>,
}

impl<I: Inputs, S: Send + Sync> FromRequest<S> for ClientRequest<I> {
    type Rejection = OAuthError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let headers = std::mem::take(&mut parts.headers);
        let uri = std::mem::take(&mut parts.uri);
        I::before(&headers)?;
        let body = if I::BODY {
            let read = Bytes::from_request(Request::from_parts(parts, body), state).await;
            let body = read.map_err(|e| {
                OAuthError::InvalidRequest(format!("could not read the request body: {}", e.body_text()).into())
            })?;
            I::after(&headers, &body)?.then_some(body)
        } else {
            None
        };
        Ok(Self {
            headers,
            uri,
            body,
            inputs: PhantomData,
        })
    }
}

impl<I: Inputs> ClientRequest<I> {
    /// The client credentials (Basic or in the form, RFC 6749 §2.3.1) and the other parameters;
    /// a name in both the query and the form is repeated.
    pub fn read(&self) -> Result<(ClientCredentials, Pairs<'_>), OAuthError> {
        let query = if I::QUERY {
            self.uri.query().unwrap_or("").as_bytes()
        } else {
            b""
        };
        let mut pairs = match &self.body {
            Some(body) if I::QUERY => form::parse_all(&[query, body]),
            Some(body) => form::parse(body),
            None => form::parse(query),
        }?;
        let credentials = credentials(&self.headers, &mut pairs)?;
        Ok((credentials, pairs))
    }

    /// The CORS answer for `client` to this request's `Origin`.
    pub fn cors(&self, client: &Client) -> Cors {
        Cors::for_client(&self.headers, client)
    }
}
