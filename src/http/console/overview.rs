//! Overview (server admins): tenants with their active-token counts, the hot routes' charts, and
//! a new tenant.

use super::form::{field_error, payload};
use super::layout::{self, field};
use super::{charts, html, see_other, Console, Form, Page};
use crate::service::admin::tenants::NewTenant;
use crate::service::admin::AdminError;
use crate::service::Service;
use axum::extract::State;
use axum::http::StatusCode;
use maud::html;
use serde_json::Map;
use std::sync::Arc;

pub async fn page(State(s): State<Arc<Service>>, console: Console) -> Page {
    render(&s, &console, None, StatusCode::OK).await
}

async fn render(s: &Service, console: &Console, error: Option<&AdminError>, status: StatusCode) -> Page {
    let tenants = s.tenant_stats(&console.who).await?;
    let stats = s.request_stats(&console.who)?;
    let csrf = console.csrf(s);
    let chrome = console.chrome(&csrf, "overview", s.console_take_flash(&console.session));
    let problem = error.and_then(field_error);
    let body = html! {
        h1 { "Overview" }
        div.grid {
            @for route in &stats.routes {
                (charts::route(route_title(route.name), &route.samples))
            }
        }
        section.card aria-labelledby="tenants-h" {
            h2 id="tenants-h" { "Tenants" }
            div.scroll {
                table {
                    thead { tr { th scope="col" { "Tenant" } th scope="col" { "Name" } th scope="col" { "Active access tokens" } } }
                    tbody {
                        @for t in &tenants {
                            tr {
                                td { a href={ "/console/t/" (t.id) } { code { (t.id) } } }
                                td { (t.name) }
                                td { (t.active_access_tokens) }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="new-tenant-h" {
            h2 id="new-tenant-h" { "New tenant" }
            @if let Some(e) = error.filter(|_| problem.is_none()) {
                div.notice.error role="alert" { (super::words(e)) }
            }
            form method="post" action="/console/tenants" {
                (layout::csrf(&csrf))
                (field("Tenant id", "id", "", Some("lowercase letters, digits and hyphens"), problem))
                (field("Name", "name", "", None, problem))
                (field("Active tokens per client", "max_active_tokens_per_client", "", Some("empty: no limit"), problem))
                div.actions { button type="submit" { "Create tenant" } }
            }
        }
    };
    Ok(html(status, layout::page("Overview", &chrome, body)))
}

fn route_title(name: &str) -> &'static str {
    match name {
        "token" => "Get token (/oauth/token)",
        "introspect" => "Introspect (/oauth/introspect)",
        _ => "Check token (/oauth/check_token)",
    }
}

pub async fn create_tenant(State(s): State<Arc<Service>>, console: Console, form: Form) -> Page {
    let form = form.checked(&s, &console)?;
    let mut body = Map::new();
    let result = async {
        body.insert("id".into(), form.text("id").unwrap_or_default().into());
        if let Some(name) = form.text("name") {
            body.insert("name".into(), name.into());
        }
        form.number(&mut body, "max_active_tokens_per_client", false)?;
        let new: NewTenant = payload(body)?;
        s.create_tenant(&console.who, new).await
    }
    .await;
    match result {
        Ok(t) => {
            s.console_flash(&console.session, format!("Tenant {} created. Add a client next.", t.id));
            Ok(see_other(&format!("/console/t/{}", t.id)))
        }
        Err(e) => render(&s, &console, Some(&e), StatusCode::BAD_REQUEST).await,
    }
}
