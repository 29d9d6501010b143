//! Every operation documents its bodies, its errors and its security.

use super::{document, operations, resolve};
use crate::helpers::spawn;
use serde_json::{json, Value};
use std::collections::BTreeSet;

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
            // Listing tenants or signing keys and what the server admin watches take no input that could be bad.
            let no_input = [
                "get /admin/tenants",
                "get /admin/stats/requests",
                "get /admin/stats/tenants",
                "get /admin/keys/signing",
            ];
            if !no_input.contains(&what.as_str()) && !path.starts_with("/admin/store") {
                assert!(responses.contains_key("400"), "{what}: no 400");
            }
            if ["post", "put", "patch"].contains(&method.as_str())
                && !path.ends_with("/secret")
                && !path.ends_with("/purge")
            {
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
