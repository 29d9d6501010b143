//! The document is OpenAPI 3.1, lists every route, and every documented operation is served.

use super::{document, operations};
use crate::helpers::spawn;
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
    ("post", "/admin/tenants/{tenant}/clients/{client}/tokens"),
    ("get", "/admin/stats/requests"),
    ("get", "/admin/stats/tenants"),
    ("get", "/admin/store"),
    ("post", "/admin/store/purge"),
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
    ("get", "/.well-known/jwks.json"),
    ("get", "/admin/keys/signing"),
    ("post", "/admin/keys/signing"),
];

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
