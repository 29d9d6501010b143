//! `GET /openapi.json`: an OpenAPI 3.1 document of every route, each documented operation served by
//! the router, every answer and error documented, and real answers fitting their schemas.

mod operations;
mod routes;
mod schemas;

use crate::helpers::TestApp;
use serde_json::Value;

const METHODS: [&str; 6] = ["get", "put", "post", "delete", "patch", "options"];

pub(super) async fn document(s: &TestApp) -> Value {
    let r = s.openapi().await;
    assert_eq!(r.status, 200);
    let content_type = r.header("content-type").unwrap();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    r.json
}

/// Every (method, path, operation) of the document.
pub(super) fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
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
pub(super) fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
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
