//! What the server admin watches: request stats sampled from the route timers, tenants with
//! their active-token counts, the store's backend and last purge, and "purge now".

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn request_stats_count_the_hot_routes_between_samples() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme"})).await;
    let secret = s.create_client("acme", json!({"client_id": "app"})).await;
    s.service.sample_routes();
    let mut token = String::new();
    for _ in 0..3 {
        token = s.token_cc("app", &secret, None).await["access_token"]
            .as_str()
            .unwrap()
            .into();
    }
    s.check_token(("app", &secret), &token).await;
    s.clock.advance(10);
    s.service.sample_routes();
    let Response {
        status, json: stats, ..
    } = s.admin(Method::GET, "/admin/stats/requests", None).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["interval_seconds"], 10);
    let route = |name: &str| {
        stats["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
            .clone()
    };
    let token_samples = &route("token")["samples"];
    assert_eq!(token_samples.as_array().unwrap().len(), 1, "{stats}");
    assert_eq!(token_samples[0]["requests_per_second"], 0.3);
    assert!(token_samples[0]["p99_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(route("check_token")["samples"][0]["requests_per_second"], 0.1);
    assert_eq!(route("introspect")["samples"][0]["p50_ms"], json!(null));
}

#[tokio::test]
async fn tenants_show_their_active_tokens_and_the_store_its_purge() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme", "access_token_ttl": 60})).await;
    s.create_tenant(json!({"id": "globex"})).await;
    let secret = s.create_client("acme", json!({"client_id": "app"})).await;
    s.token_cc("app", &secret, None).await;
    s.token_cc("app", &secret, None).await;
    let Response { json: tenants, .. } = s.admin(Method::GET, "/admin/stats/tenants", None).await;
    let count =
        |id: &str| tenants.as_array().unwrap().iter().find(|t| t["id"] == id).unwrap()["active_access_tokens"].clone();
    assert_eq!((count("acme"), count("globex")), (json!(2), json!(0)), "{tenants}");

    let Response { json: store, .. } = s.admin(Method::GET, "/admin/store", None).await;
    assert_eq!(store["backend"], "memory");
    assert_eq!(store["last_purge"], json!(null));
    // Past expiry and the purge grace (an hour): both tokens go.
    s.clock.advance(60 + 3600 + 1);
    let admin = s.access_token((ADMIN_ID, ADMIN_SECRET)).await;
    let Response { status, json: run, .. } = s.admin_as(&admin, Method::POST, "/admin/store/purge", None).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(
        (run["outcome"].clone(), run["deleted"].clone()),
        (json!("done"), json!(2))
    );
    assert_eq!(run["at"], START + 3661);
    let Response { json: store, .. } = s.admin_as(&admin, Method::GET, "/admin/store", None).await;
    assert_eq!(store["last_purge"], run);
}

#[tokio::test]
async fn only_the_server_admin_sees_them() {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme"})).await;
    let secret = s
        .create_client(
            "acme",
            json!({"client_id": "boss", "authorities": ["ROLE_ADMIN_CUSTOMER"]}),
        )
        .await;
    let boss = s.access_token(("boss", &secret)).await;
    for (method, path) in [
        (Method::GET, "/admin/stats/requests"),
        (Method::GET, "/admin/stats/tenants"),
        (Method::GET, "/admin/store"),
        (Method::POST, "/admin/store/purge"),
    ] {
        assert_eq!(
            s.admin_as(&boss, method.clone(), path, None).await.status,
            403,
            "{path}"
        );
        assert_eq!(s.admin_as("nope", method, path, None).await.status, 401, "{path}");
    }
}
