//! `GET /metrics`: request histograms by matched route, token counters by tenant and grant type,
//! the active-token gauge, store latency; each in-process server with its own numbers.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

async fn scrape(s: &TestServer) -> String {
    let r = s.http.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    r.text().await.unwrap()
}

/// The value of the sample whose name and labels are exactly `series`.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn has(text: &str, series: &str, expected: f64) {
    assert_eq!(value(text, series), Some(expected), "{series} in\n{text}");
}

#[tokio::test]
async fn issuance_refusal_and_revocation_are_counted_by_tenant_and_grant() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "lim", "max_active_tokens_per_client": 2}))
        .await;
    let secret = s
        .create_client("lim", json!({"client_id": "lim-app", "scopes": ["read"]}))
        .await;
    let first = s.token_cc("lim-app", &secret, None).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    s.token_cc("lim-app", &secret, None).await;
    let (status, _) = s
        .token_raw("lim-app", &secret, &[("grant_type", "client_credentials")], None)
        .await;
    assert_eq!(status, 429);

    let text = scrape(&s).await;
    has(
        &text,
        r#"tessera_tokens_issued_total{tenant="lim",grant_type="client_credentials"}"#,
        2.0,
    );
    has(
        &text,
        r#"tessera_tokens_refused_total{tenant="lim",grant_type="client_credentials"}"#,
        1.0,
    );
    has(
        &text,
        r#"tessera_tokens_issued_total{tenant="lim",grant_type="password"}"#,
        0.0,
    );
    has(&text, r#"tessera_active_access_tokens{tenant="lim"}"#, 2.0);
    // The bootstrap admin's token, issued by spawn(): this server's own count, not the process's.
    has(
        &text,
        r#"tessera_tokens_issued_total{tenant="system",grant_type="client_credentials"}"#,
        1.0,
    );
    let token = r#"tessera_http_request_duration_seconds_count{route="/oauth/token",method="POST""#;
    has(&text, &format!(r#"{token},status_class="2xx"}}"#), 3.0);
    has(&text, &format!(r#"{token},status_class="4xx"}}"#), 1.0);
    let all = r#"tessera_http_request_duration_seconds_bucket{le="+Inf",route="/oauth/token",method="POST""#;
    has(&text, &format!(r#"{all},status_class="2xx"}}"#), 3.0);
    assert!(
        value(
            &text,
            r#"tessera_store_operation_duration_seconds_count{operation="issue"}"#
        )
        .unwrap()
            >= 4.0
    );

    let revoked = s
        .http
        .post(s.url("/oauth/revoke"))
        .basic_auth("lim-app", Some(&secret))
        .form(&[("token", first.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    s.clock.advance(3601);
    let text = scrape(&s).await;
    has(
        &text,
        r#"tessera_tokens_revoked_total{tenant="lim",reason="revoke_endpoint"}"#,
        1.0,
    );
    has(&text, r#"tessera_active_access_tokens{tenant="lim"}"#, 0.0);
}

#[tokio::test]
async fn reuse_is_counted_apart_from_issuance() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "ru", "token_policy": "reuse"})).await;
    let secret = s
        .create_client("ru", json!({"client_id": "ru-app", "scopes": ["read"]}))
        .await;
    let a = s.token_cc("ru-app", &secret, None).await;
    let b = s.token_cc("ru-app", &secret, None).await;
    assert_eq!(a["access_token"], b["access_token"]);
    let text = scrape(&s).await;
    has(
        &text,
        r#"tessera_tokens_issued_total{tenant="ru",grant_type="client_credentials"}"#,
        1.0,
    );
    has(
        &text,
        r#"tessera_tokens_reused_total{tenant="ru",grant_type="client_credentials"}"#,
        1.0,
    );
    has(&text, r#"tessera_active_access_tokens{tenant="ru"}"#, 1.0);
}

#[tokio::test]
async fn routes_are_labelled_by_template_never_by_raw_path() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "rt"})).await;
    let (status, _) = s.admin(Method::GET, "/admin/tenants/rt", None).await;
    assert_eq!(status, 200);
    let (status, _) = s.admin(Method::GET, "/admin/tenants/nope", None).await;
    assert_eq!(status, 404);
    let missing = s.http.get(s.url("/no/such/thing/123")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let check = s.http.get(s.url("/oauth/check_token?token=abc")).send().await.unwrap();
    assert!(check.status().is_client_error());
    let text = scrape(&s).await;
    let tenant = r#"tessera_http_request_duration_seconds_count{route="/admin/tenants/{tenant}",method="GET""#;
    has(&text, &format!(r#"{tenant},status_class="2xx"}}"#), 1.0);
    has(&text, &format!(r#"{tenant},status_class="4xx"}}"#), 1.0);
    let unmatched = r#"tessera_http_request_duration_seconds_count{route="unmatched",method="GET",status_class="4xx"}"#;
    has(&text, unmatched, 1.0);
    assert!(text.contains(r#"route="/oauth/check_token",method="GET",status_class="4xx""#));
    for raw in ["/admin/tenants/rt", "nope", "/no/such", "token=abc"] {
        assert!(!text.contains(raw), "raw path {raw} in a label:\n{text}");
    }
}

#[tokio::test]
async fn metrics_can_have_their_own_listener() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_binary(
        dir.path(),
        &[
            ("TESSERA_STORE", "memory://"),
            ("TESSERA_METRICS_LISTEN", "127.0.0.1:0"),
            ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
            ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
        ],
    );
    let metrics_url = p
        .banner
        .iter()
        .find_map(|l| l.strip_prefix("tessera metrics on "))
        .expect("the metrics address is printed")
        .to_string();
    let http = reqwest::Client::new();
    let token = http
        .post(format!("{}/oauth/token", p.base))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let r = http.get(&metrics_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    // The counters are the main listener's: one server, two doors.
    has(
        &text,
        r#"tessera_tokens_issued_total{tenant="system",grant_type="client_credentials"}"#,
        1.0,
    );
    let main = http.get(format!("{}/metrics", p.base)).send().await.unwrap();
    assert_eq!(main.status(), 404, "not on the main listener once it has its own");
}
