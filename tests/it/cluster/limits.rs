//! Scenarios: the token limit, token reuse and the refresh grace hold across nodes.

use super::api::Api;
use super::{Cluster, SLOTS};
use crate::helpers::Response;
use reqwest::Method;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

/// Scenario 1: 64 concurrent requests, half on each node, against a limit of 10.
pub(super) async fn limit_holds_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let api = Api::new(a.base()).await;
    api.create_tenant(a.base(), json!({"id": "acme", "max_active_tokens_per_client": 10}))
        .await;
    let secret = api.create_client(a.base(), json!({"client_id": "app"})).await;

    let answers = api.burst(&[a.base(), b.base()], 64, ("app", &secret)).await;
    let mut issued = HashSet::new();
    let mut refused = 0;
    for answer in &answers {
        match answer.status {
            200 => {
                issued.insert(answer.access_token());
            }
            429 => {
                refused += 1;
                assert_eq!(answer.json["error"], "too_many_active_tokens", "{}", answer.json);
                let seconds: u64 = answer
                    .header("retry-after")
                    .expect("Retry-After on 429")
                    .parse()
                    .unwrap();
                assert!((1..=3600).contains(&seconds), "Retry-After {seconds}");
            }
            other => panic!("unexpected {other}: {}", answer.json),
        }
    }
    assert_eq!(
        (issued.len(), refused),
        (10, 54),
        "exactly the limit, across both nodes"
    );

    let list = api
        .admin(
            b.base(),
            Method::GET,
            "/admin/tenants/acme/clients/app/tokens",
            None,
            200,
        )
        .await;
    assert_eq!(list["active_count"], 10, "{list}");
    assert_eq!(list["max_active_tokens"], 10, "{list}");
    for node in [a.base(), b.base()] {
        assert_eq!(api.client_credentials(node, ("app", &secret)).await.status, 429);
    }
}

/// Scenario 2: `reuse` hands one token to 32 concurrent requests spread over both nodes.
pub(super) async fn reuse_holds_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let api = Api::new(a.base()).await;
    api.create_tenant(a.base(), json!({"id": "acme"})).await;
    let secret = api
        .create_client(a.base(), json!({"client_id": "app", "token_policy": "reuse"}))
        .await;

    let answers = api.burst(&[a.base(), b.base()], 32, ("app", &secret)).await;
    let distinct: HashSet<String> = answers.iter().map(Response::access_token).collect();
    assert_eq!(
        distinct.len(),
        1,
        "one token for one (client, subject, scope set): {distinct:?}"
    );

    let list = api
        .admin(
            b.base(),
            Method::GET,
            "/admin/tenants/acme/clients/app/tokens",
            None,
            200,
        )
        .await;
    assert_eq!(list["active_count"], 1, "{list}");
}

/// Scenario: the refresh grace across nodes. A refresh token used on A is reused within the
/// grace on B; a token presented to both at once is exchanged by both; once the grace is over
/// a replay on B revokes the lineage, as seen on both nodes.
pub(super) async fn refresh_grace_holds_across_nodes(kind: &str) {
    let _slot = SLOTS.acquire().await.unwrap();
    let Some(cluster) = Cluster::new(kind).await else {
        return;
    };
    let (a, b) = cluster.start_two();
    let (a, b) = (a.base(), b.base());
    let api = Api::new(a).await;
    // Three seconds: a window the second request surely falls in, short enough to wait out.
    const GRACE: u64 = 3;
    api.create_tenant(a, json!({"id": "acme", "refresh_token_grace": GRACE}))
        .await;
    let body = json!({"client_id": "web", "grant_types": ["password", "refresh_token"]});
    let secret = api.create_client(a, body).await;
    let web = ("web", secret.as_str());
    let password = "correct-horse-battery-staple";
    let user = json!({"username": "alice", "password": password});
    api.admin(a, Method::POST, "/admin/tenants/acme/users", Some(user), 201)
        .await;
    let refresh = |answer: &Response| answer.json["refresh_token"].as_str().unwrap().to_string();
    let exchange = |node: &str, token: &str| {
        let (api, node, token) = (api.clone(), node.to_string(), token.to_string());
        async move {
            let form = [("grant_type", "refresh_token"), ("refresh_token", token.as_str())];
            api.at(&node).token(web, &form).await
        }
    };

    let login = api.password(a, web, "alice", password).await;
    let first = exchange(a, &refresh(&login)).await;
    let again = exchange(b, &refresh(&login)).await;
    assert_eq!(
        again.status, 200,
        "reused within the grace on the other node: {}",
        again.json
    );
    let (on_a, on_b) = tokio::join!(exchange(a, &refresh(&first)), exchange(b, &refresh(&first)));
    let mut issued = vec![login.access_token(), first.access_token(), again.access_token()];
    issued.extend([on_a.access_token(), on_b.access_token()]);
    for node in [a, b] {
        for token in &issued {
            assert_eq!(
                api.introspect(node, web, token).await["active"],
                true,
                "nothing revoked"
            );
        }
    }

    tokio::time::sleep(Duration::from_secs(GRACE) + Duration::from_millis(200)).await;
    let replay = exchange(b, &refresh(&login)).await;
    assert_eq!(
        (replay.status, &replay.json["error"]),
        (400, &json!("invalid_grant")),
        "{}",
        replay.json
    );
    for node in [a, b] {
        for token in &issued {
            assert_eq!(
                api.introspect(node, web, token).await["active"],
                false,
                "the lineage is revoked"
            );
        }
    }
}
