//! Scenarios: changes made on one node, and allowed origins, are seen on every node in time.

use super::api::Api;
use super::{Cluster, SLOTS, VISIBLE_WITHIN};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

/// Asserts that a check which has just passed did so within the visibility bound of `changed`.
fn within_bound(changed: Instant, what: &str) {
    let took = changed.elapsed();
    assert!(took < VISIBLE_WITHIN, "{what}: seen after {took:?}");
}

/// Scenario 3: revocation, secret regeneration, client deletion, user disabling and a PATCHed
/// expiry, each made on A, are seen on B at once.
pub(super) async fn changes_are_visible_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let (a, b) = (a.base(), b.base());
    let api = Api::new(a).await;
    api.create_tenant(a, json!({"id": "acme"})).await;
    let app_secret = api.create_client(a, json!({"client_id": "app"})).await;
    let probe_secret = api.create_client(a, json!({"client_id": "probe"})).await;
    let web_secret = api
        .create_client(a, json!({"client_id": "web", "grant_types": ["password"]}))
        .await;
    let probe = ("probe", probe_secret.as_str());
    let web = ("web", web_secret.as_str());
    let password = "correct-horse-battery-staple";
    let user = json!({"username": "alice", "password": password});
    api.admin(a, Method::POST, "/admin/tenants/acme/users", Some(user), 201)
        .await;
    let inactive = json!({"active": false});

    // A token revoked on A.
    let app = ("app", app_secret.as_str());
    let revoked = api.client_credentials(a, app).await.access_token();
    assert_eq!(api.introspect(b, app, &revoked).await["active"], true);
    api.revoke(a, app, &revoked).await;
    let changed = Instant::now();
    assert_eq!(
        api.introspect(b, app, &revoked).await,
        inactive,
        "revoked on A, active on B"
    );
    within_bound(changed, "revocation");

    // A client secret regenerated on A.
    assert_eq!(api.client_credentials(b, app).await.status, 200);
    let regenerated = api
        .admin(a, Method::POST, "/admin/tenants/acme/clients/app/secret", None, 200)
        .await;
    let changed = Instant::now();
    let (refused, _) = api.until_refused(b, app, changed).await;
    assert_eq!(refused.status, 401, "old secret still works on B: {}", refused.json);
    within_bound(changed, "secret regeneration");
    let new_secret = regenerated["client_secret"].as_str().unwrap().to_string();
    let app = ("app", new_secret.as_str());
    api.client_credentials(b, app).await.access_token();

    // A token whose expiry is PATCHed on A to its issue (the earliest allowed), which ends it.
    let patched = api.client_credentials(a, app).await.access_token();
    assert_eq!(api.introspect(b, app, &patched).await["active"], true);
    let view = api.lookup(a, &patched).await;
    let past = view["issued_at"].as_i64().unwrap();
    let path = format!("/admin/tokens/{}", view["id"].as_str().unwrap());
    api.admin(a, Method::PATCH, &path, Some(json!({"expires_at": past})), 200)
        .await;
    let changed = Instant::now();
    assert_eq!(
        api.introspect(b, app, &patched).await,
        inactive,
        "expired on A, active on B"
    );
    within_bound(changed, "PATCHed expiry");

    // A client deleted on A.
    let orphan = api.client_credentials(a, app).await.access_token();
    assert_eq!(api.introspect(b, probe, &orphan).await["active"], true);
    api.admin(a, Method::DELETE, "/admin/tenants/acme/clients/app", None, 204)
        .await;
    let changed = Instant::now();
    assert_eq!(
        api.introspect(b, probe, &orphan).await,
        inactive,
        "the deleted client's token is active on B"
    );
    let (mut refused, late) = api.until_refused(b, app, changed).await;
    // While B's short-lived copy of the client lasts, the database refuses to store a token for
    // it (400 invalid_grant, as when the client goes during a request); then B refuses the client.
    while refused.status == 400 && changed.elapsed() <= VISIBLE_WITHIN {
        assert_eq!(refused.json["error"], "invalid_grant", "{}", refused.json);
        tokio::time::sleep(Duration::from_millis(20)).await;
        refused = api.client_credentials(b, app).await;
    }
    assert_eq!(
        refused.status, 401,
        "B still serves the deleted client: {}",
        refused.json
    );
    assert!(late.is_empty(), "B issued {} tokens for the deleted client", late.len());
    assert_eq!(refused.json["error"], "invalid_client");
    within_bound(changed, "client deletion");

    // A user disabled on A.
    let alice = api.password(a, web, "alice", password).await.access_token();
    assert_eq!(api.introspect(b, web, &alice).await["active"], true);
    let disable = json!({"enabled": false});
    api.admin(a, Method::PATCH, "/admin/tenants/acme/users/alice", Some(disable), 200)
        .await;
    let changed = Instant::now();
    assert_eq!(
        api.introspect(b, web, &alice).await,
        inactive,
        "the disabled user's token is active on B"
    );
    within_bound(changed, "user disabling (token)");
    let changed = Instant::now();
    let refused = api.password(b, web, "alice", password).await;
    assert_eq!(refused.status, 400, "B logs in a disabled user: {}", refused.json);
    assert_eq!(refused.json["error"], "invalid_grant");
    within_bound(changed, "user disabling (login)");
}

/// A client's browser origin added on A reaches B's CORS preflights (answered from a snapshot
/// B rebuilds at most once a second), and B's token answers at once (they check the client).
pub(super) async fn origins_reach_every_nodes_preflights(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let (a, b) = (a.base(), b.base());
    let api = Api::new(a).await;
    api.create_tenant(a, json!({"id": "acme"})).await;
    let origin = "https://app.example";
    let allowed = |node: &str| {
        let request = api
            .http
            .request(Method::OPTIONS, format!("{node}/oauth/token"))
            .header("origin", origin)
            .header("access-control-request-method", "POST");
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), 204);
            r.headers().get("access-control-allow-origin").is_some()
        }
    };
    assert!(!allowed(b).await, "no client allows it yet");
    let secret = api
        .create_client(a, json!({"client_id": "spa", "allowed_origins": [origin]}))
        .await;
    assert!(allowed(a).await, "at once on the node that made the change");
    // Polled rather than timed: the bound is the snapshot's one second, the cap only ends a hang.
    let mut tries = 0;
    while !allowed(b).await {
        tries += 1;
        assert!(tries < 100, "B never allows the origin");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = api
        .http
        .post(format!("{b}/oauth/token"))
        .basic_auth("spa", Some(&secret))
        .header("origin", origin)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
}
