//! One token read, updated and deleted; its expiry bounded; an ended token stays ended.

use super::{token_id, world, World};
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn patch(w: &World, id: &str, body: Value) -> Response {
    w.s.admin(Method::PATCH, &format!("/admin/tokens/{id}"), Some(body))
        .await
}

#[tokio::test]
async fn one_token_is_read_updated_and_deleted_and_introspection_follows() {
    let w = world().await;
    let token = w.app_token().await;
    let id = token_id(&w, &token).await;
    let Response { status, json: view, .. } = w.get(&format!("/admin/tokens/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(view["client_id"], "app");
    assert_eq!(view["scopes"], json!(["read"]));

    let patch =
        json!({"scopes": ["read", "write"], "properties": {"plan": "gold", "quota": 10}, "expires_at": START + 99});
    let Response { status, json: view, .. } =
        w.s.admin(Method::PATCH, &format!("/admin/tokens/{id}"), Some(patch))
            .await;
    assert_eq!(status, 200, "{view}");
    let info = w.s.introspect(("app", &w.app_secret), &token).await.json;
    assert_eq!(info["scope"], "read write");
    assert_eq!(info["exp"], START + 99);
    assert_eq!(info["plan"], "gold");
    assert_eq!(info["quota"], 10);

    // Bad values are refused and change nothing.
    let huge = "x".repeat(17 * 1024);
    for (body, named) in [
        (json!({"properties": {"blob": huge}}), "properties"),
        (json!({"scopes": ["admin"]}), "scopes"),
        (json!({"properties": [1, 2]}), "properties"),
        (json!({"expires_at": "soon"}), "expires_at"),
        (
            json!({"expires_at": START - 1}),
            "expires_at: must be between the token's issued_at",
        ),
        (json!({"expires_at": -1}), "expires_at"),
        (json!({"expires_at": START + TEN_YEARS + 1}), "expires_at"),
        (json!({"expires_at": i64::MAX}), "expires_at"),
        (json!({"owner": "x"}), "owner"),
    ] {
        let Response {
            status, json: answer, ..
        } =
            w.s.admin(Method::PATCH, &format!("/admin/tokens/{id}"), Some(body))
                .await;
        assert_eq!(status, 400, "{answer}");
        assert!(
            answer["error_description"].as_str().unwrap().contains(named),
            "{answer}"
        );
    }
    assert_eq!(
        w.s.introspect(("app", &w.app_secret), &token).await.json["plan"],
        "gold"
    );

    // An expiry at the token's issue (here also now) ends it on the very next call.
    let Response { status, .. } =
        w.s.admin(
            Method::PATCH,
            &format!("/admin/tokens/{id}"),
            Some(json!({"expires_at": START})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        w.s.introspect(("app", &w.app_secret), &token).await.json,
        json!({"active": false})
    );

    let other = w.app_token().await;
    let other_id = token_id(&w, &other).await;
    let Response { status, .. } =
        w.s.admin(Method::DELETE, &format!("/admin/tokens/{other_id}"), None)
            .await;
    assert_eq!(status, 204);
    assert_eq!(
        w.s.introspect(("app", &w.app_secret), &other).await.json["active"],
        false
    );
}

/// `MAX_LIFETIME`: the bound of lifetimes and of an expiry set by PATCH.
const TEN_YEARS: i64 = 10 * 365 * 86_400;

/// An expired, revoked or used token has ended: PATCH answers 409 and changes nothing, so a new
/// expiry cannot make it active again.
#[tokio::test]
async fn an_ended_token_cannot_be_patched_back_to_life() {
    let w = world().await;
    let revive = json!({"expires_at": START + 7200, "properties": {"back": true}});

    let ended = w.app_token().await;
    let ended_id = token_id(&w, &ended).await;
    assert_eq!(patch(&w, &ended_id, json!({"expires_at": START})).await.status, 200);
    let revoked = w.app_token().await;
    let revoked_id = token_id(&w, &revoked).await;
    assert_eq!(
        w.s.admin(Method::DELETE, &format!("/admin/tokens/{revoked_id}"), None)
            .await
            .status,
        204
    );
    let login = w.login("alice").await;
    let used_id = token_id(&w, login["refresh_token"].as_str().unwrap()).await;
    let Response { status, .. } =
        w.s.token(
            ("web", &w.web_secret),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", login["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let brief_secret =
        w.s.create_client("acme", json!({"client_id": "brief", "access_token_ttl": 60}))
            .await;
    let lapsed = w.s.access_token(("brief", &brief_secret)).await;
    let lapsed_id = token_id(&w, &lapsed).await;
    w.s.clock.advance(60);

    for (what, id) in [
        ("ended", &ended_id),
        ("revoked", &revoked_id),
        ("used", &used_id),
        ("lapsed", &lapsed_id),
    ] {
        let Response { status, json: body, .. } = patch(&w, id, revive.clone()).await;
        assert_eq!(status, 409, "{what}: {body}");
        assert_eq!(body["error"], "conflict", "{what}: {body}");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains("no longer active"), "{what}: {body}");
        let Response { json: view, .. } = w.get(&format!("/admin/tokens/{id}")).await;
        assert_eq!(view["active"], false, "{what}: {view}");
        assert_eq!(view["properties"], Value::Null, "{what}: nothing changed: {view}");
    }
    for token in [&ended, &revoked] {
        assert_eq!(
            w.s.introspect(("app", &w.app_secret), token).await.json,
            json!({"active": false})
        );
    }
    assert_eq!(
        w.s.introspect(("brief", &brief_secret), &lapsed).await.json,
        json!({"active": false})
    );
}

/// An expiry is bounded as lifetimes are, so the limit's `Retry-After` (seconds until the
/// earliest active token expires) cannot turn absurd (it was 9223372035058749604).
#[tokio::test]
async fn expires_at_is_bounded_and_retry_after_stays_within_a_lifetime() {
    let w = world().await;
    let first = w.app_token().await;
    let id = token_id(&w, &first).await;
    for far in [i64::MAX, START + TEN_YEARS + 1] {
        let Response { status, json: body, .. } = patch(&w, &id, json!({"expires_at": far})).await;
        assert_eq!(status, 400, "{far}: {body}");
        assert!(
            body["error_description"].as_str().unwrap().starts_with("expires_at: "),
            "{body}"
        );
    }
    let Response { status, json: view, .. } = patch(&w, &id, json!({"expires_at": START + TEN_YEARS})).await;
    assert_eq!(
        (status, &view["expires_at"]),
        (200, &json!(START + TEN_YEARS)),
        "{view}"
    );
    for _ in 0..4 {
        w.app_token().await;
    }
    let refused =
        w.s.token(("app", &w.app_secret), &[("grant_type", "client_credentials")])
            .await;
    assert_eq!(refused.status, 429);
    let retry_after: i64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn lookup_and_unknown_ids() {
    let w = world().await;
    let Response { status, .. } = w.s.lookup_token("tsa_nope").await;
    assert_eq!(status, 404);
    let Response { status, .. } = w.get("/admin/tokens/AAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(status, 404);
    let Response { status, json: body, .. } = w.get("/admin/tokens/not!an!id").await;
    assert_eq!(status, 400, "{body}");
}
