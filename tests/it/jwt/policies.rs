//! Policies, revocation and the admin API on JWTs, on every backend: the store keeps the token
//! record (by `jti`), so each behaves as it does for opaque tokens.

use super::*;
use reqwest::Method;

async fn on_every_backend<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in BACKENDS {
        if let Some(s) = spawn_on(backend).await {
            test(s).await;
        }
    }
}

#[tokio::test]
async fn limit_reuse_and_single_per_subject_hold_for_jwts() {
    on_every_backend(|s| async move {
        // The limit: 429 with Retry-After once the client holds its two.
        let secret = jwt_tenant(&s, json!({"access_token_ttl": 300}), json!({"max_active_tokens": 2})).await;
        for _ in 0..2 {
            assert_eq!(client_credentials(&s, &secret, &[]).await.status, 200);
        }
        let refused = client_credentials(&s, &secret, &[]).await;
        assert_eq!(refused.status, 429, "{}", refused.text);
        assert_eq!(refused.header("retry-after"), Some("300"));

        // `reuse`: the identical JWT string, from the store (ES256 signatures differ each time).
        let path = "/admin/tenants/acme/clients/app";
        let body = json!({"max_active_tokens": null, "token_policy": "reuse"});
        assert_eq!(s.admin(Method::PATCH, path, Some(body)).await.status, 200);
        let first = client_credentials(&s, &secret, &[("scope", "read")])
            .await
            .access_token();
        let again = client_credentials(&s, &secret, &[("scope", "read")])
            .await
            .access_token();
        assert_eq!(first, again, "reuse hands back the identical JWT");
        gateway_verify(&s, &again, "app", true).await;
        let aimed = client_credentials(&s, &secret, &[("scope", "read"), ("resource", "urn:x")]).await;
        assert_ne!(aimed.access_token(), first, "another audience is another token");
        let opaque = json!({"access_token_format": "opaque"});
        assert_eq!(s.admin(Method::PATCH, path, Some(opaque)).await.status, 200);
        let plain = client_credentials(&s, &secret, &[("scope", "read")])
            .await
            .access_token();
        assert!(plain.starts_with("tsa_"), "another format is another token");
        let jwt = json!({"access_token_format": null});
        assert_eq!(s.admin(Method::PATCH, path, Some(jwt)).await.status, 200);

        // `single_per_subject`: a new token revokes the subject's earlier one.
        let body = json!({"token_policy": "single_per_subject"});
        assert_eq!(s.admin(Method::PATCH, path, Some(body)).await.status, 200);
        let older = s.login(("app", &secret), "alice", PASSWORD).await.access_token();
        let newer = s.login(("app", &secret), "alice", PASSWORD).await.access_token();
        assert!(!s.is_active(("app", &secret), &older).await);
        assert!(s.is_active(("app", &secret), &newer).await);
    })
    .await;
}

#[tokio::test]
async fn revocation_lookup_patch_and_delete_work_on_jwts() {
    on_every_backend(|s| async move {
        let secret = jwt_tenant(&s, json!({"access_token_ttl": 600}), json!({})).await;
        let app = ("app", secret.as_str());
        let revoked = client_credentials(&s, &secret, &[]).await.access_token();
        assert_eq!(s.revoke(app, &revoked).await.status, 200);
        assert_eq!(s.introspect(app, &revoked).await.json, json!({"active": false}));
        assert_eq!(s.check_token(app, &revoked).await.status, 400);

        // Lookup finds it by its jti; PATCH changes what introspection says, not the JWT.
        let token = client_credentials(&s, &secret, &[]).await.access_token();
        let found = s.lookup_token(&token).await;
        assert_eq!(found.status, 200, "{}", found.text);
        let id = payload(&token)["jti"].as_str().unwrap().to_string();
        assert_eq!(found.json["id"], id.as_str());
        let path = format!("/admin/tokens/{id}");
        let change = json!({"scopes": ["read"], "expires_at": START + 60});
        let patched = s.admin(Method::PATCH, &path, Some(change)).await;
        assert_eq!(patched.status, 200, "{}", patched.text);
        let info = s.introspect(app, &token).await.json;
        assert_eq!((&info["scope"], &info["exp"]), (&json!("read"), &json!(START + 60)));
        let signed = gateway_verify(&s, &token, "app", true).await;
        assert_eq!(
            (&signed["scope"], &signed["exp"]),
            (&json!("read write"), &json!(START + 600))
        );

        assert_eq!(s.admin(Method::DELETE, &path, None).await.status, 204);
        assert!(!s.is_active(app, &token).await);
        let view = s.admin(Method::GET, &path, None).await.json;
        assert_eq!(view["active"], false);
    })
    .await;
}
