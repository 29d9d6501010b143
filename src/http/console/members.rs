//! The tenant page's forms for new clients and users, and the way to a client by its id for
//! users who may read tokens but not list clients.

use super::form::payload;
use super::layout::{self, field};
use super::tenant::{failed, render, tenant_id, Outcome, GRANTS};
use super::{see_other, Console, Form, Page};
use crate::service::Service;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use serde_json::Map;
use std::sync::Arc;

pub(super) fn new_client(base: &str, csrf: &str, problem: Option<(&str, &str)>) -> Markup {
    html! {
        details {
            summary { "New client" }
            form method="post" action={ (base) "/clients" } {
                (layout::csrf(csrf))
                (field("Client id", "client_id", "", Some("empty: generated"), problem))
                (field("Name", "name", "", None, problem))
                fieldset { legend { "Grant types" }
                    @for g in GRANTS { label.check { input type="checkbox" name="grant_types" value=(g) checked[g == "client_credentials"]; (g) } }
                }
                (field("Scopes", "scopes", "", Some("separated by spaces"), problem))
                (field("Redirect URIs", "redirect_uris", "", Some("separated by spaces"), problem))
                (field("Authorities", "authorities", "", Some("separated by spaces"), problem))
                div.actions { button type="submit" { "Create client" } }
            }
        }
    }
}

pub(super) fn new_user(base: &str, csrf: &str, problem: Option<(&str, &str)>) -> Markup {
    html! {
        details {
            summary { "New user" }
            form method="post" action={ (base) "/users" } {
                (layout::csrf(csrf))
                (field("Username", "username", "", None, problem))
                label for="password" { "Password" }
                input type="password" id="password" name="password" autocomplete="new-password" required;
                (field("Authorities", "authorities", "", Some("separated by spaces"), problem))
                div.actions { button type="submit" { "Create user" } }
            }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct OpenClient {
    client: String,
}

/// `GET /console/t/{tenant}/clients?client=…`: the "show its tokens" form, for users who may read
/// tokens but not list clients.
pub async fn open_client(Path(tenant): Path<String>, Query(q): Query<OpenClient>) -> Response {
    let client: String = form_urlencoded::byte_serialize(q.client.trim().as_bytes()).collect();
    see_other(&format!(
        "/console/t/{}/clients/{client}",
        tenant_id(&tenant).map_or(String::new(), |t| t.to_string())
    ))
}

pub async fn create_client(
    State(s): State<Arc<Service>>,
    console: Console,
    Path(tenant): Path<String>,
    form: Form,
) -> Page {
    let form = form.checked(&s, &console)?;
    let tenant = tenant_id(&tenant)?;
    let result = async {
        let mut body = Map::new();
        for name in ["client_id", "name"] {
            if let Some(v) = form.text(name) {
                body.insert(name.into(), v.into());
            }
        }
        for name in ["grant_types", "scopes", "redirect_uris", "authorities"] {
            body.insert(name.into(), form.list(name).into());
        }
        s.create_client(&console.who, &tenant, payload(body)?).await
    }
    .await;
    match result {
        Ok(c) => {
            let secret = c.client_secret.map(|secret| (c.client_id, secret));
            render(
                &s,
                &console,
                &tenant,
                Outcome { error: None, secret },
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => failed(&s, &console, &tenant, e).await,
    }
}

pub async fn create_user(
    State(s): State<Arc<Service>>,
    console: Console,
    Path(tenant): Path<String>,
    form: Form,
) -> Page {
    let form = form.checked(&s, &console)?;
    let tenant = tenant_id(&tenant)?;
    let result = async {
        let mut body = Map::new();
        body.insert("username".into(), form.text("username").unwrap_or_default().into());
        body.insert("password".into(), form.get("password").unwrap_or_default().into());
        body.insert("authorities".into(), form.list("authorities").into());
        s.create_user(&console.who, &tenant, payload(body)?).await
    }
    .await;
    match result {
        Ok(u) => {
            s.console_flash(&console.session, format!("User {} created.", u.username));
            Ok(see_other(&format!("/console/t/{tenant}")))
        }
        Err(e) => failed(&s, &console, &tenant, e).await,
    }
}
