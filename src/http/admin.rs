//! `/admin/*` handlers: bearer principal, strict JSON in, views out.

use crate::service::admin::clients::{ClientPatch, ClientView, NewClient};
use crate::service::admin::tenants::{NewTenant, TenantPatch, TenantView};
use crate::service::admin::tokens::{
    AuthorizationView, Lookup, PairScopes, RevokeTokens, TokenList, TokenListQuery, TokenUpdate, TokenView,
};
use crate::service::admin::users::{NewUser, UserPatch, UserView};
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
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

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
/// `T` is one of the structs below, which also document the parameters.
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

/// `{tenant}`: a tenant id.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantPath {
    /// Tenant id (a slug).
    #[param(pattern = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    tenant: String,
}

/// `{tenant}/clients/{client}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClientPath {
    /// Tenant id (a slug).
    #[param(pattern = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    tenant: String,
    /// Client id.
    #[param(pattern = r"^[A-Za-z0-9._~-]{1,128}$")]
    client: String,
}

/// `{tenant}/users/{user}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// Tenant id (a slug).
    #[param(pattern = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    tenant: String,
    /// Username.
    #[param(pattern = r"^[A-Za-z0-9._~@+-]{1,128}$")]
    user: String,
}

/// `{tenant}/clients/{client}/authorizations/{subject}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PairPath {
    /// Tenant id (a slug).
    #[param(pattern = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    tenant: String,
    /// Client id.
    #[param(pattern = r"^[A-Za-z0-9._~-]{1,128}$")]
    client: String,
    /// Username of the subject.
    #[param(pattern = r"^[A-Za-z0-9._~@+-]{1,128}$")]
    subject: String,
}

/// `{tenant}/users/{user}/authorizations/{client}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserClientPath {
    /// Tenant id (a slug).
    #[param(pattern = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    tenant: String,
    /// Username.
    #[param(pattern = r"^[A-Za-z0-9._~@+-]{1,128}$")]
    user: String,
    /// Client id.
    #[param(pattern = r"^[A-Za-z0-9._~-]{1,128}$")]
    client: String,
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
    headers.insert(axum::http::header::CACHE_CONTROL, super::errors::NO_STORE);
    headers.insert(axum::http::header::PRAGMA, super::errors::NO_CACHE);
    response
}

type Res = Result<Response, AdminError>;

// Every operation also answers 401 and requires the bearer scheme: `super::openapi::finish` adds both.

#[utoipa::path(post, path = "/tenants", tag = "tenants", request_body = NewTenant,
    description = "Only `ROLE_ADMIN` of tenant `system`.",
    responses(
        (status = 201, description = "Created", body = TenantView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 409, response = super::openapi::Conflict),
    ))]
pub async fn create_tenant(State(s): Svc, Caller(who): Caller, AdminJson(new): AdminJson<NewTenant>) -> Res {
    Ok(created(s.create_tenant(&who, new).await?))
}

#[utoipa::path(get, path = "/tenants", tag = "tenants",
    description = "Every tenant the caller may read.",
    responses((status = 200, description = "The tenants", body = Vec<TenantView>)))]
pub async fn list_tenants(State(s): Svc, Caller(who): Caller) -> Res {
    Ok(Json(s.list_tenants(&who).await?).into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}", tag = "tenants", params(TenantPath),
    responses(
        (status = 200, description = "The tenant", body = TenantView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn get_tenant(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TenantPath>) -> Res {
    Ok(Json(s.get_tenant(&who, &p.tenant).await?).into_response())
}

#[utoipa::path(patch, path = "/tenants/{tenant}", tag = "tenants", params(TenantPath), request_body = TenantPatch,
    responses(
        (status = 200, description = "The changed tenant", body = TenantView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn update_tenant(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<TenantPath>,
    AdminJson(change): AdminJson<TenantPatch>,
) -> Res {
    Ok(Json(s.update_tenant(&who, &p.tenant, change).await?).into_response())
}

#[utoipa::path(delete, path = "/tenants/{tenant}", tag = "tenants", params(TenantPath),
    description = "Only `ROLE_ADMIN` of tenant `system`; the `system` tenant cannot be deleted.",
    responses(
        (status = 204, description = "Deleted, with its clients, users and tokens"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn delete_tenant(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TenantPath>) -> Res {
    s.delete_tenant(&who, &p.tenant).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/tenants/{tenant}/clients", tag = "clients", params(TenantPath), request_body = NewClient,
    description = "The answer carries `client_secret` (confidential clients); it is never shown again.",
    responses(
        (status = 201, description = "Created", body = ClientView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
    ))]
pub async fn create_client(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<TenantPath>,
    AdminJson(new): AdminJson<NewClient>,
) -> Res {
    Ok(no_store(created(s.create_client(&who, &p.tenant, new).await?)))
}

#[utoipa::path(get, path = "/tenants/{tenant}/clients", tag = "clients", params(TenantPath),
    responses(
        (status = 200, description = "The tenant's clients", body = Vec<ClientView>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn list_clients(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TenantPath>) -> Res {
    Ok(Json(s.list_clients(&who, &p.tenant).await?).into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}/clients/{client}", tag = "clients", params(ClientPath),
    responses(
        (status = 200, description = "The client", body = ClientView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn get_client(State(s): Svc, Caller(who): Caller, Ids(p): Ids<ClientPath>) -> Res {
    Ok(Json(s.get_client(&who, &p.tenant, &p.client).await?).into_response())
}

#[utoipa::path(patch, path = "/tenants/{tenant}/clients/{client}", tag = "clients", params(ClientPath),
    request_body = ClientPatch,
    responses(
        (status = 200, description = "The changed client", body = ClientView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn update_client(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<ClientPath>,
    AdminJson(change): AdminJson<ClientPatch>,
) -> Res {
    Ok(Json(s.update_client(&who, &p.tenant, &p.client, change).await?).into_response())
}

#[utoipa::path(delete, path = "/tenants/{tenant}/clients/{client}", tag = "clients", params(ClientPath),
    responses(
        (status = 204, description = "Deleted; its tokens are revoked"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn delete_client(State(s): Svc, Caller(who): Caller, Ids(p): Ids<ClientPath>) -> Res {
    s.delete_client(&who, &p.tenant, &p.client).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/tenants/{tenant}/clients/{client}/secret", tag = "clients", params(ClientPath),
    description = "A new secret, shown once in `client_secret`; the old one stops working [W].",
    responses(
        (status = 200, description = "The client with its new secret", body = ClientView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn regenerate_secret(State(s): Svc, Caller(who): Caller, Ids(p): Ids<ClientPath>) -> Res {
    Ok(no_store(
        Json(s.regenerate_secret(&who, &p.tenant, &p.client).await?).into_response(),
    ))
}

#[utoipa::path(post, path = "/tenants/{tenant}/users", tag = "users", params(TenantPath), request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
    ))]
pub async fn create_user(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<TenantPath>,
    AdminJson(new): AdminJson<NewUser>,
) -> Res {
    Ok(created(s.create_user(&who, &p.tenant, new).await?))
}

#[utoipa::path(get, path = "/tenants/{tenant}/users", tag = "users", params(TenantPath),
    responses(
        (status = 200, description = "The tenant's users", body = Vec<UserView>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn list_users(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TenantPath>) -> Res {
    Ok(Json(s.list_users(&who, &p.tenant).await?).into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}/users/{user}", tag = "users", params(UserPath),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn get_user(State(s): Svc, Caller(who): Caller, Ids(p): Ids<UserPath>) -> Res {
    Ok(Json(s.get_user(&who, &p.tenant, &p.user).await?).into_response())
}

#[utoipa::path(patch, path = "/tenants/{tenant}/users/{user}", tag = "users", params(UserPath),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The changed user", body = UserView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn update_user(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<UserPath>,
    AdminJson(change): AdminJson<UserPatch>,
) -> Res {
    Ok(Json(s.update_user(&who, &p.tenant, &p.user, change).await?).into_response())
}

#[utoipa::path(delete, path = "/tenants/{tenant}/users/{user}", tag = "users", params(UserPath),
    responses(
        (status = 204, description = "Deleted; the user's tokens are revoked"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn delete_user(State(s): Svc, Caller(who): Caller, Ids(p): Ids<UserPath>) -> Res {
    s.delete_user(&who, &p.tenant, &p.user).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}/clients/{client}/tokens", tag = "tokens",
    params(ClientPath, TokenListQuery),
    description = "The client's unexpired, unrevoked tokens, oldest first, a page at a time [R].",
    responses(
        (status = 200, description = "A page of tokens", body = TokenList),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn list_tokens(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<ClientPath>,
    AdminQuery(q): AdminQuery<TokenListQuery>,
) -> Res {
    Ok(Json(s.list_client_tokens(&who, &p.tenant, &p.client, q).await?).into_response())
}

// The body is optional: no body revokes every token of the client.
#[utoipa::path(post, path = "/tenants/{tenant}/clients/{client}/tokens/revoke", tag = "tokens", params(ClientPath),
    request_body(content = Option<RevokeTokens>, description = "Optional: without a body (and `Content-Type`) \
        every token of the client is revoked."),
    responses(
        (status = 200, description = "How many tokens were revoked", body = Revoked),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn revoke_tokens(State(s): Svc, Caller(who): Caller, Ids(p): Ids<ClientPath>, req: Request) -> Res {
    let body = if req.headers().contains_key(CONTENT_TYPE) {
        AdminJson::<RevokeTokens>::from_request(req, &()).await?.0
    } else {
        RevokeTokens::default()
    };
    let revoked = s.revoke_client_tokens_admin(&who, &p.tenant, &p.client, body).await?;
    Ok(Json(Revoked { revoked }).into_response())
}

#[utoipa::path(get, path = "/tokens/{id}", tag = "tokens", params(TokenPath),
    responses(
        (status = 200, description = "The token", body = TokenView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn get_token(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TokenPath>) -> Res {
    Ok(Json(s.get_token_admin(&who, &p.id).await?).into_response())
}

#[utoipa::path(patch, path = "/tokens/{id}", tag = "tokens", params(TokenPath), request_body = TokenUpdate,
    description = "Sets `scopes`, `expires_at` and `properties` of one token [T].",
    responses(
        (status = 200, description = "The changed token", body = TokenView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn update_token(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<TokenPath>,
    AdminJson(change): AdminJson<TokenUpdate>,
) -> Res {
    Ok(Json(s.update_token_admin(&who, &p.id, change).await?).into_response())
}

#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(TokenPath),
    description = "Revokes the token; a refresh token takes its grant's access tokens with it.",
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn delete_token(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TokenPath>) -> Res {
    s.delete_token_admin(&who, &p.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/tokens/lookup", tag = "tokens", request_body = Lookup,
    description = "Finds a token (and its id) from its value.",
    responses(
        (status = 200, description = "The token", body = TokenView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn lookup_token(State(s): Svc, Caller(who): Caller, AdminJson(body): AdminJson<Lookup>) -> Res {
    Ok(Json(s.lookup_token(&who, body).await?).into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}/users/{user}/authorizations", tag = "tokens", params(UserPath),
    description = "The clients the user has authorized, with scopes and active token counts [T].",
    responses(
        (status = 200, description = "The user's authorizations", body = Vec<AuthorizationView>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn user_authorizations(State(s): Svc, Caller(who): Caller, Ids(p): Ids<UserPath>) -> Res {
    Ok(Json(s.user_authorizations(&who, &p.tenant, &p.user).await?).into_response())
}

#[utoipa::path(put, path = "/tenants/{tenant}/clients/{client}/authorizations/{subject}", tag = "tokens",
    params(PairPath), request_body = PairScopes,
    description = "Sets the scopes of every active token of the (client, subject) pair [T].",
    responses(
        (status = 200, description = "How many tokens were changed", body = Updated),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn put_authorization(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<PairPath>,
    AdminJson(body): AdminJson<PairScopes>,
) -> Res {
    let updated = s
        .set_authorization_scopes(&who, &p.tenant, &p.client, &p.subject, body)
        .await?;
    Ok(Json(Updated { updated }).into_response())
}

#[utoipa::path(delete, path = "/tenants/{tenant}/clients/{client}/authorizations/{subject}", tag = "tokens",
    params(PairPath),
    description = "Revokes every token of the (client, subject) pair [T] and forgets the consent the subject \
        gave the client, so the next authorization request asks again.",
    responses(
        (status = 200, description = "How many tokens were revoked", body = Revoked),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn delete_authorization(State(s): Svc, Caller(who): Caller, Ids(p): Ids<PairPath>) -> Res {
    let revoked = s.revoke_authorization(&who, &p.tenant, &p.client, &p.subject).await?;
    Ok(Json(Revoked { revoked }).into_response())
}

#[utoipa::path(delete, path = "/tenants/{tenant}/users/{user}/authorizations/{client}", tag = "tokens",
    params(UserClientPath),
    description = "Withdraws a user's authorization of a client: forgets the remembered consent (the next \
        authorization request shows the consent page again) and revokes the pair's tokens.",
    responses(
        (status = 200, description = "How many tokens were revoked", body = Revoked),
        (status = 400, response = super::openapi::BadRequest),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ))]
pub async fn delete_user_authorization(State(s): Svc, Caller(who): Caller, Ids(p): Ids<UserClientPath>) -> Res {
    let revoked = s.revoke_authorization(&who, &p.tenant, &p.client, &p.user).await?;
    Ok(Json(Revoked { revoked }).into_response())
}
