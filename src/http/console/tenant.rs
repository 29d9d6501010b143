//! The tenant page: settings (editable, errors by the field), clients with their active tokens
//! against the limit, users; and new clients and users. Sections the user's authorities do not
//! cover are left out, and so are the buttons for changes they may not make.

use super::form::{field_error, payload};
use super::layout::{self, field, usage};
use super::{html, see_other, signin, Console, Form, Page};
use crate::model::{ClientIdRef, TenantId};
use crate::service::admin::tenants::{TenantPatch, TenantView};
use crate::service::admin::{Access, AdminError, Area};
use crate::service::Service;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use serde_json::Map;
use std::sync::Arc;

pub(super) const GRANTS: [&str; 4] = ["client_credentials", "authorization_code", "refresh_token", "password"];

const NEVER: &str = "empty: default; negative: never expires";

/// (label, field, hint) of the tenant's lifetimes.
const LIFETIMES: [(&str, &str, &str); 5] = [
    ("Application token lifetime (s)", "access_token_ttl", NEVER),
    ("User token lifetime (s)", "user_access_token_ttl", NEVER),
    ("Refresh token lifetime (s)", "refresh_token_ttl", NEVER),
    ("Authorization code lifetime (s)", "code_ttl", NEVER),
    (
        "Refresh grace (s)",
        "refresh_token_grace",
        "empty: default; how long a used refresh token still works",
    ),
];

pub(super) fn tenant_id(raw: &str) -> Result<TenantId, AdminError> {
    TenantId::parse(raw.to_string()).map_err(|_| AdminError::NotFound("tenant"))
}

/// `GET /console/t/{tenant}`: the tenant's page, or, without a session, its sign-in.
pub async fn page(
    State(s): State<Arc<Service>>,
    console: Result<Console, Response>,
    Path(tenant): Path<String>,
) -> Page {
    let Ok(console) = console else {
        return Ok(signin::begin(&s, &tenant).await);
    };
    render(&s, &console, &tenant_id(&tenant)?, Outcome::default(), StatusCode::OK).await
}

/// What a post left to show: an error, or a client secret shown once.
#[derive(Default)]
pub(super) struct Outcome {
    pub(super) error: Option<AdminError>,
    pub(super) secret: Option<(String, String)>,
}

pub(super) async fn render(
    s: &Service,
    console: &Console,
    tenant: &TenantId,
    outcome: Outcome,
    status: StatusCode,
) -> Page {
    let who = &console.who;
    let may = |area, access| who.may(tenant, area, access);
    if ![Area::Settings, Area::Clients, Area::Users, Area::Tokens]
        .iter()
        .any(|a| may(*a, Access::Read))
    {
        return Err(AdminError::Forbidden("not this tenant").into());
    }
    let csrf = console.csrf(s);
    let problem = outcome.error.as_ref().and_then(field_error);
    let settings = match may(Area::Settings, Access::Read) {
        true => Some(s.get_tenant(who, tenant).await?),
        false => None,
    };
    let mut clients = Vec::new();
    if may(Area::Clients, Access::Read) {
        for c in s.list_clients(who, tenant).await? {
            let count = match may(Area::Tokens, Access::Read) {
                true => {
                    let q = crate::service::admin::tokens::TokenListQuery {
                        limit: Some(1),
                        ..Default::default()
                    };
                    let id = ClientIdRef::parse(&c.client_id).map_err(|_| AdminError::Internal)?;
                    let page = s.list_client_tokens(who, tenant, id, q).await?;
                    Some((page.active_count, page.max_active_tokens))
                }
                false => None,
            };
            clients.push((c, count));
        }
    }
    let users = match may(Area::Users, Access::Read) {
        true => Some(s.list_users(who, tenant).await?),
        false => None,
    };
    let chrome = console.chrome(&csrf, tenant, s.console_take_flash(&console.session));
    let base = format!("/console/t/{tenant}");
    let body = html! {
        p.crumbs { @if who.is_server_admin() { a href="/console/overview" { "Overview" } " / " } "Tenant" }
        h1 { "Tenant " code { (tenant) } }
        @if let Some((id, secret)) = &outcome.secret {
            (layout::shown_once(&format!("Client secret of {id}"), "client-secret", secret))
        }
        @if let Some(e) = outcome.error.as_ref().filter(|_| problem.is_none()) {
            div.notice.error role="alert" { (super::words(e)) }
        }
        @if let Some(t) = &settings {
            (settings_card(t, &base, &csrf, may(Area::Settings, Access::Update), problem))
        }
        @if may(Area::Clients, Access::Read) {
            section.card aria-labelledby="clients-h" {
                h2 id="clients-h" { "Clients" }
                @if clients.is_empty() {
                    p.empty { "No clients yet. " @if may(Area::Clients, Access::Update) { "Create one below to issue tokens." } }
                } @else {
                    div.scroll { table {
                        thead { tr { th scope="col" { "Client" } th scope="col" { "Grant types" } th scope="col" { "Active tokens" } } }
                        tbody { @for (c, count) in &clients { tr {
                            td { a href={ (base) "/clients/" (c.client_id) } { code { (c.client_id) } } br; span.hint { (c.name) } }
                            td { @for g in &c.grant_types { (g.as_str()) " " } }
                            td { @if let Some((active, limit)) = count { (usage(*active, *limit)) } @else { span.empty { "not visible" } } }
                        } } }
                    } }
                }
                @if may(Area::Clients, Access::Update) { (super::members::new_client(&base, &csrf, problem)) }
            }
        } @else if may(Area::Tokens, Access::Read) {
            section.card {
                h2 { "A client's tokens" }
                form method="get" action={ (base) "/clients" } {
                    label for="client" { "Client id" }
                    input type="text" id="client" name="client" required;
                    div.actions { button type="submit" { "Show its tokens" } }
                }
            }
        }
        @if let Some(users) = &users {
            section.card aria-labelledby="users-h" {
                h2 id="users-h" { "Users" }
                @if users.is_empty() { p.empty { "No users yet. " @if may(Area::Users, Access::Update) { "Create one below so people can sign in." } } } @else {
                    div.scroll { table {
                        thead { tr { th scope="col" { "User" } th scope="col" { "Authorities" } th scope="col" { "Status" } } }
                        tbody { @for u in users { tr {
                            td { a href={ (base) "/users/" (u.username) } { (u.username) } }
                            td { (layout::tags(&u.authorities)) }
                            td { @if u.enabled { "enabled" } @else { "disabled" } }
                        } } }
                    } }
                }
                @if may(Area::Users, Access::Update) { (super::members::new_user(&base, &csrf, problem)) }
            }
        }
    };
    Ok(html(status, layout::page(&format!("Tenant {tenant}"), &chrome, body)))
}

fn settings_card(t: &TenantView, base: &str, csrf: &str, editable: bool, problem: Option<(&str, &str)>) -> Markup {
    let values = [
        t.access_token_ttl,
        t.user_access_token_ttl,
        t.refresh_token_ttl,
        t.code_ttl,
        t.refresh_token_grace,
    ];
    let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let limit = t
        .max_active_tokens_per_client
        .map(|v| v.to_string())
        .unwrap_or_default();
    let policy = t.token_policy.map(|p| p.as_str()).unwrap_or("");
    let format = t.access_token_format.map(|f| f.as_str()).unwrap_or("");
    let audience = t.audience.as_ref().map(|a| a.as_str()).unwrap_or("");
    html! {
        section.card aria-labelledby="settings-h" {
            h2 id="settings-h" { "Settings" }
            @if editable {
                form method="post" action={ (base) "/settings" } {
                    (layout::csrf(csrf))
                    (field("Name", "name", &t.name, None, problem))
                    (field("Active tokens per client", "max_active_tokens_per_client", &limit, Some("empty: no limit"), problem))
                    @for ((label, name, hint), value) in LIFETIMES.iter().zip(values) {
                        (field(label, name, &text(value), Some(hint), problem))
                    }
                    label for="token_policy" { "Token policy" }
                    select id="token_policy" name="token_policy" {
                        @for (value, label) in [("", "default (multi)"), ("multi", "multi"), ("reuse", "reuse"), ("single_per_subject", "single per subject")] {
                            option value=(value) selected[policy == value] { (label) }
                        }
                    }
                    label for="access_token_format" { "Access token format" }
                    select id="access_token_format" name="access_token_format" {
                        @for (value, label) in [("", "default (opaque)"), ("opaque", "opaque"), ("jwt", "JWT (RFC 9068)")] {
                            option value=(value) selected[format == value] { (label) }
                        }
                    }
                    (field("JWT audience", "audience", audience, Some("empty: the client id"), problem))
                    div.actions { button type="submit" { "Save settings" } }
                }
            } @else {
                dl.facts {
                    dt { "Name" } dd { (t.name) }
                    dt { "Active tokens per client" } dd { @if limit.is_empty() { "no limit" } @else { (limit) } }
                    @for ((label, _, _), value) in LIFETIMES.iter().zip(values) { dt { (label) } dd { @if let Some(v) = value { (v) } @else { "default" } } }
                    dt { "Token policy" } dd { @if policy.is_empty() { "default" } @else { (policy) } }
                    dt { "Access token format" } dd { @if format.is_empty() { "default (opaque)" } @else { (format) } }
                    dt { "JWT audience" } dd { @if audience.is_empty() { "the client id" } @else { (audience) } }
                }
            }
        }
    }
}

pub async fn update(State(s): State<Arc<Service>>, console: Console, Path(tenant): Path<String>, form: Form) -> Page {
    let form = form.checked(&s, &console)?;
    let tenant = tenant_id(&tenant)?;
    let result = async {
        let mut body = Map::new();
        if let Some(name) = form.text("name") {
            body.insert("name".into(), name.into());
        }
        for name in LIFETIMES
            .iter()
            .map(|(_, n, _)| *n)
            .chain(["max_active_tokens_per_client"])
        {
            form.number(&mut body, name, true)?;
        }
        // An emptied choice goes back to the default (JSON null), as the admin API's PATCH reads it.
        for name in ["token_policy", "access_token_format", "audience"] {
            body.insert(name.into(), form.text(name).map_or(serde_json::Value::Null, Into::into));
        }
        let patch: TenantPatch = payload(body)?;
        s.update_tenant(&console.who, &tenant, patch).await
    }
    .await;
    match result {
        Ok(_) => {
            s.console_flash(&console.session, "Settings saved.".into());
            Ok(see_other(&format!("/console/t/{tenant}")))
        }
        Err(e) => failed(&s, &console, &tenant, e).await,
    }
}

pub(super) async fn failed(s: &Service, console: &Console, tenant: &TenantId, e: AdminError) -> Page {
    let outcome = Outcome {
        error: Some(e),
        secret: None,
    };
    render(s, console, tenant, outcome, StatusCode::BAD_REQUEST).await
}
