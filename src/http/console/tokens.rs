//! One token: edit its scopes, expiry and properties (Authlete's token update), revoke it; and
//! revoking all of a client's tokens after a confirmation page.

use super::form::{field_error, payload};
use super::layout::{self, field, time};
use super::tenant::tenant_id;
use super::{html, see_other, Console, Form, Page};
use crate::model::ClientId;
use crate::service::admin::tokens::RevokeTokens;
use crate::service::admin::AdminError;
use crate::service::Service;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::html;
use serde_json::{Map, Value};
use std::sync::Arc;

fn back(tenant: &str, client: &str) -> String {
    format!("/console/t/{tenant}/clients/{client}")
}

pub async fn edit(State(s): State<Arc<Service>>, console: Console, Path((tenant, id)): Path<(String, String)>) -> Page {
    render(&s, &console, &tenant, &id, None, StatusCode::OK).await
}

async fn render(
    s: &Service,
    console: &Console,
    tenant: &str,
    id: &str,
    error: Option<AdminError>,
    status: StatusCode,
) -> Page {
    let tenant = tenant_id(tenant)?;
    let t = s.get_token_admin(&console.who, id).await?;
    if t.tenant != tenant.as_str() {
        return Err(AdminError::NotFound("token").into());
    }
    let csrf = console.csrf(s);
    let problem = error.as_ref().and_then(field_error);
    let properties = t
        .properties
        .clone()
        .map(|p| Value::Object(p).to_string())
        .unwrap_or_default();
    let expires = t.expires_at.map(|e| e.to_string()).unwrap_or_else(|| "never".into());
    let chrome = console.chrome(&csrf, &tenant, None);
    let body = html! {
        p.crumbs { a href=(back(&tenant, &t.client_id)) { "Client " (t.client_id) } " / Token" }
        h1 { "Token " code { (t.id) } }
        @if let Some(e) = error.as_ref().filter(|_| problem.is_none()) { div.notice.error role="alert" { (super::words(e)) } }
        section.card {
            dl.facts {
                dt { "Subject" } dd { @if let Some(u) = &t.subject { (u) } @else { "application" } }
                dt { "Issued" } dd { (time(Some(t.issued_at))) }
                dt { "Expires" } dd { (time(t.expires_at)) }
            }
            form method="post" action={ "/console/t/" (tenant) "/tokens/" (t.id) } {
                (layout::csrf(&csrf))
                (field("Scopes", "scopes", &t.scopes.join(" "), Some("separated by spaces"), problem))
                (field("Expires at", "expires_at", &expires, Some("Unix seconds, or never"), problem))
                (field("Properties", "properties", &properties, Some("a JSON object; empty removes them"), problem))
                div.actions {
                    button type="submit" { "Save token" }
                    a.button.secondary href=(back(&tenant, &t.client_id)) { "Cancel" }
                }
            }
        }
    };
    Ok(html(status, layout::page("Edit token", &chrome, body)))
}

pub async fn update(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, id)): Path<(String, String)>,
    form: Form,
) -> Page {
    let form = form.checked(&s, &console)?;
    let result = async {
        let mut body = Map::new();
        body.insert("scopes".into(), form.list("scopes").into());
        // Empty keeps the expiry; `never` takes it away.
        let expires = match form.text("expires_at") {
            None => None,
            Some("never") => Some(Value::Null),
            Some(v) => Some(
                v.parse::<i64>()
                    .map(Value::from)
                    .map_err(|_| AdminError::Invalid("expires_at: a Unix time in seconds, or never".into()))?,
            ),
        };
        if let Some(expires) = expires {
            body.insert("expires_at".into(), expires);
        }
        let properties = match form.text("properties") {
            None => Value::Null,
            Some(text) => serde_json::from_str(text)
                .map_err(|_| AdminError::Invalid("properties: must be a JSON object".into()))?,
        };
        body.insert("properties".into(), properties);
        s.update_token_admin(&console.who, &id, payload(body)?).await
    }
    .await;
    match result {
        Ok(t) => {
            s.console_flash(&console.session, "Token saved.".into());
            Ok(see_other(&back(&tenant, &t.client_id)))
        }
        Err(e) => render(&s, &console, &tenant, &id, Some(e), StatusCode::BAD_REQUEST).await,
    }
}

pub async fn revoke(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, id)): Path<(String, String)>,
    form: Form,
) -> Page {
    let form = form.checked(&s, &console)?;
    s.delete_token_admin(&console.who, &id).await?;
    s.console_flash(&console.session, "Token revoked.".into());
    let client = form.text("client").and_then(|c| ClientId::parse(c.into()).ok());
    Ok(match client {
        Some(client) => see_other(&back(&tenant_id(&tenant)?, &client)),
        None => see_other(&format!("/console/t/{}", tenant_id(&tenant)?)),
    })
}

/// The confirmation step before every token of a client is revoked.
pub async fn confirm_all(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, client)): Path<(String, String)>,
) -> Page {
    let (tenant, client) = super::client::ids(&tenant, &client)?;
    let q = crate::service::admin::tokens::TokenListQuery {
        limit: Some(1),
        ..Default::default()
    };
    let list = s.list_client_tokens(&console.who, &tenant, &client, q).await?;
    let csrf = console.csrf(&s);
    let chrome = console.chrome(&csrf, &tenant, None);
    let body = html! {
        h1 { "Revoke every token of " code { (client) } "?" }
        section.card {
            p { "All " strong { (list.active_count) " active access tokens" } " and every refresh token of this client stop working at once. Applications must get new ones. This cannot be undone." }
            form method="post" action={ (back(&tenant, &client)) "/revoke-all" } {
                (layout::csrf(&csrf))
                div.actions {
                    button.danger type="submit" { "Yes, revoke all tokens" }
                    a.button.secondary href=(back(&tenant, &client)) { "Cancel" }
                }
            }
        }
    };
    Ok(html(StatusCode::OK, layout::page("Revoke all tokens", &chrome, body)))
}

pub async fn revoke_all(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, client)): Path<(String, String)>,
    form: Form,
) -> Page {
    form.checked(&s, &console)?;
    let (tenant, client) = super::client::ids(&tenant, &client)?;
    let revoked = s
        .revoke_client_tokens_admin(&console.who, &tenant, &client, RevokeTokens::default())
        .await?;
    s.console_flash(&console.session, format!("{revoked} tokens revoked."));
    Ok(see_other(&back(&tenant, &client)))
}
