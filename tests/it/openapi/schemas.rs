//! Real answers fit the schemas the document gives them.

use super::{document, resolve};
use crate::helpers::{spawn, Response};
use reqwest::Method;
use serde_json::{json, Value};

/// Whether `schema` admits JSON `null`.
fn admits_null(doc: &Value, schema: &Value) -> bool {
    let schema = resolve(doc, schema);
    match &schema["type"] {
        Value::String(t) => t == "null",
        Value::Array(types) => types.contains(&json!("null")),
        _ => schema["oneOf"]
            .as_array()
            .is_some_and(|alternatives| alternatives.iter().any(|a| admits_null(doc, a))),
    }
}

/// A shallow conformance check of a real answer (schemathesis in `.ci/run` does the full one):
/// every required member is there, every member is documented, and `null` only where allowed.
fn check_against(doc: &Value, schema_name: &str, answer: &Value) {
    let schema = &doc["components"]["schemas"][schema_name];
    let properties = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{schema_name}"));
    for required in schema["required"].as_array().into_iter().flatten() {
        let name = required.as_str().unwrap();
        assert!(
            answer.get(name).is_some(),
            "{schema_name}.{name} required but absent: {answer}"
        );
    }
    for (name, value) in answer.as_object().unwrap() {
        let property = properties
            .get(name)
            .unwrap_or_else(|| panic!("{schema_name}.{name} is not documented: {answer}"));
        if value.is_null() {
            assert!(
                admits_null(doc, property),
                "{schema_name}.{name} is null but not nullable"
            );
        }
    }
}

#[tokio::test]
async fn real_answers_fit_their_schemas() {
    let s = spawn().await;
    let doc = document(&s).await;
    // Everything left to inherit, so the answers are full of nulls.
    s.create_tenant(json!({"id": "acme"})).await;
    let secret = s
        .create_client("acme", json!({"client_id": "billing", "scopes": ["read"], "grant_types": ["client_credentials", "password", "refresh_token"]}))
        .await;
    s.create_user("acme", "alice", "correct horse", &[]).await;

    let Response { json: tenant, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    check_against(&doc, "TenantView", &tenant);
    let Response { json: client, .. } = s.get_client("acme", "billing").await;
    check_against(&doc, "ClientView", &client);
    let Response { json: regenerated, .. } = s
        .admin(Method::POST, "/admin/tenants/acme/clients/billing/secret", None)
        .await;
    check_against(&doc, "ClientView", &regenerated);
    let secret = regenerated["client_secret"].as_str().unwrap_or(&secret).to_string();
    let Response { json: user, .. } = s.admin(Method::GET, "/admin/tenants/acme/users/alice", None).await;
    check_against(&doc, "UserView", &user);

    let Response {
        status, json: issued, ..
    } = s
        .token(
            ("billing", &secret),
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    check_against(&doc, "TokenResponse", &issued);
    let access = issued["access_token"].as_str().unwrap();

    let Response { json: token, .. } = s.lookup_token(access).await;
    check_against(&doc, "TokenView", &token);
    let Response { json: list, .. } = s
        .admin(Method::GET, "/admin/tenants/acme/clients/billing/tokens", None)
        .await;
    check_against(&doc, "TokenList", &list);
    check_against(&doc, "TokenView", &list["tokens"][0]);
    let Response {
        json: authorizations, ..
    } = s
        .admin(Method::GET, "/admin/tenants/acme/users/alice/authorizations", None)
        .await;
    check_against(&doc, "AuthorizationView", &authorizations[0]);

    let Response {
        status, json: error, ..
    } = s.admin(Method::GET, "/admin/tenants/nope", None).await;
    assert_eq!(status, 404);
    check_against(&doc, "ErrorBody", &error);
    let Response {
        status, json: error, ..
    } = s
        .token(("billing", "wrong"), &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 401);
    check_against(&doc, "ErrorBody", &error);

    let introspection = s.introspect(("billing", &secret), access).await.json;
    check_against(&doc, "Introspection", &introspection);
    let metadata = s.metadata().await.json;
    check_against(&doc, "ServerMetadata", &metadata);
}
