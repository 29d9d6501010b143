//! The refresh grace over HTTP on every backend: the setting in the admin API, and concurrent
//! refreshes of one token (two tabs of one app) with and without a grace.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

const PASSWORD: &str = "pw-12345";

/// Tenant `acme` with these settings, client `web` (password, refresh) and user `alice`; the
/// client's secret and alice's first token answer.
async fn signed_in(s: &TestApp, tenant: Value) -> (String, Value) {
    let mut body = tenant;
    body["id"] = json!("acme");
    s.create_tenant(body).await;
    let client = json!({"client_id": "web", "grant_types": ["password", "refresh_token"], "scopes": ["read"]});
    let secret = s.create_client("acme", client).await;
    s.create_user("acme", "alice", PASSWORD, &[]).await;
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
    ];
    let Response {
        status, json: login, ..
    } = s.token(("web", &secret), &form).await;
    assert_eq!(status, 200, "{login}");
    (secret, login)
}

/// `n` presentations of one refresh token released together: each answer's status and body.
async fn race(s: &Arc<TestApp>, secret: &str, refresh: &str, n: usize) -> Vec<Response> {
    let gate = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (s, gate) = (s.clone(), gate.clone());
            let (secret, refresh) = (secret.to_string(), refresh.to_string());
            tokio::spawn(async move {
                gate.wait().await;
                let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
                s.token(("web", &secret), &form).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

async fn active(s: &TestApp, secret: &str, token: &Value) -> bool {
    s.introspect(("web", secret), token.as_str().unwrap()).await.json["active"] == true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_tabs_refreshing_at_once_all_get_tokens_within_the_grace() {
    for backend in BACKENDS {
        let Some(s) = spawn_on(backend).await else { continue };
        let s = Arc::new(s);
        let (secret, login) = signed_in(&s, json!({"refresh_token_grace": 30})).await;
        let answers = race(&s, &secret, login["refresh_token"].as_str().unwrap(), 20).await;
        for answer in &answers {
            assert_eq!(answer.status, 200, "{backend}: {}", answer.text);
        }
        for answer in &answers {
            assert!(
                active(&s, &secret, &answer.json["access_token"]).await,
                "{backend}: nothing is revoked"
            );
        }
        assert!(active(&s, &secret, &login["access_token"]).await, "{backend}");

        // After the grace, the same token is a replay: the whole lineage goes.
        s.clock.advance(30);
        let again = race(&s, &secret, login["refresh_token"].as_str().unwrap(), 1).await;
        assert_eq!(again[0].status, 400, "{backend}: {}", again[0].text);
        assert_eq!(again[0].json["error"], "invalid_grant", "{backend}");
        for answer in &answers {
            assert!(
                !active(&s, &secret, &answer.json["access_token"]).await,
                "{backend}: revoked"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_grace_one_of_twenty_wins_and_the_lineage_is_revoked() {
    for backend in BACKENDS {
        let Some(s) = spawn_on(backend).await else { continue };
        let s = Arc::new(s);
        let (secret, login) = signed_in(&s, json!({})).await;
        let answers = race(&s, &secret, login["refresh_token"].as_str().unwrap(), 20).await;
        let winners: Vec<&Value> = answers
            .iter()
            .filter(|answer| answer.status == 200)
            .map(|answer| &answer.json)
            .collect();
        assert_eq!(winners.len(), 1, "{backend}: {answers:?}");
        for answer in answers.iter().filter(|answer| answer.status != 200) {
            assert_eq!(
                (answer.status, &answer.json["error"]),
                (400, &json!("invalid_grant")),
                "{backend}"
            );
        }
        assert!(!active(&s, &secret, &winners[0]["access_token"]).await, "{backend}");
        assert!(!active(&s, &secret, &login["access_token"]).await, "{backend}");
    }
}

#[tokio::test]
async fn the_grace_is_a_tenant_and_client_setting_checked_by_name() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme", "refresh_token_grace": 10})).await;
    let Response { json: tenant, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(tenant["refresh_token_grace"], 10, "{tenant}");
    let body = json!({"client_id": "web", "refresh_token_grace": 0});
    s.create_client("acme", body).await;
    let Response { json: client, .. } = s.get_client("acme", "web").await;
    assert_eq!(client["refresh_token_grace"], 0, "{client}");
    let Response {
        status, json: client, ..
    } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/web",
            Some(json!({"refresh_token_grace": null})),
        )
        .await;
    assert_eq!(
        (status, &client["refresh_token_grace"]),
        (200, &Value::Null),
        "{client}"
    );

    for bad in [json!(-1), json!(86_401), json!("soon"), json!(1.5)] {
        let body = json!({ "refresh_token_grace": bad });
        for path in ["/admin/tenants/acme", "/admin/tenants/acme/clients/web"] {
            let Response {
                status, json: answer, ..
            } = s.admin(Method::PATCH, path, Some(body.clone())).await;
            assert_eq!(status, 400, "{path} {bad}: {answer}");
            let text = answer.to_string();
            assert!(text.contains("refresh_token_grace"), "{path} {bad}: {answer}");
        }
    }
    let Response { json: tenant, .. } = s.admin(Method::GET, "/admin/tenants/acme", None).await;
    assert_eq!(tenant["refresh_token_grace"], 10, "a refused PATCH changes nothing");
}
