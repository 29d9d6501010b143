//! `WWW-Authenticate` over HTTP against the real server: every 401 of `/oauth/*` carries the
//! Basic challenge (RFC 9110 §15.5.2, RFC 6749 §5.2), and the admin API answers RFC 6750 §3
//! challenges: no error code without a token, `invalid_token` for a bad one, and
//! `insufficient_scope` on a 403.

use crate::helpers::Response;
use crate::helpers::{spawn, TestApp};
use reqwest::Method;
use serde_json::json;

const BASIC: &str = "Basic realm=\"tessera\"";
const NO_TOKEN: &str = "Bearer realm=\"tessera\"";
const INVALID_TOKEN: &str = "Bearer realm=\"tessera\", error=\"invalid_token\"";
const CHALLENGE: &str = "www-authenticate";
const INSUFFICIENT_SCOPE: &str = "Bearer realm=\"tessera\", error=\"insufficient_scope\"";

/// A client `app` of tenant `acme` with no authorities; its secret.
async fn plain_client(s: &TestApp) -> String {
    s.create_tenant(json!({"id": "acme", "name": "Acme"})).await;
    let client = json!({"client_id": "app", "grant_types": ["client_credentials"], "access_token_ttl": 60});
    s.create_client("acme", client).await
}

#[tokio::test]
async fn every_client_authentication_failure_is_401_with_the_basic_challenge() {
    let s = spawn().await;
    let secret = plain_client(&s).await;
    let token = s.access_token(("app", &secret)).await;
    let endpoints = [
        (Method::POST, "/oauth/token"),
        (Method::POST, "/oauth/introspect"),
        (Method::POST, "/oauth/revoke"),
        (Method::POST, "/oauth/revoke_token"),
        (Method::GET, "/oauth/check_token"),
        (Method::POST, "/oauth/check_token"),
    ];
    for (method, path) in endpoints {
        let params: &[(&str, &str)] = match path {
            "/oauth/token" => &[("grant_type", "client_credentials")],
            _ => &[("token", &token)],
        };
        let request = |extra: &[(&str, &str)]| {
            let all: Vec<_> = params.iter().chain(extra).collect();
            match method {
                Method::GET => s.http.get(s.url(path)).query(&all),
                _ => s.http.post(s.url(path)).form(&all),
            }
        };
        let failures = [
            ("no credentials", request(&[])),
            ("client_id alone", request(&[("client_id", "app")])),
            (
                "client_secret_post, wrong secret",
                request(&[("client_id", "app"), ("client_secret", "wrong")]),
            ),
            ("Basic, wrong secret", request(&[]).basic_auth("app", Some("wrong"))),
            ("Basic, unknown client", request(&[]).basic_auth("ghost", Some("x"))),
            ("a bearer token", request(&[]).bearer_auth(&token)),
        ];
        for (what, request) in failures {
            let answer = s.send(request).await;
            assert_eq!(answer.status, 401, "{method} {path}, {what}: {}", answer.text);
            assert_eq!(answer.json["error"], json!("invalid_client"), "{method} {path}, {what}");
            assert_eq!(answer.header(CHALLENGE), Some(BASIC), "{method} {path}, {what}");
        }
        // A success forgets the two wrong secrets, before they add up to a lock (429).
        s.token_cc("app", &secret, None).await;
    }
}

/// An admin call with this raw `Authorization` header, if any.
async fn admin(s: &TestApp, authorization: Option<&str>) -> Response {
    let mut request = s.http.get(s.url("/admin/tenants/acme/clients"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    s.send(request).await
}

#[tokio::test]
async fn the_admin_api_answers_rfc_6750_challenges() {
    let s = spawn().await;
    let secret = plain_client(&s).await;
    let unauthorized = json!({"error": "unauthorized", "error_description": "missing or invalid bearer token"});
    let bearer = |token: &str| format!("Bearer {token}");

    for without in [None, Some("Basic YXBwOng="), Some("garbage")] {
        let answer = admin(&s, without).await;
        assert_eq!(
            (answer.status, answer.header(CHALLENGE), &answer.json),
            (401, Some(NO_TOKEN), &unauthorized),
            "{without:?}"
        );
    }
    let forged = format!("tsa_{}", "A".repeat(44));
    for bad in ["Bearer", "Bearer not-a-token", &bearer(&forged), &bearer(&secret)] {
        let answer = admin(&s, Some(bad)).await;
        assert_eq!(
            (answer.status, answer.header(CHALLENGE), &answer.json),
            (401, Some(INVALID_TOKEN), &unauthorized),
            "{bad}"
        );
    }

    // A good token without the authority: 403, the same body as before, and insufficient_scope.
    let token = s.access_token(("app", &secret)).await;
    let answer = admin(&s, Some(&bearer(&token))).await;
    assert_eq!(
        (answer.status, answer.header(CHALLENGE)),
        (403, Some(INSUFFICIENT_SCOPE)),
        "{}",
        answer.text
    );
    assert_eq!(answer.json["error"], json!("forbidden"));

    // The same token once revoked, and another once expired: invalid_token.
    assert_eq!(s.revoke(("app", &secret), &token).await.status, 200);
    let answer = admin(&s, Some(&bearer(&token))).await;
    assert_eq!(
        (answer.status, answer.header(CHALLENGE)),
        (401, Some(INVALID_TOKEN)),
        "revoked"
    );
    let admin_token = s.admin_token.clone();
    assert_eq!(admin(&s, Some(&bearer(&admin_token))).await.status, 200);
    s.clock.advance(24 * 3600);
    let answer = admin(&s, Some(&bearer(&admin_token))).await;
    assert_eq!(
        (answer.status, answer.header(CHALLENGE)),
        (401, Some(INVALID_TOKEN)),
        "expired"
    );
}
