//! Whose token is it, over HTTP against the real server: a refresh token introspects as active
//! only for the client it was issued to, and revoking another client's token is refused
//! (RFC 7009 §2.1) while another tenant's token looks unknown.

use crate::helpers::Response;
use crate::helpers::{spawn, TestApp};
use serde_json::json;

const PASSWORD: &str = "wonderland";

/// Tenant `acme` with `web` (password + refresh) and `api` (client credentials), user alice;
/// tenant `globex` with `globex-app`. Returns the three client secrets.
async fn fixture(s: &TestApp) -> [String; 3] {
    for tenant in ["acme", "globex"] {
        s.create_tenant(json!({"id": tenant, "name": tenant})).await;
    }
    let client = |tenant: &'static str, id: &'static str, grants: &'static [&'static str]| {
        s.create_client(tenant, json!({"client_id": id, "grant_types": grants}))
    };
    let web = client("acme", "web", &["password", "refresh_token"]).await;
    let api = client("acme", "api", &["client_credentials"]).await;
    let globex = client("globex", "globex-app", &["client_credentials"]).await;
    s.create_user("acme", "alice", PASSWORD, &[]).await;
    [web, api, globex]
}

async fn alice_signs_in(s: &TestApp, web: &str) -> (String, String) {
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
    ];
    let Response { status, json: body, .. } = s.token(("web", web), &form).await;
    assert_eq!(status, 200, "{body}");
    let token = |name: &str| body[name].as_str().unwrap().to_string();
    (token("access_token"), token("refresh_token"))
}

#[tokio::test]
async fn a_refresh_token_is_active_only_for_the_client_it_was_issued_to() {
    let s = spawn().await;
    let [web, api, _] = fixture(&s).await;
    let (access, refresh) = alice_signs_in(&s, &web).await;

    let mine = s.introspect(("web", &web), &refresh).await.json;
    assert_eq!(mine["active"], json!(true), "{mine}");
    assert_eq!(mine["token_type"], json!("refresh_token"));
    assert_eq!(mine["client_id"], json!("web"));
    // To a resource server (any other client) it is no credential at all.
    assert_eq!(
        s.introspect(("api", &api), &refresh).await.json,
        json!({"active": false})
    );
    assert_eq!(s.introspect(("api", &api), &access).await.json["active"], json!(true));

    // check_token describes access tokens only, to anyone: a refresh token is invalid_token.
    for (id, secret) in [("web", &web), ("api", &api)] {
        let Response { status, json: body, .. } = s.check_token((id, secret), &refresh).await;
        assert_eq!((status, &body["error"]), (400, &json!("invalid_token")), "{id}: {body}");
    }
}

#[tokio::test]
async fn revoking_another_clients_token_is_refused_and_leaves_it_alone() {
    let s = spawn().await;
    let [web, api, _] = fixture(&s).await;
    let (access, refresh) = alice_signs_in(&s, &web).await;
    let service_token = s.access_token(("api", &api)).await;

    for (path, token) in [
        ("/oauth/revoke", &access),
        ("/oauth/revoke", &refresh),
        ("/oauth/revoke_token", &refresh),
    ] {
        let Response { status, json: body, .. } = s.post_form(path, ("api", &api), &[("token", token)]).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"], json!("unauthorized_client"), "{body}");
        assert!(body["error_description"].is_string(), "{body}");
    }
    let Response { status, json: body, .. } = s.revoke(("web", &web), &service_token).await;
    assert_eq!((status, &body["error"]), (400, &json!("unauthorized_client")), "{body}");
    assert_eq!(s.introspect(("web", &web), &refresh).await.json["active"], json!(true));
    assert_eq!(s.introspect(("web", &web), &access).await.json["active"], json!(true));
    assert_eq!(
        s.introspect(("web", &web), &service_token).await.json["active"],
        json!(true)
    );

    // The owner still revokes its own, and an unknown token is still 200.
    assert_eq!(s.revoke(("web", &web), &refresh).await.status, 200);
    assert_eq!(
        s.introspect(("api", &api), &access).await.json,
        json!({"active": false})
    );
    assert_eq!(s.revoke(("api", &api), "garbage").await.status, 200);
}

#[tokio::test]
async fn another_tenants_token_looks_unknown_to_revocation() {
    let s = spawn().await;
    let [web, _, globex] = fixture(&s).await;
    let (access, refresh) = alice_signs_in(&s, &web).await;
    for token in [&access, &refresh] {
        let Response { status, json: body, .. } = s.revoke(("globex-app", &globex), token).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(s.introspect(("web", &web), &refresh).await.json["active"], json!(true));
    assert_eq!(s.introspect(("web", &web), &access).await.json["active"], json!(true));
}
