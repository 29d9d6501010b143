//! `/oauth/*` handlers: parse, authenticate, call the service, map the error.

use super::client_request::{ClientRequest, FormOnly, QueryAndForm, QueryOnly, Revocation};
use super::errors::{NO_CACHE, NO_STORE};
use super::form::{self, Pairs};
use super::openapi::{InvalidClient, OAuthBadRequest, TooManyActiveTokens, TooManyAttempts};
use crate::model::GrantType;
use crate::service::grants::{self, TokenRequest};
use crate::service::introspect::{CheckToken, Introspection};
use crate::service::issue::TokenResponse;
use crate::service::{OAuthError, Service};
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, PRAGMA};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;
use utoipa::ToSchema;

fn no_store(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(CACHE_CONTROL, NO_STORE);
    response.headers_mut().insert(PRAGMA, NO_CACHE);
    response
}

// The forms below only document the requests: the handlers read them through `ClientRequest`
// (`super::form` parses), so that repeated parameters and bad encodings are refused the RFC 6749 way.

/// `POST /oauth/token` (RFC 6749 §4.3, §4.4, §6). Which fields apply depends on `grant_type`.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct TokenForm {
    grant_type: GrantType,
    /// Space-separated; defaults to all the client's scopes (or the grant's, for refresh).
    #[schema(required = false)]
    scope: String,
    /// RFC 8707: the resource server the access token is for, an absolute URI without a
    /// fragment (may be repeated); becomes `aud`. Else `invalid_target`.
    #[schema(required = false, format = "uri")]
    resource: String,
    /// An `aud` value (1-255 visible ASCII characters), as several servers accept; with
    /// `resource`, both are in `aud`.
    #[schema(required = false)]
    audience: String,
    /// `password` grant.
    #[schema(required = false)]
    username: String,
    /// `password` grant.
    #[schema(required = false, format = Password)]
    password: String,
    /// `refresh_token` grant: one use; presenting a used one revokes its whole lineage.
    #[schema(required = false)]
    refresh_token: String,
    /// `authorization_code` grant: the code from the redirect; one use.
    #[schema(required = false)]
    code: String,
    /// `authorization_code` grant: required when the authorization request named one, and equal to it.
    #[schema(required = false)]
    redirect_uri: String,
    /// `authorization_code` grant: the PKCE verifier when the request sent a `code_challenge`.
    #[schema(required = false, format = Password)]
    code_verifier: String,
    /// `client_secret_post` (or with Basic, the same id); alone for public clients.
    #[schema(required = false)]
    client_id: String,
    /// `client_secret_post`.
    #[schema(required = false, format = Password)]
    client_secret: String,
}

/// A token to introspect, check or revoke (RFC 7662 §2.1, RFC 7009 §2.1).
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct TokenParamForm {
    /// The token value.
    token: String,
    /// Accepted and ignored: the token's prefix tells its kind.
    #[schema(required = false)]
    token_type_hint: String,
    /// `client_secret_post` (or with Basic, the same id); alone, a public client revoking its own token.
    #[schema(required = false)]
    client_id: String,
    /// `client_secret_post`.
    #[schema(required = false, format = Password)]
    client_secret: String,
}

#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    description = "Grants `client_credentials`, `password`, `refresh_token` and `authorization_code` (with PKCE). Answers carry `Cache-Control: no-store`.",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = []), ()),
    responses(
        (status = 200, description = "Tokens issued (or, under the `reuse` policy, handed back)", body = TokenResponse),
        (status = 400, response = OAuthBadRequest),
        (status = 401, response = InvalidClient),
        (status = 429, response = TooManyActiveTokens),
    ))]
pub async fn token(
    State(service): State<Arc<Service>>,
    request: ClientRequest<FormOnly>,
) -> Result<Response, OAuthError> {
    let (credentials, pairs) = request.read()?;
    let grant = TokenRequest::from_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))?;
    let audience = grants::requested(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))?;
    let client = service.authenticate_client(&credentials).await?;
    let cors = request.cors(&client);
    Ok(cors.answer(service.grant(client, grant, audience).await.map(|r| no_store(Json(r)))))
}

fn required<'p>(pairs: &'p Pairs<'_>, name: &'static str) -> Result<&'p str, OAuthError> {
    form::get(pairs, name).ok_or_else(|| OAuthError::InvalidRequest(format!("missing parameter {name}").into()))
}

#[utoipa::path(post, path = "/oauth/introspect", tag = "oauth",
    description = "RFC 7662. Only tokens of the caller's own tenant are described, and a refresh token only to \
        the client it was issued to; anything else is `{\"active\": false}`. Public clients may not introspect.",
    request_body(content = TokenParamForm, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = []), ()),
    responses(
        (status = 200, description = "The token's state", body = Introspection),
        (status = 400, response = OAuthBadRequest),
        (status = 401, response = InvalidClient),
        (status = 429, response = TooManyAttempts),
    ))]
pub async fn introspect(
    State(service): State<Arc<Service>>,
    request: ClientRequest<FormOnly>,
) -> Result<Response, OAuthError> {
    let (credentials, pairs) = request.read()?;
    let token = required(&pairs, "token")?;
    let client = service.authenticate_client(&credentials).await?;
    let cors = request.cors(&client);
    Ok(cors.answer(service.introspect_as(&client, token).await.map(|a| no_store(Json(a)))))
}

#[utoipa::path(get, path = "/oauth/check_token", tag = "oauth",
    description = "Spring-style check [O] of access tokens; an unknown, expired or revoked token, or a refresh \
        token, is 400 `invalid_token`.",
    params(
        ("token" = String, Query, description = "The token value"),
        ("client_id" = Option<String>, Query, description = "With `client_secret`, instead of Basic"),
        ("client_secret" = Option<String>, Query, description = "With `client_id`, instead of Basic"),
    ),
    security(("basic" = []), ()),
    responses(
        (status = 200, description = "The token is active", body = CheckToken),
        (status = 400, response = OAuthBadRequest),
        (status = 401, response = InvalidClient),
        (status = 429, response = TooManyAttempts),
    ))]
pub async fn check_token_get(
    State(service): State<Arc<Service>>,
    request: ClientRequest<QueryOnly>,
) -> Result<Response, OAuthError> {
    let (credentials, pairs) = request.read()?;
    Ok(no_store(Json(
        service.check_token(credentials, required(&pairs, "token")?).await?,
    )))
}

#[utoipa::path(post, path = "/oauth/check_token", tag = "oauth",
    description = "As the GET form; parameters come from the query and the form (a name in both is refused). \
        With every parameter in the query, the body may be empty and have no `Content-Type`.",
    params(("token" = Option<String>, Query, description = "The token value, unless it is in the form")),
    request_body(content = Option<TokenParamForm>, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = []), ()),
    responses(
        (status = 200, description = "The token is active", body = CheckToken),
        (status = 400, response = OAuthBadRequest),
        (status = 401, response = InvalidClient),
        (status = 429, response = TooManyAttempts),
    ))]
pub async fn check_token_post(
    State(service): State<Arc<Service>>,
    request: ClientRequest<QueryAndForm>,
) -> Result<Response, OAuthError> {
    let (credentials, pairs) = request.read()?;
    Ok(no_store(Json(
        service.check_token(credentials, required(&pairs, "token")?).await?,
    )))
}

#[utoipa::path(post, path = "/oauth/revoke", tag = "oauth",
    description = "RFC 7009: 200 for a token revoked, or unknown (another tenant's tokens are unknown); a \
        client revokes only its own tokens: one issued to another client of the tenant is 400 \
        `unauthorized_client` and stays as it was. A refresh token takes its grant's access tokens with it.",
    request_body(content = TokenParamForm, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = []), ()),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, response = OAuthBadRequest),
        (status = 401, response = InvalidClient),
        (status = 429, response = TooManyAttempts),
    ))]
pub async fn revoke(state: State<Arc<Service>>, request: ClientRequest<Revocation>) -> Result<Response, OAuthError> {
    revoke_any(state, request).await
}

#[utoipa::path(post, path = "/oauth/revoke_token", tag = "oauth",
    description = "The Spring-style alias of `/oauth/revoke` [O], with the same answers: the token may come in \
        the query, and the body is optional.",
    params(("token" = Option<String>, Query, description = "The token value, unless it is in the form")),
    request_body(content = Option<TokenParamForm>, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = []), ()),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, response = OAuthBadRequest),
        (status = 401, response = InvalidClient),
        (status = 429, response = TooManyAttempts),
    ))]
pub async fn revoke_token(
    state: State<Arc<Service>>,
    request: ClientRequest<Revocation>,
) -> Result<Response, OAuthError> {
    revoke_any(state, request).await
}

/// RFC 7009 revocation, for both routes. A body is optional (the token may be in the query).
async fn revoke_any(
    State(service): State<Arc<Service>>,
    request: ClientRequest<Revocation>,
) -> Result<Response, OAuthError> {
    let (credentials, pairs) = request.read()?;
    let token = required(&pairs, "token")?;
    let client = service.authenticate_client(&credentials).await?;
    let cors = request.cors(&client);
    Ok(cors.answer(service.revoke_as(&client, token).await.map(|()| no_store(()))))
}
