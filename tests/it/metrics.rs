//! `GET /metrics` on the management listener: request histograms by matched route, token counters
//! by tenant and grant type, the active-token gauge (counted by a job, not per scrape), store
//! latency; each in-process server with its own numbers. Never on the public listener.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

async fn scrape(s: &TestApp) -> String {
    let answer = s.metrics().await;
    assert_eq!(answer.status, 200);
    let content_type = answer.header("content-type").unwrap();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    answer.text
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
    let first = s.access_token(("lim-app", &secret)).await;
    s.token_cc("lim-app", &secret, None).await;
    let Response { status, .. } = s
        .token(("lim-app", &secret), &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(status, 429);

    s.count_active_tokens().await;
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

    assert_eq!(s.revoke(("lim-app", &secret), &first).await.status, 200);
    s.clock.advance(3601);
    s.count_active_tokens().await;
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
    s.count_active_tokens().await;
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
    let Response { status, .. } = s.admin(Method::GET, "/admin/tenants/rt", None).await;
    assert_eq!(status, 200);
    let Response { status, .. } = s.admin(Method::GET, "/admin/tenants/nope", None).await;
    assert_eq!(status, 404);
    let missing = s.send(s.http.get(s.url("/no/such/thing/123"))).await;
    assert_eq!(missing.status, 404);
    let check = s.send(s.http.get(s.url("/oauth/check_token?token=abc"))).await;
    assert!((400..500).contains(&check.status));
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
async fn a_scrape_reads_the_last_count_and_never_the_store() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "sc"})).await;
    let secret = s
        .create_client("sc", json!({"client_id": "sc-app", "scopes": ["read"]}))
        .await;
    let count = r#"tessera_store_operation_duration_seconds_count{operation="active_access_by_tenant"}"#;
    let text = scrape(&s).await;
    assert_eq!(
        value(&text, count),
        None,
        "no count before the job's first run:\n{text}"
    );
    assert!(!text.contains("tessera_active_access_tokens{"), "{text}");

    s.count_active_tokens().await;
    s.token_cc("sc-app", &secret, None).await;
    for _ in 0..3 {
        let text = scrape(&s).await;
        has(&text, count, 1.0);
        has(&text, r#"tessera_active_access_tokens{tenant="sc"}"#, 0.0);
    }
    s.count_active_tokens().await;
    let text = scrape(&s).await;
    has(&text, count, 2.0);
    has(&text, r#"tessera_active_access_tokens{tenant="sc"}"#, 1.0);
}

#[tokio::test]
async fn the_public_listener_serves_no_metrics() {
    let s = spawn().await;
    let r = s.http.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    for probe in ["/healthz", "/readyz"] {
        for base in [&s.base, &s.management] {
            let r = s.http.get(format!("{base}{probe}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{base}{probe}");
        }
    }
}

#[tokio::test]
async fn the_binary_serves_metrics_on_its_management_listener() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("TESSERA_STORE", "memory://"),
        ("TESSERA_ADMIN_CLIENT_ID", ADMIN_ID),
        ("TESSERA_ADMIN_CLIENT_SECRET", ADMIN_SECRET),
    ];
    let p = start_binary(dir.path(), &env);
    let management = p.management.clone().expect("the management address is printed");
    assert!(management.starts_with("http://127.0.0.1:"), "{management}");
    let api = p.anonymous_api();
    api.access_token((ADMIN_ID, ADMIN_SECRET)).await;
    // The job's first count runs at start, beside the listeners: wait for it, boundedly.
    let mut text = String::new();
    for _ in 0..200 {
        let r = api.metrics().await;
        assert_eq!(r.status, 200);
        text = r.text;
        if text.contains("tessera_active_access_tokens{") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        value(&text, r#"tessera_active_access_tokens{tenant="system"}"#).is_some(),
        "{text}"
    );
    // The counters are the main listener's: one server, two doors.
    has(
        &text,
        r#"tessera_tokens_issued_total{tenant="system",grant_type="client_credentials"}"#,
        1.0,
    );
    for probe in ["/healthz", "/readyz"] {
        let r = api.send(api.http.get(format!("{management}{probe}"))).await;
        assert_eq!(r.status, 200, "{probe}");
    }
    let main = api.send(api.http.get(api.url("/metrics"))).await;
    assert_eq!(main.status, 404, "never on the main listener");

    let off = start_binary(dir.path(), &[env[0], ("TESSERA_MANAGEMENT_LISTEN", "off")]);
    assert_eq!(off.management, None, "{:?}", off.banner);
    let off = off.anonymous_api();
    let main = off.send(off.http.get(off.url("/metrics"))).await;
    assert_eq!(main.status, 404, "off: served nowhere");
}
