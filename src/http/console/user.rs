//! The user page: authorities, enable or disable, a new password; the clients the user holds
//! tokens for or consented to, with rescope and revoke (Authlete's client-authorization update).

use super::form::{field_error, payload};
use super::layout::{self, field, tags, time};
use super::tenant::tenant_id;
use super::{html, see_other, Console, Form, Page};
use crate::model::{ClientId, Username};
use crate::service::admin::{Access, AdminError, Area};
use crate::service::Service;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::html;
use serde_json::{Map, Value};
use std::sync::Arc;

fn username(raw: &str) -> Result<Username, AdminError> {
    Username::parse(raw.to_string()).map_err(|_| AdminError::NotFound("user"))
}

pub async fn page(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, user)): Path<(String, String)>,
) -> Page {
    render(&s, &console, &tenant, &user, None, StatusCode::OK).await
}

async fn render(
    s: &Service,
    console: &Console,
    tenant: &str,
    user: &str,
    error: Option<AdminError>,
    status: StatusCode,
) -> Page {
    let (tenant, user) = (tenant_id(tenant)?, username(user)?);
    let who = &console.who;
    let u = s.get_user(who, &tenant, &user).await?;
    let authorizations = match who.may(&tenant, Area::Tokens, Access::Read) {
        true => Some(s.user_authorizations(who, &tenant, &user).await?),
        false => None,
    };
    let (edit_user, edit_tokens) = (
        who.may(&tenant, Area::Users, Access::Update),
        who.may(&tenant, Area::Tokens, Access::Update),
    );
    let csrf = console.csrf(s);
    let problem = error.as_ref().and_then(field_error);
    let base = format!("/console/t/{tenant}/users/{user}");
    let chrome = console.chrome(&csrf, &tenant, s.console_take_flash(&console.session));
    let body = html! {
        p.crumbs { a href={ "/console/t/" (tenant) } { "Tenant " (tenant) } " / User" }
        h1 { "User " (u.username) }
        @if let Some(e) = error.as_ref().filter(|_| problem.is_none()) { div.notice.error role="alert" { (super::words(e)) } }
        section.card aria-labelledby="account-h" {
            h2 id="account-h" { "Account" }
            @if edit_user {
                form method="post" action=(base) {
                    (layout::csrf(&csrf))
                    (field("Authorities", "authorities", &u.authorities.join(" "), Some("separated by spaces"), problem))
                    label.check { input type="checkbox" name="enabled" value="true" checked[u.enabled]; "Enabled (may sign in)" }
                    label for="password" { "New password " span.hint { "empty: unchanged" } }
                    input type="password" id="password" name="password" autocomplete="new-password";
                    @if let Some((_, message)) = problem.filter(|(f, _)| *f == "password") { p.field-error { (message) } }
                    div.actions { button type="submit" { "Save user" } }
                }
            } @else {
                dl.facts {
                    dt { "Authorities" } dd { (tags(&u.authorities)) }
                    dt { "Status" } dd { @if u.enabled { "enabled" } @else { "disabled" } }
                }
            }
        }
        @if let Some(list) = &authorizations {
            section.card aria-labelledby="auth-h" {
                h2 id="auth-h" { "Authorizations" }
                @if list.is_empty() {
                    p.empty { "This user has not authorized any client yet." }
                } @else {
                    div.scroll { table {
                        thead { tr { th scope="col" { "Client" } th scope="col" { "Scopes" } th scope="col" { "Active tokens" } th scope="col" { "Consent" } @if edit_tokens { th scope="col" { "Actions" } } } }
                        tbody { @for a in list { tr {
                            td { code { (a.client_id) } }
                            td { (tags(&a.scopes)) }
                            td { (a.token_count) }
                            td { @if let Some(c) = &a.consent { (time(Some(c.granted_at))) } @else { "none" } }
                            @if edit_tokens { td {
                                form method="post" action={ (base) "/authorizations/" (a.client_id) } {
                                    (layout::csrf(&csrf))
                                    label for={ "scopes-" (a.client_id) } { "Scopes" }
                                    input type="text" id={ "scopes-" (a.client_id) } name="scopes" value=(a.scopes.join(" "));
                                    div.actions { button.secondary type="submit" { "Rescope" } }
                                }
                                details {
                                    summary { "Revoke…" }
                                    p { "Revokes the user's tokens for this client and forgets the consent." }
                                    form method="post" action={ (base) "/authorizations/" (a.client_id) "/revoke" } {
                                        (layout::csrf(&csrf))
                                        button.danger type="submit" { "Revoke authorization" }
                                    }
                                }
                            } }
                        } } }
                    } }
                }
            }
        }
    };
    Ok(html(status, layout::page(&format!("User {user}"), &chrome, body)))
}

pub async fn update(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, user)): Path<(String, String)>,
    form: Form,
) -> Page {
    let form = form.checked(&s, &console)?;
    let result = async {
        let mut body = Map::new();
        body.insert("authorities".into(), form.list("authorities").into());
        body.insert("enabled".into(), Value::Bool(form.get("enabled") == Some("true")));
        if let Some(password) = form.get("password").filter(|p| !p.is_empty()) {
            body.insert("password".into(), password.into());
        }
        s.update_user(&console.who, &tenant_id(&tenant)?, &username(&user)?, payload(body)?)
            .await
    }
    .await;
    match result {
        Ok(_) => {
            s.console_flash(&console.session, "User saved.".into());
            Ok(see_other(&format!(
                "/console/t/{}/users/{}",
                tenant_id(&tenant)?,
                username(&user)?
            )))
        }
        Err(e) => render(&s, &console, &tenant, &user, Some(e), StatusCode::BAD_REQUEST).await,
    }
}

fn pair(tenant: &str, user: &str, client: &str) -> Result<(crate::model::TenantId, Username, ClientId), AdminError> {
    let client = ClientId::parse(client.to_string()).map_err(|_| AdminError::NotFound("client"))?;
    Ok((tenant_id(tenant)?, username(user)?, client))
}

pub async fn rescope(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, user, client)): Path<(String, String, String)>,
    form: Form,
) -> Page {
    let form = form.checked(&s, &console)?;
    let (tenant, user, client) = pair(&tenant, &user, &client)?;
    let mut body = Map::new();
    body.insert("scopes".into(), form.list("scopes").into());
    let result = match payload(body) {
        Ok(scopes) => {
            s.set_authorization_scopes(&console.who, &tenant, &client, &user, scopes)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(n) => {
            s.console_flash(&console.session, format!("Scopes set on {n} tokens."));
            Ok(see_other(&format!("/console/t/{tenant}/users/{user}")))
        }
        Err(e) => render(&s, &console, &tenant, &user, Some(e), StatusCode::BAD_REQUEST).await,
    }
}

pub async fn revoke(
    State(s): State<Arc<Service>>,
    console: Console,
    Path((tenant, user, client)): Path<(String, String, String)>,
    form: Form,
) -> Page {
    form.checked(&s, &console)?;
    let (tenant, user, client) = pair(&tenant, &user, &client)?;
    let n = s.revoke_authorization(&console.who, &tenant, &client, &user).await?;
    s.console_flash(
        &console.session,
        format!("Authorization withdrawn; {n} tokens revoked."),
    );
    Ok(see_other(&format!("/console/t/{tenant}/users/{user}")))
}
