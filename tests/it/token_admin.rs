//! Token management over HTTP: list/limit/update/revoke [R][T], authorizations, and the
//! principal × endpoint permission matrix with cross-tenant attempts.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

struct World {
    s: TestApp,
    app_secret: String,
    web_secret: String,
}

/// Tenants acme (limit 5) and globex; acme has `app` (client_credentials) and `web` (password).
async fn world() -> World {
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
    async fn app_token(&self) -> String {
        self.s.token_cc("app", &self.app_secret, Some("read")).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }
    async fn login(&self, user: &str) -> Value {
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
    async fn get(&self, path: &str) -> Response {
        self.s.admin(Method::GET, path, None).await
    }
    /// A principal: a client in `tenant` with these authorities, and its access token.
    async fn principal(&self, tenant: &str, id: &str, authorities: &[&str]) -> String {
        let secret = self
            .s
            .create_client(tenant, json!({"client_id": id, "authorities": authorities}))
            .await;
        self.s.access_token((id, &secret)).await
    }
}

async fn patch(w: &World, id: &str, body: Value) -> Response {
    w.s.admin(Method::PATCH, &format!("/admin/tokens/{id}"), Some(body))
        .await
}

async fn token_id(w: &World, token: &str) -> String {
    let Response { status, json: view, .. } = w.s.lookup_token(token).await;
    assert_eq!(status, 200, "{view}");
    view["id"].as_str().unwrap().to_string()
}

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

#[tokio::test]
async fn a_users_authorizations_can_be_rescoped_and_revoked_per_client() {
    let w = world().await;
    let first = w.login("alice").await;
    let Response {
        status, json: found, ..
    } = w.get("/admin/tenants/acme/users/alice/authorizations").await;
    assert_eq!(status, 200);
    assert_eq!(
        found,
        json!([{"client_id": "web", "scopes": ["read", "write"], "token_count": 2, "consent": null}])
    );

    let Response { status, json: body, .. } =
        w.s.admin(
            Method::PUT,
            "/admin/tenants/acme/clients/web/authorizations/alice",
            Some(json!({"scopes": ["read"]})),
        )
        .await;
    assert_eq!((status, body), (200, json!({"updated": 2})));
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(
        w.s.introspect(("web", &w.web_secret), access).await.json["scope"],
        "read"
    );
    let Response { status, .. } =
        w.s.admin(
            Method::PUT,
            "/admin/tenants/acme/clients/web/authorizations/alice",
            Some(json!({"scopes": ["root"]})),
        )
        .await;
    assert_eq!(status, 400);

    let Response { status, json: body, .. } =
        w.s.admin(
            Method::DELETE,
            "/admin/tenants/acme/clients/web/authorizations/alice",
            None,
        )
        .await;
    assert_eq!((status, body), (200, json!({"revoked": 2})));
    assert_eq!(
        w.s.introspect(("web", &w.web_secret), access).await.json["active"],
        false
    );
    let Response { json: found, .. } = w.get("/admin/tenants/acme/users/alice/authorizations").await;
    assert_eq!(found, json!([]));
    let Response { status, .. } = w.get("/admin/tenants/acme/users/nobody/authorizations").await;
    assert_eq!(status, 404);
}

/// Every admin route, with the area it belongs to; `{t}` is acme unless a test says otherwise.
fn routes(token_id: &str) -> Vec<(Method, String, Option<Value>, &'static str)> {
    let t = "acme";
    vec![
        (
            Method::POST,
            "/admin/tenants".into(),
            Some(json!({"id": "newco"})),
            "server",
        ),
        (Method::DELETE, "/admin/tenants/globex".into(), None, "server"),
        (Method::GET, format!("/admin/tenants/{t}"), None, "settings:read"),
        (
            Method::PATCH,
            format!("/admin/tenants/{t}"),
            Some(json!({"name": "Acme"})),
            "settings:update",
        ),
        (Method::GET, format!("/admin/tenants/{t}/clients"), None, "clients:read"),
        (
            Method::POST,
            format!("/admin/tenants/{t}/clients"),
            Some(json!({})),
            "clients:update",
        ),
        (
            Method::GET,
            format!("/admin/tenants/{t}/clients/app"),
            None,
            "clients:read",
        ),
        (
            Method::PATCH,
            format!("/admin/tenants/{t}/clients/app"),
            Some(json!({"name": "App"})),
            "clients:update",
        ),
        (
            Method::POST,
            format!("/admin/tenants/{t}/clients/web/secret"),
            None,
            "clients:update",
        ),
        (Method::GET, format!("/admin/tenants/{t}/users"), None, "users:read"),
        (
            Method::POST,
            format!("/admin/tenants/{t}/users"),
            Some(json!({"username": "carol", "password": "pw"})),
            "users:update",
        ),
        (
            Method::GET,
            format!("/admin/tenants/{t}/users/alice"),
            None,
            "users:read",
        ),
        (
            Method::PATCH,
            format!("/admin/tenants/{t}/users/bob"),
            Some(json!({"enabled": true})),
            "users:update",
        ),
        (
            Method::GET,
            format!("/admin/tenants/{t}/users/alice/authorizations"),
            None,
            "tokens:read",
        ),
        (
            Method::GET,
            format!("/admin/tenants/{t}/clients/app/tokens"),
            None,
            "tokens:read",
        ),
        (
            Method::POST,
            format!("/admin/tenants/{t}/clients/web/tokens/revoke"),
            Some(json!({"subject": "nobody"})),
            "tokens:update",
        ),
        (Method::GET, format!("/admin/tokens/{token_id}"), None, "tokens:read"),
        (
            Method::PATCH,
            format!("/admin/tokens/{token_id}"),
            Some(json!({"properties": {"k": 1}})),
            "tokens:update",
        ),
        (
            Method::PUT,
            format!("/admin/tenants/{t}/clients/web/authorizations/bob"),
            Some(json!({"scopes": ["read"]})),
            "tokens:update",
        ),
        (
            Method::DELETE,
            format!("/admin/tenants/{t}/clients/web/authorizations/nobody"),
            None,
            "tokens:update",
        ),
        (
            Method::DELETE,
            format!("/admin/tenants/{t}/users/nobody/authorizations/web"),
            None,
            "tokens:update",
        ),
        (
            Method::DELETE,
            format!("/admin/tenants/{t}/users/bob"),
            None,
            "users:update",
        ),
        (
            Method::DELETE,
            format!("/admin/tenants/{t}/clients/web"),
            None,
            "clients:update",
        ),
    ]
}

/// A principal (tenant, authorities) and which route areas it may use.
type Case<'a> = (&'a str, &'a [&'a str], &'a dyn Fn(&str) -> bool);

#[tokio::test]
async fn the_permission_matrix_holds_on_every_route() {
    // Each principal gets a fresh world, since the routes change and delete things.
    let cases: [Case; 8] = [
        ("acme", &["ROLE_ADMIN_CUSTOMER"], &|area| area != "server"),
        ("acme", &["Auth.Customer.Tokens:READ"], &|area| area == "tokens:read"),
        ("acme", &["Auth.Customer.Tokens:UPDATE"], &|area| {
            area.starts_with("tokens:")
        }),
        ("acme", &["Auth.Customer.Clients:UPDATE"], &|area| {
            area.starts_with("clients:")
        }),
        ("acme", &["Auth.Customer.Users:READ"], &|area| area == "users:read"),
        ("acme", &["Auth.Customer:READ"], &|area| area == "settings:read"),
        ("acme", &["ROLE_ADMIN"], &|_| false),
        (
            "globex",
            &["ROLE_ADMIN_CUSTOMER", "Auth.Customer.Tokens:UPDATE"],
            &|_| false,
        ),
    ];
    for (tenant, authorities, allowed) in cases {
        let w = world().await;
        let bob = w.login("bob").await;
        let id = token_id(&w, bob["access_token"].as_str().unwrap()).await;
        let token = w.principal(tenant, "principal", authorities).await;
        for (method, path, body, area) in routes(&id) {
            let Response {
                status, json: answer, ..
            } = w.s.admin_as(&token, method.clone(), &path, body).await;
            assert!(status < 500, "{method} {path}: {status} {answer}");
            let who = format!("{tenant} {authorities:?} {method} {path}");
            if allowed(area) {
                assert!(status < 400, "{who} should be allowed: {status} {answer}");
            } else if path.starts_with("/admin/tokens/") {
                assert!(status == 403 || status == 404, "{who}: {status} {answer}");
                assert!(answer.get("client_id").is_none(), "{who} leaked the token: {answer}");
            } else {
                assert_eq!(status, 403, "{who}: {answer}");
            }
        }
    }
}

#[tokio::test]
async fn without_a_valid_bearer_every_route_is_401() {
    let w = world().await;
    let bob = w.login("bob").await;
    let id = token_id(&w, bob["access_token"].as_str().unwrap()).await;
    for (method, path, body, _) in routes(&id) {
        for bearer in ["", "tsa_forged", bob["refresh_token"].as_str().unwrap()] {
            let Response {
                status, json: answer, ..
            } = w.s.admin_as(bearer, method.clone(), &path, body.clone()).await;
            assert_eq!(status, 401, "{method} {path} with {bearer:?}: {answer}");
        }
    }
}

#[tokio::test]
async fn a_partial_admin_cannot_take_over_a_stronger_client_or_user() {
    let w = world().await;
    w.s.create_client(
        "acme",
        json!({"client_id": "boss", "authorities": ["ROLE_ADMIN_CUSTOMER"]}),
    )
    .await;
    let Response { status, .. } =
        w.s.admin(
            Method::PATCH,
            "/admin/tenants/acme/users/bob",
            Some(json!({"authorities": ["ROLE_ADMIN_CUSTOMER"]})),
        )
        .await;
    assert_eq!(status, 200);
    let clients_admin = w
        .principal("acme", "clients-admin", &["Auth.Customer.Clients:UPDATE"])
        .await;
    let users_admin = w
        .principal("acme", "users-admin", &["Auth.Customer.Users:UPDATE"])
        .await;
    for (token, method, path, body) in [
        (
            &clients_admin,
            Method::POST,
            "/admin/tenants/acme/clients/boss/secret",
            None,
        ),
        (
            &clients_admin,
            Method::PATCH,
            "/admin/tenants/acme/clients/boss",
            Some(json!({"name": "mine"})),
        ),
        (&clients_admin, Method::DELETE, "/admin/tenants/acme/clients/boss", None),
        (
            &users_admin,
            Method::PATCH,
            "/admin/tenants/acme/users/bob",
            Some(json!({"password": "taken-over"})),
        ),
        (&users_admin, Method::DELETE, "/admin/tenants/acme/users/bob", None),
    ] {
        let Response {
            status, json: answer, ..
        } = w.s.admin_as(token, method.clone(), path, body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    // Whoever holds the authority may manage the client that holds it.
    let tenant_admin = w.principal("acme", "tenant-admin", &["ROLE_ADMIN_CUSTOMER"]).await;
    let Response { status, .. } =
        w.s.admin_as(
            &tenant_admin,
            Method::POST,
            "/admin/tenants/acme/clients/boss/secret",
            None,
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn taking_a_role_away_takes_it_from_tokens_already_issued() {
    let w = world().await;
    let token = w.principal("acme", "boss", &["ROLE_ADMIN_CUSTOMER"]).await;
    let Response { status, .. } =
        w.s.admin_as(&token, Method::GET, "/admin/tenants/acme/users", None)
            .await;
    assert_eq!(status, 200);
    let Response { status, .. } =
        w.s.admin(
            Method::PATCH,
            "/admin/tenants/acme/clients/boss",
            Some(json!({"authorities": []})),
        )
        .await;
    assert_eq!(status, 200);
    let Response { status, .. } =
        w.s.admin_as(&token, Method::GET, "/admin/tenants/acme/users", None)
            .await;
    assert_eq!(status, 403, "the demoted client's old token no longer carries the role");
}

#[tokio::test]
async fn a_users_authorities_count_for_the_admin_api_too() {
    let w = world().await;
    let Response { status, .. } =
        w.s.admin(
            Method::PATCH,
            "/admin/tenants/acme/users/alice",
            Some(json!({"authorities": ["Auth.Customer.Tokens:READ"]})),
        )
        .await;
    assert_eq!(status, 200);
    let alice = w.login("alice").await["access_token"].as_str().unwrap().to_string();
    let Response { status, .. } =
        w.s.admin_as(&alice, Method::GET, "/admin/tenants/acme/clients/app/tokens", None)
            .await;
    assert_eq!(status, 200, "a user token carries the user's authorities");
    let Response { status, .. } =
        w.s.admin_as(
            &alice,
            Method::POST,
            "/admin/tenants/acme/clients/app/tokens/revoke",
            None,
        )
        .await;
    assert_eq!(status, 403, "READ does not imply UPDATE");
    let bob = w.login("bob").await["access_token"].as_str().unwrap().to_string();
    let Response { status, .. } =
        w.s.admin_as(&bob, Method::GET, "/admin/tenants/acme/clients/app/tokens", None)
            .await;
    assert_eq!(status, 403);
}
