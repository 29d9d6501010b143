//! `/admin/*` handlers: bearer principal, strict JSON in, views out.

use crate::service::admin::clients::{ClientPatch, NewClient};
use crate::service::admin::tenants::{NewTenant, TenantPatch};
use crate::service::admin::tokens::{Lookup, PairScopes, RevokeTokens, TokenListQuery, TokenUpdate};
use crate::service::admin::users::{NewUser, UserPatch};
use crate::service::admin::{AdminError, Principal};
use crate::service::Service;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use std::sync::Arc;

type Svc = State<Arc<Service>>;

/// The caller, from `Authorization: Bearer <access token>`.
pub struct Caller(pub Principal);

impl FromRequestParts<Arc<Service>> for Caller {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).ok_or(AdminError::Unauthorized)?;
        let header = header.to_str().map_err(|_| AdminError::Unauthorized)?;
        let (scheme, token) = header.split_once(' ').ok_or(AdminError::Unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AdminError::Unauthorized);
        }
        service.principal(token.trim()).await.map(Caller)
    }
}

/// JSON body whose errors name the field (`scopes[1]: invalid type …`).
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
        match serde_path_to_error::deserialize(de) {
            Ok(value) => Ok(AdminJson(value)),
            Err(e) => Err(field_error(e.path().to_string(), e.into_inner().to_string())),
        }
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
pub struct Ids<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Ids<T> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Ids(v))
            .map_err(|e| AdminError::Invalid(format!("path: {}", e.body_text())))
    }
}

fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

type Res = Result<Response, AdminError>;

pub async fn create_tenant(State(s): Svc, Caller(who): Caller, AdminJson(new): AdminJson<NewTenant>) -> Res {
    Ok(created(s.create_tenant(&who, new).await?))
}
pub async fn list_tenants(State(s): Svc, Caller(who): Caller) -> Res {
    Ok(Json(s.list_tenants(&who).await?).into_response())
}
pub async fn get_tenant(State(s): Svc, Caller(who): Caller, Ids(t): Ids<String>) -> Res {
    Ok(Json(s.get_tenant(&who, &t).await?).into_response())
}
pub async fn update_tenant(
    State(s): Svc,
    Caller(who): Caller,
    Ids(t): Ids<String>,
    AdminJson(p): AdminJson<TenantPatch>,
) -> Res {
    Ok(Json(s.update_tenant(&who, &t, p).await?).into_response())
}
pub async fn delete_tenant(State(s): Svc, Caller(who): Caller, Ids(t): Ids<String>) -> Res {
    s.delete_tenant(&who, &t).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn create_client(
    State(s): Svc,
    Caller(who): Caller,
    Ids(t): Ids<String>,
    AdminJson(new): AdminJson<NewClient>,
) -> Res {
    Ok(created(s.create_client(&who, &t, new).await?))
}
pub async fn list_clients(State(s): Svc, Caller(who): Caller, Ids(t): Ids<String>) -> Res {
    Ok(Json(s.list_clients(&who, &t).await?).into_response())
}
pub async fn get_client(State(s): Svc, Caller(who): Caller, Ids((t, c)): Ids<(String, String)>) -> Res {
    Ok(Json(s.get_client(&who, &t, &c).await?).into_response())
}
pub async fn update_client(
    State(s): Svc,
    Caller(who): Caller,
    Ids((t, c)): Ids<(String, String)>,
    AdminJson(p): AdminJson<ClientPatch>,
) -> Res {
    Ok(Json(s.update_client(&who, &t, &c, p).await?).into_response())
}
pub async fn delete_client(State(s): Svc, Caller(who): Caller, Ids((t, c)): Ids<(String, String)>) -> Res {
    s.delete_client(&who, &t, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
pub async fn regenerate_secret(State(s): Svc, Caller(who): Caller, Ids((t, c)): Ids<(String, String)>) -> Res {
    Ok(Json(s.regenerate_secret(&who, &t, &c).await?).into_response())
}

pub async fn create_user(
    State(s): Svc,
    Caller(who): Caller,
    Ids(t): Ids<String>,
    AdminJson(new): AdminJson<NewUser>,
) -> Res {
    Ok(created(s.create_user(&who, &t, new).await?))
}
pub async fn list_users(State(s): Svc, Caller(who): Caller, Ids(t): Ids<String>) -> Res {
    Ok(Json(s.list_users(&who, &t).await?).into_response())
}
pub async fn get_user(State(s): Svc, Caller(who): Caller, Ids((t, u)): Ids<(String, String)>) -> Res {
    Ok(Json(s.get_user(&who, &t, &u).await?).into_response())
}
pub async fn update_user(
    State(s): Svc,
    Caller(who): Caller,
    Ids((t, u)): Ids<(String, String)>,
    AdminJson(p): AdminJson<UserPatch>,
) -> Res {
    Ok(Json(s.update_user(&who, &t, &u, p).await?).into_response())
}
pub async fn delete_user(State(s): Svc, Caller(who): Caller, Ids((t, u)): Ids<(String, String)>) -> Res {
    s.delete_user(&who, &t, &u).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_tokens(
    State(s): Svc,
    Caller(who): Caller,
    Ids((t, c)): Ids<(String, String)>,
    AdminQuery(q): AdminQuery<TokenListQuery>,
) -> Res {
    Ok(Json(s.list_client_tokens(&who, &t, &c, q).await?).into_response())
}

/// The body is optional: no body revokes every token of the client.
pub async fn revoke_tokens(
    State(s): Svc,
    Caller(who): Caller,
    Ids((t, c)): Ids<(String, String)>,
    req: Request,
) -> Res {
    let body = if req.headers().contains_key(CONTENT_TYPE) {
        AdminJson::<RevokeTokens>::from_request(req, &()).await?.0
    } else {
        RevokeTokens::default()
    };
    let revoked = s.revoke_client_tokens_admin(&who, &t, &c, body).await?;
    Ok(Json(serde_json::json!({ "revoked": revoked })).into_response())
}

pub async fn get_token(State(s): Svc, Caller(who): Caller, Ids(id): Ids<String>) -> Res {
    Ok(Json(s.get_token_admin(&who, &id).await?).into_response())
}
pub async fn update_token(
    State(s): Svc,
    Caller(who): Caller,
    Ids(id): Ids<String>,
    AdminJson(p): AdminJson<TokenUpdate>,
) -> Res {
    Ok(Json(s.update_token_admin(&who, &id, p).await?).into_response())
}
pub async fn delete_token(State(s): Svc, Caller(who): Caller, Ids(id): Ids<String>) -> Res {
    s.delete_token_admin(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
pub async fn lookup_token(State(s): Svc, Caller(who): Caller, AdminJson(body): AdminJson<Lookup>) -> Res {
    Ok(Json(s.lookup_token(&who, body).await?).into_response())
}

pub async fn user_authorizations(State(s): Svc, Caller(who): Caller, Ids((t, u)): Ids<(String, String)>) -> Res {
    Ok(Json(s.user_authorizations(&who, &t, &u).await?).into_response())
}
pub async fn put_authorization(
    State(s): Svc,
    Caller(who): Caller,
    Ids((t, c, subject)): Ids<(String, String, String)>,
    AdminJson(body): AdminJson<PairScopes>,
) -> Res {
    let updated = s.set_authorization_scopes(&who, &t, &c, &subject, body).await?;
    Ok(Json(serde_json::json!({ "updated": updated })).into_response())
}
pub async fn delete_authorization(
    State(s): Svc,
    Caller(who): Caller,
    Ids((t, c, subject)): Ids<(String, String, String)>,
) -> Res {
    let revoked = s.revoke_authorization(&who, &t, &c, &subject).await?;
    Ok(Json(serde_json::json!({ "revoked": revoked })).into_response())
}
