//! `/admin/*` handlers: bearer principal, strict JSON in, views out.

use crate::model::{ClientId, TenantId, Username};
use crate::service::admin::app_tokens::{CreatedToken, NewAppToken};
use crate::service::admin::authorizations::{AuthorizationView, PairScopes};
use crate::service::admin::clients::{ClientPatch, ClientView, NewClient};
use crate::service::admin::tenants::{NewTenant, TenantPatch, TenantView};
use crate::service::admin::token_update::TokenUpdate;
use crate::service::admin::tokens::{Lookup, RevokeTokens, TokenList, TokenListQuery, TokenView};
use crate::service::admin::users::{NewUser, UserPatch, UserView};
use crate::service::admin::{AdminError, Principal};
use crate::service::Service;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::value::MapDeserializer;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type Svc = State<Arc<Service>>;

/// The caller, from `Authorization: Bearer <access token>`.
pub struct Caller(pub Principal);

impl FromRequestParts<Arc<Service>> for Caller {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Self, Self::Rejection> {
        // RFC 6750 §3.1: a request without bearer credentials (none, or another scheme) is told
        // only the scheme; one whose bearer token is unusable is told `invalid_token`.
        let header = parts.headers.get(AUTHORIZATION).ok_or(AdminError::NoToken)?.as_bytes();
        let (scheme, token) = match header.iter().position(|&b| b == b' ') {
            Some(space) => (&header[..space], &header[space + 1..]),
            None => (header, &[][..]),
        };
        if !scheme.eq_ignore_ascii_case(b"bearer") {
            return Err(AdminError::NoToken);
        }
        let token = std::str::from_utf8(token).map_err(|_| AdminError::InvalidToken)?;
        service.principal(token.trim()).await.map(Caller)
    }
}

/// JSON body whose errors name the field (`scopes[1]: invalid type …`); one JSON value and
/// nothing after it but whitespace.
pub struct AdminJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AdminJson<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AdminError::Invalid("the request body must be application/json".into()));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AdminError::Invalid(format!("could not read the request body: {}", e.body_text())))?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let path = e.path().to_string();
            let error = e.into_inner();
            if error.is_syntax() || error.is_eof() {
                // No field is to blame (the path would read `?` or `.`): say where the JSON breaks.
                AdminError::Invalid(format!("the request body is not valid JSON: {error}"))
            } else {
                field_error(path, error.to_string())
            }
        })?;
        // `{"id":"t"} garbage` is not JSON: a client that sent it meant something else.
        de.end().map_err(|e| {
            AdminError::Invalid(format!(
                "body: trailing characters after the JSON value at line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
        Ok(AdminJson(value))
    }
}

fn field_error(path: String, message: String) -> AdminError {
    // serde_json appends " at line L column C", which says nothing to an API user.
    let message = message.split(" at line ").next().unwrap_or(&message);
    AdminError::Invalid(if path == "." {
        format!("body: {message}")
    } else {
        format!("{path}: {message}")
    })
}

/// Query parameters whose errors name the parameter.
pub struct AdminQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AdminQuery<T> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(AdminQuery)
            .map_err(|e| field_error(e.path().to_string(), e.into_inner().to_string()))
    }
}

/// Path parameters, with a 400 instead of axum's plain-text rejection.
/// `T` is one of the structs below, which also document the parameters.
pub struct Ids<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Ids<T> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| AdminError::Invalid(format!("path: {}", e.body_text())))?;
        // Deserialized here rather than by `Path`, so a value outside its type's grammar is
        // reported with the parameter's name, as body fields are.
        let de = MapDeserializer::<_, serde::de::value::Error>::new(params.iter());
        serde_path_to_error::deserialize(de)
            .map(Ids)
            .map_err(|e| field_error(e.path().to_string(), e.into_inner().to_string()))
    }
}

/// `{tenant}`: a tenant id.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantPath {
    /// Tenant id (a slug).
    tenant: TenantId,
}

/// `{tenant}/clients/{client}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClientPath {
    /// Tenant id (a slug).
    tenant: TenantId,
    /// Client id.
    client: ClientId,
}

/// `{tenant}/users/{user}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// Tenant id (a slug).
    tenant: TenantId,
    /// Username.
    user: Username,
}

/// `{tenant}/clients/{client}/authorizations/{subject}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PairPath {
    /// Tenant id (a slug).
    tenant: TenantId,
    /// Client id.
    client: ClientId,
    /// Username of the subject.
    subject: Username,
}

/// `{tenant}/users/{user}/authorizations/{client}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserClientPath {
    /// Tenant id (a slug).
    tenant: TenantId,
    /// Username.
    user: Username,
    /// Client id.
    client: ClientId,
}

/// `tokens/{id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    /// The token's public id (not the token itself).
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    id: String,
}

/// `{"revoked": n}`
#[derive(Serialize, ToSchema)]
pub struct Revoked {
    /// How many tokens this call revoked.
    revoked: u64,
}

/// `{"updated": n}`
#[derive(Serialize, ToSchema)]
pub struct Updated {
    /// How many tokens this call changed.
    updated: u64,
}

fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// An answer that carries a secret must not be kept by any cache.
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CACHE_CONTROL, crate::http::errors::NO_STORE);
    headers.insert(axum::http::header::PRAGMA, crate::http::errors::NO_CACHE);
    response
}

type Res = Result<Response, AdminError>;

// Every operation also answers 401 and requires the bearer scheme: `super::openapi::finish` adds both.

mod backup;
mod entities;
mod operations;
pub mod signing_keys;
mod tokens;

pub use backup::*;
pub use entities::*;
pub use operations::*;
pub use tokens::*;
