//! Token management over HTTP: list/limit/update/revoke [R][T], authorizations, and the
//! principal × endpoint permission matrix with cross-tenant attempts.

mod app_tokens;
mod authorizations;
mod listing;
mod one_token;
mod permissions;
mod roles;

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

pub(super) struct World {
    pub(super) s: TestApp,
    pub(super) app_secret: String,
    pub(super) web_secret: String,
}

/// Tenants acme (limit 5) and globex; acme has `app` (client_credentials) and `web` (password).
pub(super) async fn world() -> World {
    let s = spawn().await;
    s.create_tenant(json!({"id": "acme", "max_active_tokens_per_client": 5}))
        .await;
    s.create_tenant(json!({"id": "globex"})).await;
    let app_secret = s
        .create_client("acme", json!({"client_id": "app", "scopes": ["read", "write"]}))
        .await;
    let web_secret = s
        .create_client(
            "acme",
            json!({"client_id": "web", "grant_types": ["password", "refresh_token"], "scopes": ["read", "write"]}),
        )
        .await;
    s.create_user("acme", "alice", "alice-password", &[]).await;
    s.create_user("acme", "bob", "bob-password", &[]).await;
    World {
        s,
        app_secret,
        web_secret,
    }
}

impl World {
    pub(super) async fn app_token(&self) -> String {
        self.s.token_cc("app", &self.app_secret, Some("read")).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }
    pub(super) async fn login(&self, user: &str) -> Value {
        let password = format!("{user}-password");
        let Response { status, json: body, .. } = self
            .s
            .token(
                ("web", &self.web_secret),
                &[("grant_type", "password"), ("username", user), ("password", &password)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
    pub(super) async fn get(&self, path: &str) -> Response {
        self.s.admin(Method::GET, path, None).await
    }
    /// A principal: a client in `tenant` with these authorities, and its access token.
    pub(super) async fn principal(&self, tenant: &str, id: &str, authorities: &[&str]) -> String {
        let secret = self
            .s
            .create_client(tenant, json!({"client_id": id, "authorities": authorities}))
            .await;
        self.s.access_token((id, &secret)).await
    }
}

pub(super) async fn token_id(w: &World, token: &str) -> String {
    let Response { status, json: view, .. } = w.s.lookup_token(token).await;
    assert_eq!(status, 200, "{view}");
    view["id"].as_str().unwrap().to_string()
}
