//! CORS for browser apps over HTTP: preflights of the token endpoints, the origin of an actual
//! answer checked against the client that authenticated, the public metadata, and none elsewhere.

use crate::helpers::flow::*;
use crate::helpers::Response;
use crate::helpers::{spawn, spawn_on, TestApp};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

const SPA: &str = "https://app.example";
const DEV: &str = "http://localhost:3000";
const SVC: &str = "https://svc.example";

/// Tenant `acme` with a public client `spa` (redirect URI on [`SPA`], [`DEV`] allowed) and a
/// confidential client `svc` ([`SVC`] allowed); returns `svc`'s secret.
async fn clients(s: &TestApp) -> String {
    s.create_tenant(json!({"id": "acme"})).await;
    s.create_client(
        "acme",
        json!({"client_id": "spa", "public": true, "grant_types": ["authorization_code", "refresh_token"],
               "redirect_uris": ["https://app.example:443/cb"], "allowed_origins": [DEV]}),
    )
    .await;
    s.create_client(
        "acme",
        json!({"client_id": "svc", "scopes": ["read"], "allowed_origins": ["HTTPS://Svc.Example"]}),
    )
    .await
}

async fn preflight(s: &TestApp, path: &str, origin: &str, method: &str) -> (u16, HeaderMap) {
    let request = s
        .http
        .request(Method::OPTIONS, s.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization,content-type");
    let r = s.send(request).await;
    (r.status, r.headers)
}

fn allow_origin(headers: &HeaderMap) -> Option<&str> {
    headers.get("access-control-allow-origin").map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn preflights_answer_the_origins_some_client_allows() {
    let s = spawn().await;
    clients(&s).await;
    for path in ["/oauth/token", "/oauth/introspect", "/oauth/revoke"] {
        for origin in [SPA, DEV, SVC] {
            let (status, h) = preflight(&s, path, origin, "POST").await;
            assert_eq!(status, 204, "{path} {origin}");
            assert_eq!(allow_origin(&h), Some(origin), "{path}");
            assert_eq!(h["access-control-allow-methods"], "POST");
            assert_eq!(
                h["access-control-allow-headers"],
                "authorization, content-type, x-request-id"
            );
            assert_eq!(h["access-control-max-age"], "600");
            assert_eq!(h["vary"], "origin");
            assert!(h.get("access-control-allow-credentials").is_none());
        }
    }
    for (origin, method) in [
        ("https://evil.example", "POST"),
        ("null", "POST"),
        (SPA, "PUT"),
        (SPA, "GET"),
    ] {
        let (status, h) = preflight(&s, "/oauth/token", origin, method).await;
        assert_eq!(status, 204, "{origin} {method}");
        assert_eq!(allow_origin(&h), None, "{origin} {method}");
        assert!(h.get("access-control-allow-methods").is_none());
    }
}

async fn token(s: &TestApp, secret: &str, origin: Option<&str>, scope: &str) -> (u16, HeaderMap, Value) {
    let mut request = s
        .http
        .post(s.url("/oauth/token"))
        .basic_auth("svc", Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)]);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let r = s.send(request).await;
    (r.status, r.headers, r.json)
}

#[tokio::test]
async fn an_answer_names_the_origin_only_when_its_client_allows_it() {
    let s = spawn().await;
    let secret = clients(&s).await;
    let (status, h, body) = token(&s, &secret, Some(SVC), "read").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(allow_origin(&h), Some(SVC));
    assert_eq!(h["vary"], "origin");
    assert!(h.get("access-control-allow-credentials").is_none());
    // Another client's origin, and no origin at all.
    let (status, h, _) = token(&s, &secret, Some(SPA), "read").await;
    assert_eq!((status, allow_origin(&h)), (200, None));
    let (status, h, _) = token(&s, &secret, None, "read").await;
    assert_eq!((status, allow_origin(&h)), (200, None));
    assert!(h.get("vary").is_none());
    // An error once the client is known: the app may read it.
    let (status, h, body) = token(&s, &secret, Some(SVC), "admin").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")));
    assert_eq!(allow_origin(&h), Some(SVC));
    // Failed authentication: nothing.
    let (status, h, _) = token(&s, "wrong", Some(SVC), "read").await;
    assert_eq!((status, allow_origin(&h)), (401, None));
    // Introspection and revocation check the caller the same way.
    let access = token(&s, &secret, None, "read").await.2["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in ["/oauth/introspect", "/oauth/revoke"] {
        for (origin, expected) in [(SVC, Some(SVC)), (SPA, None)] {
            let r = s
                .http
                .post(s.url(path))
                .basic_auth("svc", Some(&secret))
                .header("origin", origin)
                .form(&[("token", access.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            assert_eq!(allow_origin(r.headers()), expected, "{path} {origin}");
        }
    }
}

#[tokio::test]
async fn a_public_pkce_client_reads_its_tokens_and_errors_from_its_redirect_origin() {
    let s = spawn().await;
    let cb = callback_server().await;
    world(&s, &cb).await;
    let origin = cb.trim_end_matches("/cb").to_string();
    let landed = through_pages(&s, &Browser::default(), &authorize_url(&s, "mobile", &cb, Some("read"))).await;
    let code = landed.param("code").expect("a code");
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", "mobile"),
        ("code", code.as_str()),
        ("redirect_uri", cb.as_str()),
        ("code_verifier", VERIFIER),
    ];
    let (status, h) = preflight(&s, "/oauth/token", &origin, "POST").await;
    assert_eq!((status, allow_origin(&h)), (204, Some(origin.as_str())));
    for expected in [200, 400] {
        let r = s.http.post(s.url("/oauth/token")).header("origin", &origin).form(&form);
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), expected, "the second exchange replays the code");
        assert_eq!(allow_origin(r.headers()), Some(origin.as_str()));
    }
}

#[tokio::test]
async fn allowed_origins_are_set_through_the_admin_api_and_checked() {
    let s = spawn().await;
    clients(&s).await;
    let Response { json: svc, .. } = s.get_client("acme", "svc").await;
    assert_eq!(svc["allowed_origins"], json!([SVC]), "canonical");
    let path = "/admin/tenants/acme/clients/spa";
    let Response { status, json: spa, .. } = s
        .admin(
            Method::PATCH,
            path,
            Some(json!({"allowed_origins": ["https://new.example:8443"]})),
        )
        .await;
    assert_eq!(
        (status, &spa["allowed_origins"]),
        (200, &json!(["https://new.example:8443"]))
    );
    let (status, h) = preflight(&s, "/oauth/token", "https://new.example:8443", "POST").await;
    assert_eq!((status, allow_origin(&h)), (204, Some("https://new.example:8443")));
    let (_, h) = preflight(&s, "/oauth/token", DEV, "POST").await;
    assert_eq!(allow_origin(&h), None, "removed at once on this node");
    for bad in ["https://app.example/cb", "*", "https://*.app.example", "app.example"] {
        let body = json!({"allowed_origins": [SPA, bad]});
        let Response {
            status, json: answer, ..
        } = s.admin(Method::PATCH, path, Some(body)).await;
        assert_eq!(status, 400, "{bad}");
        let description = answer["error_description"].as_str().unwrap();
        assert!(
            description.starts_with("allowed_origins:") && description.contains(bad),
            "{description}"
        );
        let body = json!({"client_id": "other", "allowed_origins": [bad]});
        let Response { status, .. } = s.admin(Method::POST, "/admin/tenants/acme/clients", Some(body)).await;
        assert_eq!(status, 400, "{bad}");
    }
}

#[tokio::test]
async fn the_metadata_is_public_and_admin_and_pages_get_nothing() {
    let s = spawn().await;
    clients(&s).await;
    let metadata = "/.well-known/oauth-authorization-server";
    let r = s.http.get(s.url(metadata)).header("origin", SPA).send().await.unwrap();
    assert_eq!((r.status().as_u16(), allow_origin(r.headers())), (200, Some("*")));
    let (status, h) = preflight(&s, metadata, "https://anyone.example", "GET").await;
    assert_eq!((status, allow_origin(&h)), (204, Some("*")));
    assert_eq!(h["access-control-allow-methods"], "GET");
    let admin = s
        .http
        .get(s.url("/admin/tenants"))
        .bearer_auth(&s.admin_token)
        .header("origin", SPA)
        .send()
        .await
        .unwrap();
    assert_eq!((admin.status().as_u16(), allow_origin(admin.headers())), (200, None));
    for path in [
        "/admin/tenants",
        "/oauth/authorize",
        "/openapi.json",
        "/oauth/check_token",
    ] {
        let (_, h) = preflight(&s, path, SPA, "GET").await;
        assert_eq!(allow_origin(&h), None, "{path}");
        let r = s.http.get(s.url(path)).header("origin", SPA).send().await.unwrap();
        assert_eq!(allow_origin(r.headers()), None, "{path}");
    }
}

#[tokio::test]
async fn a_preflight_on_a_server_database_knows_a_client_the_admin_api_just_created() {
    for backend in ["postgres", "mysql"] {
        let Some(s) = spawn_on(backend).await else { continue };
        s.create_tenant(json!({"id": "acme"})).await;
        let (_, h) = preflight(&s, "/oauth/token", SVC, "POST").await;
        assert_eq!(allow_origin(&h), None, "{backend}: not yet");
        s.create_client("acme", json!({"client_id": "svc", "allowed_origins": [SVC]}))
            .await;
        let (status, h) = preflight(&s, "/oauth/token", SVC, "POST").await;
        assert_eq!((status, allow_origin(&h)), (204, Some(SVC)), "{backend}");
    }
}
