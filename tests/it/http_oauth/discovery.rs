//! Discovery, probes, unknown paths and request ids.

use super::{harness, ISSUER};
use serde_json::json;

#[tokio::test]
async fn metadata_has_absolute_endpoint_urls() {
    let h = harness().await;
    let reply = h.get("/.well-known/oauth-authorization-server").await;
    assert_eq!(reply.status, 200);
    let body = reply.json.clone();
    assert_eq!(body["issuer"], json!(ISSUER));
    for (field, path) in [
        ("token_endpoint", "/oauth/token"),
        ("introspection_endpoint", "/oauth/introspect"),
        ("revocation_endpoint", "/oauth/revoke"),
    ] {
        let value = body[field].as_str().unwrap_or_else(|| panic!("{field}"));
        let url = url::Url::parse(value).unwrap_or_else(|e| panic!("{field} {value:?}: {e}"));
        assert_eq!(url.scheme(), "http");
        assert_eq!(url.host_str(), Some("tessera.test"));
        assert_eq!(url.path(), path);
    }
    let grants = body["grant_types_supported"].as_array().unwrap();
    for grant in ["client_credentials", "password", "refresh_token"] {
        assert!(grants.contains(&json!(grant)), "{grant}");
    }
    let methods = body["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(methods.contains(&json!("client_secret_basic")));
    assert!(methods.contains(&json!("client_secret_post")));
}

#[tokio::test]
async fn health_and_readiness_probes_are_200() {
    let h = harness().await;
    assert_eq!(h.get("/healthz").await.status, 200);
    assert_eq!(h.get("/readyz").await.status, 200);
}

#[tokio::test]
async fn unknown_path_is_404_json() {
    let h = harness().await;
    for uri in ["/nope", "/oauth/authorise", "/oauth/token/extra"] {
        let reply = h.get(uri).await;
        assert_eq!(reply.status, 404, "{uri}");
        assert_eq!(reply.json.clone()["error"], json!("not_found"), "{uri}");
    }
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let h = harness().await;
    let reply = h.get("/healthz").await;
    assert!(reply.header("x-request-id").is_some_and(|v| !v.is_empty()));
}
