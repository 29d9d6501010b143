//! Handlers for tenants, clients and users.

use super::*;

#[utoipa::path(post, path = "/tenants", tag = "tenants", request_body = NewTenant,
    description = "Only `ROLE_ADMIN` of tenant `system`.",
    responses(
        (status = 201, description = "Created", body = TenantView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 409, response = crate::http::openapi::Conflict),
    ))]
pub async fn create_tenant(State(s): Svc, Caller(who): Caller, AdminJson(new): AdminJson<NewTenant>) -> Res {
    Ok(created(s.create_tenant(&who, new).await?))
}

#[utoipa::path(get, path = "/tenants", tag = "tenants",
    description = "Every tenant the caller may read: all of them for a server admin, else the caller's own.",
    responses(
        (status = 200, description = "The tenants", body = Vec<TenantView>),
        (status = 403, response = crate::http::openapi::Forbidden),
    ))]
pub async fn list_tenants(State(s): Svc, Caller(who): Caller) -> Res {
    Ok(Json(s.list_tenants(&who).await?).into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}", tag = "tenants", params(TenantPath),
    responses(
        (status = 200, description = "The tenant", body = TenantView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn get_tenant(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TenantPath>) -> Res {
    Ok(Json(s.get_tenant(&who, &p.tenant).await?).into_response())
}

#[utoipa::path(patch, path = "/tenants/{tenant}", tag = "tenants", params(TenantPath), request_body = TenantPatch,
    responses(
        (status = 200, description = "The changed tenant", body = TenantView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn delete_tenant(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TenantPath>) -> Res {
    s.delete_tenant(&who, &p.tenant).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/tenants/{tenant}/clients", tag = "clients", params(TenantPath), request_body = NewClient,
    description = "The answer carries `client_secret` (confidential clients); it is never shown again.",
    responses(
        (status = 201, description = "Created", body = ClientView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn list_clients(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TenantPath>) -> Res {
    Ok(Json(s.list_clients(&who, &p.tenant).await?).into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}/clients/{client}", tag = "clients", params(ClientPath),
    responses(
        (status = 200, description = "The client", body = ClientView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn get_client(State(s): Svc, Caller(who): Caller, Ids(p): Ids<ClientPath>) -> Res {
    Ok(Json(s.get_client(&who, &p.tenant, &p.client).await?).into_response())
}

#[utoipa::path(patch, path = "/tenants/{tenant}/clients/{client}", tag = "clients", params(ClientPath),
    request_body = ClientPatch,
    responses(
        (status = 200, description = "The changed client", body = ClientView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn delete_client(State(s): Svc, Caller(who): Caller, Ids(p): Ids<ClientPath>) -> Res {
    s.delete_client(&who, &p.tenant, &p.client).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/tenants/{tenant}/clients/{client}/secret", tag = "clients", params(ClientPath),
    description = "A new secret, shown once in `client_secret`; the old one stops working [W].",
    responses(
        (status = 200, description = "The client with its new secret", body = ClientView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn regenerate_secret(State(s): Svc, Caller(who): Caller, Ids(p): Ids<ClientPath>) -> Res {
    Ok(no_store(
        Json(s.regenerate_secret(&who, &p.tenant, &p.client).await?).into_response(),
    ))
}

#[utoipa::path(post, path = "/tenants/{tenant}/users", tag = "users", params(TenantPath), request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn list_users(State(s): Svc, Caller(who): Caller, Ids(p): Ids<TenantPath>) -> Res {
    Ok(Json(s.list_users(&who, &p.tenant).await?).into_response())
}

#[utoipa::path(get, path = "/tenants/{tenant}/users/{user}", tag = "users", params(UserPath),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn get_user(State(s): Svc, Caller(who): Caller, Ids(p): Ids<UserPath>) -> Res {
    Ok(Json(s.get_user(&who, &p.tenant, &p.user).await?).into_response())
}

#[utoipa::path(patch, path = "/tenants/{tenant}/users/{user}", tag = "users", params(UserPath),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The changed user", body = UserView),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
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
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ))]
pub async fn delete_user(State(s): Svc, Caller(who): Caller, Ids(p): Ids<UserPath>) -> Res {
    s.delete_user(&who, &p.tenant, &p.user).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
