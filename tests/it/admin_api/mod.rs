//! The admin API over HTTP: tenants, clients, users, who may call what, and errors (never a 500).

mod bearer;
mod clients;
mod errors;
mod operations;
mod permissions;
mod revocation;
mod tenant_admin;
mod tenant_errors;
mod tenants;
mod users;

use crate::helpers::TestApp;
use serde_json::{json, Value};

pub(super) fn description(body: &Value) -> &str {
    body["error_description"].as_str().unwrap_or_default()
}

/// Asserts a 400 whose `error_description` names `field`.
#[track_caller]
pub(super) fn assert_bad(status: u16, body: &Value, field: &str) {
    assert_eq!(status, 400, "expected 400 naming {field}, got {status}: {body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(
        description(body).contains(field),
        "error_description should name {field}: {body}"
    );
}

/// Asserts an error answer with this status and a JSON `error` member.
#[track_caller]
pub(super) fn assert_error(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["error"].is_string(),
        "error answers are JSON with an `error` member: {body}"
    );
}

pub(super) async fn tenant(s: &TestApp, id: &str) {
    s.create_tenant(json!({"id": id, "name": format!("{id} corp")})).await;
}

/// A confidential client with these grants and authorities; returns its secret.
pub(super) async fn client(s: &TestApp, tenant: &str, id: &str, grants: &[&str], authorities: &[&str]) -> String {
    s.create_client(
        tenant,
        json!({"client_id": id, "grant_types": grants, "authorities": authorities}),
    )
    .await
}

pub(super) fn assert_no_password(body: &Value, password: &str) {
    let text = body.to_string();
    assert!(!text.contains("\"password\""), "a password field leaked: {text}");
    assert!(!text.contains(password), "the password leaked: {text}");
}

pub(super) const PASSWORD: &str = "correct horse battery staple";
