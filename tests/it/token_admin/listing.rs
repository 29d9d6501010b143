//! A client's tokens listed with count, limit, filters and pages, and revoked all at once.

use super::world;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn a_clients_tokens_are_listed_with_count_limit_filters_and_pages() {
    let w = world().await;
    let mut issued = Vec::new();
    for _ in 0..3 {
        issued.push(w.app_token().await);
    }
    let Response { status, json: list, .. } = w.get("/admin/tenants/acme/clients/app/tokens").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["active_count"], 3);
    assert_eq!(list["max_active_tokens"], 5, "the effective (tenant) limit");
    assert_eq!(list["tokens"].as_array().unwrap().len(), 3);
    assert_eq!(list["next_cursor"], Value::Null);
    let first = &list["tokens"][0];
    for field in [
        "id",
        "kind",
        "subject",
        "scopes",
        "issued_at",
        "expires_at",
        "properties",
    ] {
        assert!(first.get(field).is_some(), "{field} missing: {first}");
    }
    let text = list.to_string();
    assert!(
        issued
            .iter()
            .all(|t| !text.contains(t.as_str()) && !text.contains(&t[4..])),
        "never reveals values"
    );

    // Pages of two, joined by the cursor, cover all three once.
    let Response { json: page1, .. } = w.get("/admin/tenants/acme/clients/app/tokens?limit=2").await;
    let cursor = page1["next_cursor"].as_str().expect("a second page").to_string();
    let Response { json: page2, .. } = w
        .get(&format!(
            "/admin/tenants/acme/clients/app/tokens?limit=2&cursor={cursor}"
        ))
        .await;
    let mut ids: Vec<_> = page1["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2["tokens"].as_array().unwrap())
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(page2["next_cursor"], Value::Null);
    ids.dedup();
    assert_eq!(ids.len(), 3);

    // Filters: subject and kind, on the password client.
    w.login("alice").await;
    w.login("bob").await;
    let Response { json: alice, .. } = w.get("/admin/tenants/acme/clients/web/tokens?subject=alice").await;
    assert_eq!(alice["tokens"].as_array().unwrap().len(), 2, "access + refresh");
    let Response { json: refresh, .. } = w.get("/admin/tenants/acme/clients/web/tokens?kind=refresh").await;
    assert!(refresh["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["kind"] == "refresh"));
    assert_eq!(refresh["tokens"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_list_parameters_are_400_naming_them() {
    let w = world().await;
    w.app_token().await;
    for (query, named) in [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("kind=code", "kind"),
        ("cursor=AAAA", "cursor"),
        ("colour=blue", "colour"),
    ] {
        let Response { status, json: body, .. } =
            w.get(&format!("/admin/tenants/acme/clients/app/tokens?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error_description"].as_str().unwrap().contains(named),
            "{query}: {body}"
        );
    }
    // A real cursor with one character changed is refused.
    let Response { json: page, .. } = w.get("/admin/tenants/acme/clients/app/tokens?limit=1").await;
    if let Some(cursor) = page["next_cursor"].as_str() {
        let mut tampered = cursor.to_string().into_bytes();
        tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        let Response { status, .. } = w
            .get(&format!("/admin/tenants/acme/clients/app/tokens?cursor={tampered}"))
            .await;
        assert_eq!(status, 400);
    }
}

#[tokio::test]
async fn revoking_all_frees_the_slots_at_once() {
    let w = world().await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(w.app_token().await);
    }
    let Response { status, .. } =
        w.s.token(("app", &w.app_secret), &[("grant_type", "client_credentials")])
            .await;
    assert_eq!(status, 429);
    let Response { status, json: body, .. } =
        w.s.admin(Method::POST, "/admin/tenants/acme/clients/app/tokens/revoke", None)
            .await;
    assert_eq!((status, body), (200, json!({"revoked": 5})));
    for t in &tokens {
        assert_eq!(w.s.introspect(("app", &w.app_secret), t).await.json["active"], false);
    }
    w.app_token().await;
    let Response { json: list, .. } = w.get("/admin/tenants/acme/clients/app/tokens").await;
    assert_eq!(list["active_count"], 1);

    // With a subject, only that subject's tokens go.
    let alice = w.login("alice").await;
    let bob = w.login("bob").await;
    let Response { status, json: body, .. } =
        w.s.admin(
            Method::POST,
            "/admin/tenants/acme/clients/web/tokens/revoke",
            Some(json!({"subject": "alice"})),
        )
        .await;
    assert_eq!((status, body), (200, json!({"revoked": 2})));
    assert_eq!(
        w.s.introspect(("web", &w.web_secret), alice["access_token"].as_str().unwrap())
            .await
            .json["active"],
        false
    );
    assert_eq!(
        w.s.introspect(("web", &w.web_secret), bob["access_token"].as_str().unwrap())
            .await
            .json["active"],
        true
    );
}
