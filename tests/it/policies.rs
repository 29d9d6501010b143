//! Issuance policies, limits and lifetimes over HTTP against a spawned server (port 0).

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;

/// A server on a fresh SQLite file (the default, durable store) with tenant `acme`.
async fn server_with_acme(tenant: Value) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("t.db").display());
    let server = spawn_with_store(&store).await;
    let mut body = tenant;
    body["id"] = json!("acme");
    server.create_tenant(body).await;
    (server, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_requests_against_a_limit_of_ten() {
    let (s, _dir) = server_with_acme(json!({"max_active_tokens_per_client": 10, "access_token_ttl": 600})).await;
    let secret = s
        .create_client("acme", json!({"client_id": "app", "scopes": ["read"]}))
        .await;
    let s = std::sync::Arc::new(s);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (s, secret) = (s.clone(), secret.clone());
            tokio::spawn(async move {
                let r = s.token(("app", &secret), &[("grant_type", "client_credentials")]).await;
                let retry_after = r.header("retry-after").map(str::to_string);
                (r.status, retry_after, r.json)
            })
        })
        .collect();
    let mut tokens = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (status, retry_after, body) = task.await.unwrap();
        match status {
            200 => tokens.push(body["access_token"].as_str().unwrap().to_string()),
            429 => {
                refused += 1;
                assert_eq!(body["error"], "too_many_active_tokens");
                let seconds: u64 = retry_after.expect("Retry-After on 429").parse().unwrap();
                assert!((1..=600).contains(&seconds), "{seconds}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(tokens.len(), 10);
    assert_eq!(refused, 54);
    for token in &tokens {
        assert_eq!(s.introspect(("app", &secret), token).await.json["active"], true);
    }
    // Revoking one frees exactly one slot.
    assert_eq!(s.revoke(("app", &secret), &tokens[0]).await.status, 200);
    assert_eq!(
        s.token(("app", &secret), &[("grant_type", "client_credentials")])
            .await
            .status,
        200
    );
    assert_eq!(
        s.token(("app", &secret), &[("grant_type", "client_credentials")])
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn retry_after_counts_down_and_is_absent_when_nothing_expires() {
    let (s, _dir) = server_with_acme(json!({})).await;
    let secret = s
        .create_client(
            "acme",
            json!({"client_id": "app", "max_active_tokens": 1, "access_token_ttl": 100}),
        )
        .await;
    s.token_cc("app", &secret, None).await;
    s.clock.advance(40);
    let r = s.token(("app", &secret), &[("grant_type", "client_credentials")]).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("60"));
    s.clock.advance(60);
    s.token_cc("app", &secret, None).await;

    let forever = s
        .create_client(
            "acme",
            json!({"client_id": "forever", "max_active_tokens": 1, "access_token_ttl": -1}),
        )
        .await;
    s.token_cc("forever", &forever, None).await;
    let r = s
        .token(("forever", &forever), &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reuse_returns_the_identical_token_to_32_concurrent_requests() {
    let (s, _dir) = server_with_acme(json!({"token_policy": "reuse"})).await;
    let secret = s
        .create_client("acme", json!({"client_id": "app", "scopes": ["read"]}))
        .await;
    let s = std::sync::Arc::new(s);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (s, secret) = (s.clone(), secret.clone());
            tokio::spawn(async move { s.token_cc("app", &secret, Some("read")).await["access_token"].clone() })
        })
        .collect();
    let mut distinct = HashSet::new();
    for task in tasks {
        distinct.insert(task.await.unwrap().as_str().unwrap().to_string());
    }
    assert_eq!(distinct.len(), 1, "one token for one (client, subject, scope set)");
    let shared = distinct.into_iter().next().unwrap();

    // Later requests get the same token with its remaining lifetime.
    s.clock.advance(600);
    let again = s.token_cc("app", &secret, Some("read")).await;
    assert_eq!(again["access_token"], shared.as_str());
    assert_eq!(again["expires_in"], 3000);

    // Each device_ scope is its own key [W].
    let ipad = s.token_cc("app", &secret, Some("read device_ipad")).await["access_token"].clone();
    let iphone = s.token_cc("app", &secret, Some("read device_iphone")).await["access_token"].clone();
    assert_ne!(ipad, iphone);
    assert_ne!(ipad.as_str().unwrap(), shared);
    assert_eq!(
        s.token_cc("app", &secret, Some("read device_ipad")).await["access_token"],
        ipad
    );

    // Once revoked, a new token is minted.
    s.revoke(("app", &secret), &shared).await;
    assert_ne!(
        s.token_cc("app", &secret, Some("read")).await["access_token"],
        shared.as_str()
    );
}

/// Signs `user` in through `client` (asserting 200): the token answer.
async fn login(s: &TestApp, client: &str, secret: &str, user: &str) -> Value {
    let answer = s.login((client, secret), user, "pw-12345").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json
}

#[tokio::test]
async fn single_per_subject_revokes_that_users_earlier_tokens_only() {
    let (s, _dir) = server_with_acme(json!({"token_policy": "single_per_subject"})).await;
    let secret = s
        .create_client(
            "acme",
            json!({"client_id": "web", "grant_types": ["password"], "scopes": ["read"]}),
        )
        .await;
    s.create_user("acme", "alice", "pw-12345", &[]).await;
    s.create_user("acme", "bob", "pw-12345", &[]).await;
    let first = login(&s, "web", &secret, "alice").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let bob = login(&s, "web", &secret, "bob").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let second = login(&s, "web", &secret, "alice").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    assert_eq!(s.introspect(("web", &secret), &first).await.json["active"], false);
    assert_eq!(s.introspect(("web", &secret), &second).await.json["active"], true);
    assert_eq!(s.introspect(("web", &secret), &bob).await.json["active"], true);
}

#[tokio::test]
async fn lifetimes_resolve_client_then_tenant_then_default() {
    let (s, _dir) = server_with_acme(json!({"access_token_ttl": 120, "user_access_token_ttl": 900})).await;
    let secret = s
        .create_client(
            "acme",
            json!({"client_id": "web", "grant_types": ["password", "client_credentials", "refresh_token"]}),
        )
        .await;
    s.create_user("acme", "alice", "pw-12345", &[]).await;
    assert_eq!(
        s.token_cc("web", &secret, None).await["expires_in"],
        120,
        "application token: tenant setting"
    );
    let user = login(&s, "web", &secret, "alice").await;
    assert_eq!(user["expires_in"], 900, "user token: tenant user setting");
    let refresh = user["refresh_token"].as_str().unwrap();
    let info = s.introspect(("web", &secret), refresh).await.json;
    assert_eq!(info["exp"], START + 1_209_600, "refresh token: built-in default");

    let Response { status, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/web",
            Some(json!({"access_token_ttl": 30})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        s.token_cc("web", &secret, None).await["expires_in"],
        30,
        "client override"
    );
    let Response { status, .. } = s
        .admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/web",
            Some(json!({"access_token_ttl": null})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        s.token_cc("web", &secret, None).await["expires_in"],
        120,
        "null inherits again"
    );
}

#[tokio::test]
async fn a_negative_lifetime_never_expires() {
    let (s, _dir) = server_with_acme(json!({})).await;
    let secret = s
        .create_client("acme", json!({"client_id": "app", "access_token_ttl": -1}))
        .await;
    let body = s.token_cc("app", &secret, None).await;
    assert!(body.get("expires_in").is_none(), "{body}");
    let token = body["access_token"].as_str().unwrap();
    s.clock.advance(20 * 365 * 86_400);
    let info = s.introspect(("app", &secret), token).await.json;
    assert_eq!(info["active"], true);
    assert!(info.get("exp").is_none());
}

#[tokio::test]
async fn tokens_expire_on_the_injected_clock() {
    let (s, _dir) = server_with_acme(json!({"access_token_ttl": 60})).await;
    let secret = s.create_client("acme", json!({"client_id": "app"})).await;
    let token = s.access_token(("app", &secret)).await;
    s.clock.advance(59);
    assert_eq!(s.introspect(("app", &secret), &token).await.json["active"], true);
    s.clock.advance(1);
    assert_eq!(
        s.introspect(("app", &secret), &token).await.json,
        json!({"active": false})
    );
    let r = s
        .send(
            s.http
                .get(s.url(&format!("/oauth/check_token?token={token}")))
                .basic_auth("app", Some(&secret)),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["error"], "invalid_token");
}
