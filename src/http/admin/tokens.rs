//! Handlers for tokens and a user's authorizations of clients.

use super::*;

#[utoipa::path(get, path = "/tenants/{tenant}/clients/{client}/tokens", tag = "tokens",
    params(ClientPath, TokenListQuery),
    description = "The client's unexpired, unrevoked tokens, oldest first, a page at a time [R].",
    responses(
        (status = 200, description = "A page of tokens", body = TokenList),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn get_token(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TokenPath>) -> Res {
    Ok(Json(s.get_token_admin(&who, &p.id).await?).into_response())
}

#[utoipa::path(patch, path = "/tokens/{id}", tag = "tokens", params(TokenPath), request_body = TokenUpdate,
    description = "Sets `scopes`, `expires_at` and `properties` of one active token [T]. An expired, revoked \
        or used token is not changed (409): a new expiry cannot bring it back.",
    responses(
        (status = 200, description = "The changed token", body = TokenView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::NotActive),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn delete_token(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TokenPath>) -> Res {
    s.delete_token_admin(&who, &p.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/tokens/lookup", tag = "tokens", request_body = Lookup,
    description = "Finds a token (and its id) from its value.",
    responses(
        (status = 200, description = "The token", body = TokenView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn lookup_token(State(s): Svc, Caller(who): Caller, AdminJson(body): AdminJson<Lookup>) -> Res {
    Ok(Json(s.lookup_token(&who, body).await?).into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}/users/{user}/authorizations", tag = "tokens", params(UserPath),
    description = "The clients the user has authorized, with scopes and active token counts [T].",
    responses(
        (status = 200, description = "The user's authorizations", body = Vec<AuthorizationView>),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn user_authorizations(State(s): Svc, Caller(who): Caller, Ids(p): Ids<UserPath>) -> Res {
    Ok(Json(s.user_authorizations(&who, &p.tenant, &p.user).await?).into_response())
}

#[utoipa::path(put, path = "/tenants/{tenant}/clients/{client}/authorizations/{subject}", tag = "tokens",
    params(PairPath), request_body = PairScopes,
    description = "Sets the scopes of every active token of the (client, subject) pair [T].",
    responses(
        (status = 200, description = "How many tokens were changed", body = Updated),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn delete_user_authorization(State(s): Svc, Caller(who): Caller, Ids(p): Ids<UserClientPath>) -> Res {
    let revoked = s.revoke_authorization(&who, &p.tenant, &p.client, &p.user).await?;
    Ok(Json(Revoked { revoked }).into_response())
}

#[utoipa::path(post, path = "/tenants/{tenant}/clients/{client}/tokens", tag = "tokens", params(ClientPath),
    request_body = NewAppToken,
    description = "Issues an application access token for the client [R], as `client_credentials` would: \
        under the client's limit and token policy, with scopes among the client's (`device_*` too). \
        `expires_in` negative: the token never expires. The token is in this answer only.",
    responses(
        (status = 201, description = "The token, shown once", body = CreatedToken),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 429, response = crate::http::openapi::ActiveTokenLimit),
    ))]
pub async fn create_token(
    State(s): Svc,
    Caller(who): Caller,
    Ids(p): Ids<ClientPath>,
    AdminJson(body): AdminJson<NewAppToken>,
) -> Res {
    Ok(no_store(created(
        s.create_client_token(&who, &p.tenant, &p.client, body).await?,
    )))
}
