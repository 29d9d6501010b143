//! `/oauth/*` handlers: parse, authenticate, call the service, map the error.

use super::client_auth::credentials;
use super::errors::{NO_CACHE, NO_STORE};
use super::form::{self, FormBody, Pairs};
use crate::service::grants::TokenRequest;
use crate::service::{OAuthError, Service};
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, PRAGMA};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

fn no_store(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(CACHE_CONTROL, NO_STORE);
    response.headers_mut().insert(PRAGMA, NO_CACHE);
    response
}

pub async fn token(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    FormBody(body): FormBody,
) -> Result<Response, OAuthError> {
    let mut pairs = form::parse(&body)?;
    let credentials = credentials(&headers, &mut pairs)?;
    let request = TokenRequest::from_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))?;
    let response = service.token(credentials, request).await?;
    Ok(no_store(Json(response)))
}

fn required<'p>(pairs: &'p Pairs<'_>, name: &'static str) -> Result<&'p str, OAuthError> {
    form::get(pairs, name).ok_or_else(|| OAuthError::InvalidRequest(format!("missing parameter {name}").into()))
}

pub async fn introspect(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    FormBody(body): FormBody,
) -> Result<Response, OAuthError> {
    let mut pairs = form::parse(&body)?;
    let credentials = credentials(&headers, &mut pairs)?;
    let answer = service.introspect(credentials, required(&pairs, "token")?).await?;
    Ok(no_store(Json(answer)))
}

/// Parameters from the query string and, for POST, the form body; a name in both is refused.
fn query_and_form<'a>(query: Option<&'a str>, body: Option<&'a [u8]>) -> Result<Pairs<'a>, OAuthError> {
    let mut pairs = form::parse(query.unwrap_or("").as_bytes())?;
    if let Some(body) = body {
        for (k, v) in form::parse(body)? {
            if form::get(&pairs, &k).is_some() {
                return Err(OAuthError::InvalidRequest(format!("parameter {k} is repeated").into()));
            }
            pairs.push((k, v));
        }
    }
    Ok(pairs)
}

pub async fn check_token_get(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, OAuthError> {
    let mut pairs = query_and_form(query.as_deref(), None)?;
    let credentials = credentials(&headers, &mut pairs)?;
    Ok(no_store(Json(
        service.check_token(credentials, required(&pairs, "token")?).await?,
    )))
}

pub async fn check_token_post(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    FormBody(body): FormBody,
) -> Result<Response, OAuthError> {
    let mut pairs = query_and_form(query.as_deref(), Some(&body))?;
    let credentials = credentials(&headers, &mut pairs)?;
    Ok(no_store(Json(
        service.check_token(credentials, required(&pairs, "token")?).await?,
    )))
}

/// RFC 7009 revocation; `/oauth/revoke_token?token=` [O] shares it. A body is optional there.
pub async fn revoke(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, OAuthError> {
    let has_form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let body = body.map_err(|e| {
        OAuthError::InvalidRequest(format!("could not read the request body: {}", e.body_text()).into())
    })?;
    if !body.is_empty() && !has_form {
        return Err(OAuthError::InvalidRequest(
            "the request body must be application/x-www-form-urlencoded".into(),
        ));
    }
    let mut pairs = query_and_form(query.as_deref(), has_form.then_some(&body[..]))?;
    let credentials = credentials(&headers, &mut pairs)?;
    service.revoke(credentials, required(&pairs, "token")?).await?;
    Ok(no_store(()))
}
