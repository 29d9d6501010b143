//! The application (client) page, WSO2's keys tab: the client's settings, a new secret (shown
//! once), an access token generated here (shown once), and its active tokens with paging.

use super::form::payload;
use super::layout::{self, tags, time, usage};
use super::tenant::tenant_id;
use super::{html, Console, Form, Page};
use crate::model::{ClientId, TenantId};
use crate::service::admin::app_tokens::NewAppToken;
use crate::service::admin::tokens::TokenListQuery;
use crate::service::admin::{Access, AdminError, Area};
use crate::service::Service;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Map;
use std::sync::Arc;

/// Tokens per page.
const PAGE: usize = 20;

#[derive(Deserialize, Default)]
pub struct Paging {
    cursor: Option<String>,
}

pub(super) fn ids(tenant: &str, client: &str) -> Result<(TenantId, ClientId), AdminError> {
    let client = ClientId::parse(client.to_string()).map_err(|_| AdminError::NotFound("client"))?;
    Ok((tenant_id(tenant)?, client))
}

pub async fn page(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, client)): Path<(String, String)>,
    Query(paging): Query<Paging>,
) -> Page {
    let (tenant, client) = ids(&tenant, &client)?;
    render(
        &s,
        &console,
        &tenant,
        &client,
        paging.cursor,
        Notice::None,
        StatusCode::OK,
    )
    .await
}

/// What a post on this page has to say.
enum Notice {
    None,
    Secret(String),
    Token {
        value: String,
        expires_at: Option<i64>,
        scopes: Vec<String>,
    },
    Error(AdminError),
}

async fn render(
    s: &Service,
    console: &Console,
    tenant: &TenantId,
    client: &ClientId,
    cursor: Option<String>,
    notice: Notice,
    status: StatusCode,
) -> Page {
    let who = &console.who;
    let may = |area, access| who.may(tenant, area, access);
    let details = match may(Area::Clients, Access::Read) {
        true => Some(s.get_client(who, tenant, client).await?),
        false => None,
    };
    let tokens = match may(Area::Tokens, Access::Read) {
        true => {
            let q = TokenListQuery {
                limit: Some(PAGE),
                cursor,
                ..Default::default()
            };
            Some(s.list_client_tokens(who, tenant, client, q).await?)
        }
        false => None,
    };
    if details.is_none() && tokens.is_none() {
        return Err(AdminError::Forbidden("not this tenant").into());
    }
    let csrf = console.csrf(s);
    let base = format!("/console/t/{tenant}/clients/{client}");
    let manage_tokens = may(Area::Tokens, Access::Update);
    let chrome = console.chrome(&csrf, tenant, s.console_take_flash(&console.session));
    let body = html! {
        p.crumbs { a href={ "/console/t/" (tenant) } { "Tenant " (tenant) } " / Client" }
        h1 { "Client " code { (client) } }
        @match &notice {
            Notice::None => {},
            Notice::Secret(secret) => (layout::shown_once("New client secret", "client-secret", secret)),
            Notice::Token { value, expires_at, scopes } => {
                (layout::shown_once("New access token", "access-token", value))
                p { "The new token expires " (time(*expires_at)) " and carries the scopes: " (scopes.join(" ")) "." }
            },
            Notice::Error(e) => div.notice.error role="alert" { (super::words(e)) },
        }
        @if let Some(c) = &details {
            section.card aria-labelledby="client-h" {
                h2 id="client-h" { (c.name) }
                dl.facts {
                    dt { "Client id" } dd { code { (c.client_id) } }
                    dt { "Type" } dd { @if c.public { "public (no secret)" } @else { "confidential" } }
                    dt { "Grant types" } dd { @for g in &c.grant_types { (g.as_str()) " " } }
                    dt { "Scopes" } dd { (tags(&c.scopes)) }
                    dt { "Redirect URIs" } dd { (tags(&c.redirect_uris)) }
                    dt { "Authorities" } dd { (tags(&c.authorities)) }
                    dt { "Token limit" } dd { @if let Some(n) = c.max_active_tokens { (n) } @else { "the tenant's" } }
                }
                @if may(Area::Clients, Access::Update) && !c.public {
                    details {
                        summary { "Regenerate the secret" }
                        p { "The current secret stops working at once; applications using it fail until they get the new one." }
                        form method="post" action={ (base) "/secret" } {
                            (layout::csrf(&csrf))
                            button.danger type="submit" { "Regenerate the secret now" }
                        }
                    }
                }
            }
        }
        @if manage_tokens {
            (generate_form(&base, &csrf, details.as_ref().map(|c| c.scopes.as_slice()).unwrap_or_default()))
        }
        @if let Some(list) = &tokens {
            section.card aria-labelledby="tokens-h" {
                h2 id="tokens-h" { "Active tokens" }
                p { "Active access tokens: " (usage(list.active_count, list.max_active_tokens)) }
                @if list.tokens.is_empty() {
                    p.empty { "No active tokens. " @if manage_tokens { "Generate one above, or let the application request one." } }
                } @else {
                    div.scroll { table.stack {
                        thead { tr {
                            th scope="col" { "Kind" } th scope="col" { "Subject" } th scope="col" { "Scopes" }
                            th scope="col" .hide-narrow { "Issued" } th scope="col" { "Expires" }
                            th scope="col" .hide-narrow { "Properties" }
                            @if manage_tokens { th scope="col" { "Actions" } }
                        } }
                        tbody { @for t in &list.tokens { tr {
                            td data-label="Kind" { (t.kind.as_str()) }
                            td data-label="Subject" { @if let Some(subject) = &t.subject { (subject) } @else { span.hint { "application" } } }
                            td data-label="Scopes" { (tags(&t.scopes)) }
                            td.hide-narrow { (time(Some(t.issued_at))) }
                            td data-label="Expires" { (time(t.expires_at)) }
                            td.hide-narrow { @if let Some(p) = &t.properties { code { (serde_json::Value::Object(p.clone())) } } }
                            @if manage_tokens { td { div.actions {
                                a.button.secondary href={ "/console/t/" (tenant) "/tokens/" (t.id) } aria-label={ "Edit token " (t.id) } { "Edit" }
                                form.inline method="post" action={ "/console/t/" (tenant) "/tokens/" (t.id) "/revoke" } {
                                    (layout::csrf(&csrf))
                                    input type="hidden" name="client" value=(client);
                                    button.danger type="submit" aria-label={ "Revoke token " (t.id) } { "Revoke" }
                                }
                            } } }
                        } } }
                    } }
                }
                div.actions {
                    @if let Some(next) = &list.next_cursor {
                        a.button.secondary href={ (base) "?cursor=" (next) } { "Next page" }
                    }
                    @if manage_tokens && !list.tokens.is_empty() {
                        a.button.secondary href={ (base) "/revoke-all" } { "Revoke all tokens…" }
                    }
                }
            }
        }
    };
    Ok(html(status, layout::page(&format!("Client {client}"), &chrome, body)))
}

fn generate_form(base: &str, csrf: &str, scopes: &[String]) -> Markup {
    html! {
        section.card aria-labelledby="generate-h" {
            h2 id="generate-h" { "Generate an access token" }
            form method="post" action={ (base) "/tokens" } {
                (layout::csrf(csrf))
                label for="expires_in" { "Validity (seconds) " span.hint { "empty: the client's lifetime; negative: never expires" } }
                input type="number" id="expires_in" name="expires_in";
                @if !scopes.is_empty() {
                    fieldset { legend { "Scopes" }
                        @for scope in scopes { label.check { input type="checkbox" name="scopes" value=(scope) checked; (scope) } }
                    }
                }
                label for="extra_scopes" { "Device scopes " span.hint { "device_… names, separated by spaces" } }
                input type="text" id="extra_scopes" name="extra_scopes";
                div.actions { button type="submit" { "Generate token" } }
            }
        }
    }
}

pub async fn regenerate(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, client)): Path<(String, String)>,
    form: Form,
) -> Page {
    form.checked(&s, &console)?;
    let (tenant, client) = ids(&tenant, &client)?;
    let notice = match s.regenerate_secret(&console.who, &tenant, &client).await {
        Ok(view) => Notice::Secret(view.client_secret.unwrap_or_default()),
        Err(e) => Notice::Error(e),
    };
    render(&s, &console, &tenant, &client, None, notice, StatusCode::OK).await
}

pub async fn generate(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, client)): Path<(String, String)>,
    form: Form,
) -> Page {
    let form = form.checked(&s, &console)?;
    let (tenant, client) = ids(&tenant, &client)?;
    let result = async {
        let mut body = Map::new();
        form.number(&mut body, "expires_in", false)?;
        let mut scopes = form.list("scopes");
        scopes.extend(form.list("extra_scopes"));
        body.insert("scopes".into(), scopes.into());
        let new: NewAppToken = payload(body)?;
        s.create_client_token(&console.who, &tenant, &client, new).await
    }
    .await;
    let (notice, status) = match result {
        Ok(t) => (
            Notice::Token {
                value: t.access_token,
                expires_at: t.expires_at,
                scopes: t.scopes,
            },
            StatusCode::CREATED,
        ),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (Notice::Error(e), status)
        }
    };
    render(&s, &console, &tenant, &client, None, notice, status).await
}
