//! `GET /openapi.json`: an OpenAPI 3.1 document of every route, each documented operation served by
//! the router, every answer and error documented, and real answers fitting their schemas.

use crate::helpers::Response;
use crate::helpers::{spawn, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Every (method, path) the router serves, written out by hand to mirror `src/http/mod.rs`.
///
/// Both directions are checked, because each catches what the other cannot:
/// - this list ⊆ the document: a route added with a plain `.route()` instead of `routes!()` is
///   served but invisible to utoipa, so only a list kept outside the document can notice it is
///   missing there;
/// - the document ⊆ the router (`documented_operations_are_served`): every documented operation is
///   requested on the real router and must not get the fallback 404 or a 405, so a documented
///   path that the router does not serve (a typo, a wrong nesting prefix) fails too.
///
/// The list and the document must also be equal, so the list cannot go stale silently.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/oauth/token"),
    ("options", "/oauth/token"),
    ("options", "/oauth/introspect"),
    ("options", "/oauth/revoke"),
    ("options", "/oauth/revoke_token"),
    ("options", "/.well-known/oauth-authorization-server"),
    ("get", "/oauth/authorize"),
    ("post", "/oauth/authorize/login"),
    ("post", "/oauth/authorize/consent"),
    ("delete", "/admin/tenants/{tenant}/users/{user}/authorizations/{client}"),
    ("post", "/oauth/introspect"),
    ("get", "/oauth/check_token"),
    ("post", "/oauth/check_token"),
    ("post", "/oauth/revoke"),
    ("post", "/oauth/revoke_token"),
    ("get", "/.well-known/oauth-authorization-server"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/openapi.json"),
    ("post", "/admin/tenants"),
    ("get", "/admin/tenants"),
    ("get", "/admin/backup"),
    ("get", "/admin/tenants/{tenant}"),
    ("patch", "/admin/tenants/{tenant}"),
    ("delete", "/admin/tenants/{tenant}"),
    ("post", "/admin/tenants/{tenant}/clients"),
    ("get", "/admin/tenants/{tenant}/clients"),
    ("get", "/admin/tenants/{tenant}/clients/{client}"),
    ("patch", "/admin/tenants/{tenant}/clients/{client}"),
    ("delete", "/admin/tenants/{tenant}/clients/{client}"),
    ("post", "/admin/tenants/{tenant}/clients/{client}/secret"),
    ("post", "/admin/tenants/{tenant}/users"),
    ("get", "/admin/tenants/{tenant}/users"),
    ("get", "/admin/tenants/{tenant}/users/{user}"),
    ("patch", "/admin/tenants/{tenant}/users/{user}"),
    ("delete", "/admin/tenants/{tenant}/users/{user}"),
    ("get", "/admin/tenants/{tenant}/users/{user}/authorizations"),
    ("get", "/admin/tenants/{tenant}/clients/{client}/tokens"),
    ("post", "/admin/tenants/{tenant}/clients/{client}/tokens/revoke"),
    (
        "put",
        "/admin/tenants/{tenant}/clients/{client}/authorizations/{subject}",
    ),
    (
        "delete",
        "/admin/tenants/{tenant}/clients/{client}/authorizations/{subject}",
    ),
    ("get", "/admin/tokens/{id}"),
    ("patch", "/admin/tokens/{id}"),
    ("delete", "/admin/tokens/{id}"),
    ("post", "/admin/tokens/lookup"),
];

const METHODS: [&str; 6] = ["get", "put", "post", "delete", "patch", "options"];

async fn document(s: &TestApp) -> Value {
    let r = s.openapi().await;
    assert_eq!(r.status, 200);
    let content_type = r.header("content-type").unwrap();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    r.json
}

/// Every (method, path, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().unwrap() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}: unexpected key");
            all.push((method.clone(), path.clone(), operation));
        }
    }
    all
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("local reference");
            resolve(
                doc,
                doc.pointer(pointer).unwrap_or_else(|| panic!("dangling {reference}")),
            )
        }
        None => value,
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route() {
    let s = spawn().await;
    let doc = document(&s).await;
    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1"), "openapi {version}");
    assert_eq!(doc["info"]["title"], "Tessera");
    // The document is the one the library builds for tests and tools.
    let built = serde_json::to_value(tessera::http::openapi()).unwrap();
    assert_eq!(doc, built);

    let documented: BTreeSet<(String, String)> = operations(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
    let routed: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(undocumented.is_empty(), "served but not documented: {undocumented:?}");
    let unlisted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        unlisted.is_empty(),
        "documented but missing from ROUTES (add them): {unlisted:?}"
    );
}

#[tokio::test]
async fn documented_operations_are_served() {
    let s = spawn().await;
    let doc = document(&s).await;
    let fallback = json!({"error": "not_found", "error_description": "no such endpoint"});
    for (method, path, _) in operations(&doc) {
        let concrete = path
            .replace("{tenant}", "acme")
            .replace("{client}", "billing")
            .replace("{user}", "alice")
            .replace("{subject}", "alice")
            .replace("{id}", "AAAAAAAAAAAAAAAAAAAAAA");
        assert!(!concrete.contains('{'), "unexpected path parameter in {path}");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        // No credentials and no body: whatever the answer, it must come from the route's handler.
        let r = s.http.request(method.clone(), s.url(&concrete)).send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
        assert_ne!(status, 405, "{method} {path}: method not routed");
        assert!(
            !(status == 404 && body == fallback),
            "{method} {path}: not routed (fallback 404)"
        );
        assert!(status < 500, "{method} {path}: {status} {body}");
    }
}

#[tokio::test]
async fn every_operation_documents_its_bodies_errors_and_security() {
    let s = spawn().await;
    let doc = document(&s).await;
    let error_body = json!({"$ref": "#/components/schemas/ErrorBody"});
    let mut operation_ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let what = format!("{method} {path}");
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no operationId"));
        assert!(operation_ids.insert(id.to_string()), "{what}: operationId {id} twice");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{what}: no success answer"
        );
        for (status, response) in responses {
            let response = resolve(&doc, response);
            assert!(response["description"].is_string(), "{what} {status}: no description");
            if path.starts_with("/oauth/authorize") {
                // The authorization pages answer people: HTML, not JSON errors.
                if status.starts_with('4') {
                    assert!(
                        response["content"]["text/html"].is_object(),
                        "{what} {status}: not a page"
                    );
                }
            } else if status.starts_with('4') {
                assert_eq!(
                    response["content"]["application/json"]["schema"], error_body,
                    "{what} {status}: not an ErrorBody"
                );
            }
        }
        let security = op["security"].as_array();
        let body_type = op["requestBody"]["content"]
            .as_object()
            .map(|c| c.keys().cloned().collect::<Vec<_>>());
        if path.starts_with("/admin/") {
            assert_eq!(security, Some(&vec![json!({"bearer": []})]), "{what}: security");
            assert!(responses.contains_key("401"), "{what}: no 401");
            // Listing tenants takes no input that could be bad.
            if what != "get /admin/tenants" {
                assert!(responses.contains_key("400"), "{what}: no 400");
            }
            if ["post", "put", "patch"].contains(&method.as_str()) && !path.ends_with("/secret") {
                assert_eq!(body_type, Some(vec!["application/json".to_string()]), "{what}: body");
            }
        } else if path.starts_with("/oauth/authorize") {
            assert_eq!(security, None, "{what}: the browser carries no client credentials");
            assert!(responses.contains_key("400"), "{what}: no error page");
        } else if path.starts_with("/oauth/") && method != "options" {
            // (CORS preflights carry no credentials: they fall to the last arm.)
            assert_eq!(
                security,
                Some(&vec![json!({"basic": []}), json!({})]),
                "{what}: Basic, or credentials in the form"
            );
            assert!(responses.contains_key("400") && responses.contains_key("401"), "{what}");
            if method == "post" {
                assert_eq!(
                    body_type,
                    Some(vec!["application/x-www-form-urlencoded".to_string()]),
                    "{what}: body"
                );
            }
        } else {
            assert!(security.is_none(), "{what}: public");
        }
    }
    assert!(doc["paths"]["/oauth/token"]["post"]["responses"]["429"].is_object());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["basic"]["scheme"], "basic");
    // Each id's grammar is written once, on its schema, and the parameters refer to it.
    for (name, pattern) in [
        ("TenantId", "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"),
        ("ClientId", "^[A-Za-z0-9._~-]{1,128}$"),
        ("Username", "^[A-Za-z0-9._~@+-]{1,128}$"),
    ] {
        assert_eq!(doc["components"]["schemas"][name]["pattern"], pattern, "{name}");
    }
    let params = &doc["paths"]["/admin/tenants/{tenant}/clients/{client}"]["get"]["parameters"];
    let client = params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "client")
        .unwrap();
    assert_eq!(resolve(&doc, &client["schema"])["pattern"], "^[A-Za-z0-9._~-]{1,128}$");
    // Every reference resolves.
    fn walk(doc: &Value, value: &Value) {
        match value {
            Value::Object(map) => {
                if map.contains_key("$ref") {
                    resolve(doc, value);
                }
                map.values().for_each(|v| walk(doc, v));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(doc, v)),
            _ => {}
        }
    }
    walk(&doc, &doc);
}

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
