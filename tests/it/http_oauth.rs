//! The `/oauth/*` HTTP surface driven in-process through `router()` + `oneshot` (no network):
//! every grant's success, every RFC 6749 §5.2 error code with its status and headers, hostile
//! input (always 4xx JSON, never 5xx), introspection / check_token / revocation on valid,
//! revoked, expired, forged and other-tenant tokens, and the discovery and probe endpoints.

use axum::body::{Body, Bytes};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Request};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use tessera::clock::ManualClock;
use tessera::model::{Client, ClientId, GrantType, Tenant, TenantId, TokenSettings, User, Username};
use tessera::secret::Secret;
use tessera::service::Service;
use tessera::store::embedded::EmbeddedStore;
use tessera::store::{ClientStore, TenantStore, UserStore};
use tessera::token::{hash_client_secret, Keyring};
use tower::ServiceExt;

use crate::helpers::Response;

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

const ISSUER: &str = "http://tessera.test";
const START: i64 = 1_800_000_000;
const FORM: &str = "application/x-www-form-urlencoded";

const TENANT_A: &str = "acme";
const TENANT_B: &str = "globex";

/// Tenant A, `client_credentials` only; scopes `read write`, authorities `ROLE_APP`.
const APP: &str = "app";
/// Tenant A, `password` + `refresh_token`.
const WEB: &str = "web";
/// Tenant A, `client_credentials`; used to show one client cannot revoke another's tokens.
const INTRUDER: &str = "intruder";
/// Tenant B, `client_credentials`.
const FOREIGN: &str = "globex-app";

const SECRET: &str = "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret";
const FOREIGN_SECRET: &str = "globex-globex-globex-globex-globex-globex";

const USER: &str = "alice";
const PASSWORD: &str = "wonderland";

/// Access-token lifetime of every client here, so expiry tests know how far to move the clock.
const TTL: i64 = 600;

struct Harness {
    app: Router,
    clock: Arc<ManualClock>,
}

fn client(id: &str, tenant: &str, secret: &str, grants: &[&str]) -> Client {
    Client {
        client_id: ClientId::parse(id.into()).unwrap(),
        tenant: TenantId::parse(tenant.into()).unwrap(),
        name: id.into(),
        secret_hash: Some(hash_client_secret(secret)),
        grant_types: grants.iter().map(|g| GrantType::parse(g).unwrap()).collect(),
        scopes: vec!["read".into(), "write".into()],
        redirect_uris: vec![],
        authorities: vec!["ROLE_APP".into()],
        public: false,
        settings: TokenSettings {
            access_token_ttl: Some(tessera::model::Lifetime::of_seconds(TTL as u32)),
            user_access_token_ttl: Some(tessera::model::Lifetime::of_seconds(TTL as u32)),
            ..Default::default()
        },
        allowed_origins: vec![],
    }
}

fn tenant(id: &str) -> Tenant {
    Tenant {
        id: TenantId::parse(id.into()).unwrap(),
        name: id.into(),
        settings: TokenSettings::default(),
    }
}

/// Two tenants, four clients and one user, created straight through the store.
async fn harness() -> Harness {
    let clock = Arc::new(ManualClock::new(START));
    let store = Arc::new(EmbeddedStore::in_memory());
    let service = Service::new(store.clone(), clock.clone(), Arc::new(Keyring::random()), ISSUER);
    store.create_tenant(tenant(TENANT_A)).await.unwrap();
    store.create_tenant(tenant(TENANT_B)).await.unwrap();
    store
        .create_client(client(APP, TENANT_A, SECRET, &["client_credentials"]))
        .await
        .unwrap();
    store
        .create_client(client(WEB, TENANT_A, SECRET, &["password", "refresh_token"]))
        .await
        .unwrap();
    store
        .create_client(client(INTRUDER, TENANT_A, SECRET, &["client_credentials"]))
        .await
        .unwrap();
    store
        .create_client(client(FOREIGN, TENANT_B, FOREIGN_SECRET, &["client_credentials"]))
        .await
        .unwrap();
    let password_hash = tessera::service::passwords::hash(Secret::new(PASSWORD.into()))
        .await
        .unwrap();
    store
        .create_user(User {
            tenant: TenantId::parse(TENANT_A.into()).unwrap(),
            username: Username::parse(USER.into()).unwrap(),
            password_hash,
            authorities: vec!["ROLE_USER".into()],
            enabled: true,
        })
        .await
        .unwrap();
    Harness {
        app: tessera::http::router(Arc::new(service)),
        clock,
    }
}

// ---------------------------------------------------------------------------------------------
// Request helpers
// ---------------------------------------------------------------------------------------------

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// The secret of a client of this fixture.
fn secret_of(id: &str) -> &'static str {
    if id == FOREIGN {
        FOREIGN_SECRET
    } else {
        SECRET
    }
}

fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A form POST with an optional raw `Authorization` header.
fn form_post(uri: &str, authorization: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::post(uri).header(CONTENT_TYPE, FORM);
    if let Some(value) = authorization {
        builder = builder.header(AUTHORIZATION, value);
    }
    builder.body(body.into()).unwrap()
}

impl Harness {
    async fn send(&self, request: Request<Body>) -> Response {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Response::new(status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn get(&self, uri: &str) -> Response {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    /// `POST /oauth/token` as `client` with HTTP Basic.
    async fn token(&self, client: &str, params: &[(&str, &str)]) -> Response {
        let auth = basic(client, secret_of(client));
        self.send(form_post("/oauth/token", Some(&auth), encode(params))).await
    }

    /// `POST /oauth/token` with a raw body and an optional raw `Authorization` header.
    async fn token_raw(&self, authorization: Option<&str>, body: impl Into<Body>) -> Response {
        self.send(form_post("/oauth/token", authorization, body)).await
    }

    /// A client-credentials access token for `client`.
    async fn app_token(&self, client: &str) -> String {
        let reply = self.token(client, &[("grant_type", "client_credentials")]).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json.clone()["access_token"].as_str().unwrap().to_string()
    }

    /// A password-grant answer for alice through `web` (access and refresh tokens).
    async fn login(&self) -> Value {
        let reply = self
            .token(
                WEB,
                &[("grant_type", "password"), ("username", USER), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json.clone()
    }

    async fn introspect(&self, client: &str, token: &str) -> Response {
        let auth = basic(client, secret_of(client));
        let body = encode(&[("token", token)]);
        self.send(form_post("/oauth/introspect", Some(&auth), body)).await
    }

    /// The introspection answer, asserting the call itself succeeded.
    async fn introspect_ok(&self, client: &str, token: &str) -> Value {
        let reply = self.introspect(client, token).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
        reply.json.clone()
    }

    async fn is_active(&self, token: &str) -> bool {
        self.introspect_ok(APP, token).await["active"] == json!(true)
    }

    async fn check_token_get(&self, client: &str, token: &str) -> Response {
        let uri = format!("/oauth/check_token?{}", encode(&[("token", token)]));
        let request = Request::get(uri)
            .header(AUTHORIZATION, basic(client, secret_of(client)))
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn check_token_post(&self, client: &str, token: &str) -> Response {
        let auth = basic(client, secret_of(client));
        let body = encode(&[("token", token)]);
        self.send(form_post("/oauth/check_token", Some(&auth), body)).await
    }

    async fn revoke(&self, client: &str, token: &str) -> Response {
        let auth = basic(client, secret_of(client));
        let body = encode(&[("token", token)]);
        self.send(form_post("/oauth/revoke", Some(&auth), body)).await
    }
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

/// A successful token answer: no-store, Bearer, `expires_in`, `authorities`.
fn assert_token_response(reply: &Response, authorities: Value) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
    assert_eq!(reply.header(PRAGMA), Some("no-cache"));
    assert!(reply.header(CONTENT_TYPE).unwrap().starts_with("application/json"));
    let body = reply.json.clone();
    assert!(body["access_token"].as_str().unwrap().starts_with("tsa_"), "{body}");
    assert_eq!(body["token_type"], json!("Bearer"));
    assert_eq!(body["expires_in"], json!(TTL));
    assert_eq!(body["authorities"], authorities);
    body
}

/// An OAuth error answer with exactly this status and code, as JSON, not cacheable.
fn assert_error(reply: &Response, status: u16, code: &str) {
    assert_eq!(reply.status, status, "expected {status} {code}, body {:?}", reply.text);
    assert!(
        reply
            .header(CONTENT_TYPE)
            .is_some_and(|v| v.starts_with("application/json")),
        "content type {:?}",
        reply.header(CONTENT_TYPE)
    );
    let body = reply.json.clone();
    assert_eq!(body["error"], json!(code), "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
    // Every 401, whatever the client tried, names the scheme to use (RFC 9110 §15.5.2).
    let challenge = reply.header(WWW_AUTHENTICATE);
    let expected = (status == 401).then_some("Basic realm=\"tessera\"");
    assert_eq!(challenge, expected, "WWW-Authenticate of a {status}");
}

/// Hostile input: some 4xx with a JSON `error`, never a 5xx.
fn assert_4xx_json(reply: &Response, what: &str) {
    assert!(
        (400..500).contains(&reply.status),
        "{what}: expected 4xx, got {} {:?}",
        reply.status,
        reply.text
    );
    assert!(
        reply
            .header(CONTENT_TYPE)
            .is_some_and(|v| v.starts_with("application/json")),
        "{what}: content type {:?}, body {:?}",
        reply.header(CONTENT_TYPE),
        reply.text
    );
    assert!(reply.json.clone()["error"].is_string(), "{what}");
}

/// The same token with one character of its MAC changed.
fn forge(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let last = chars.len() - 1;
    chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Grants that succeed
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn client_credentials_with_basic_auth() {
    let h = harness().await;
    let reply = h
        .token(APP, &[("grant_type", "client_credentials"), ("scope", "read")])
        .await;
    let body = assert_token_response(&reply, json!(["ROLE_APP"]));
    assert_eq!(body["scope"], json!("read"));
    assert!(
        body.get("refresh_token").is_none(),
        "client_credentials gives no refresh token"
    );
}

#[tokio::test]
async fn client_credentials_with_client_secret_post() {
    let h = harness().await;
    let body = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", SECRET),
    ]);
    let reply = h.token_raw(None, body).await;
    let body = assert_token_response(&reply, json!(["ROLE_APP"]));
    assert_eq!(
        body["scope"],
        json!("read write"),
        "no scope asked: every allowed scope"
    );
}

#[tokio::test]
async fn password_grant_issues_access_and_refresh_tokens() {
    let h = harness().await;
    let reply = h
        .token(
            WEB,
            &[
                ("grant_type", "password"),
                ("username", USER),
                ("password", PASSWORD),
                ("scope", "write"),
            ],
        )
        .await;
    let body = assert_token_response(&reply, json!(["ROLE_USER"]));
    assert_eq!(body["scope"], json!("write"));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("tsr_"));
}

#[tokio::test]
async fn refresh_token_grant_rotates_the_refresh_token() {
    let h = harness().await;
    let first = h.login().await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let reply = h
        .token(WEB, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    let body = assert_token_response(&reply, json!(["ROLE_USER"]));
    let rotated = body["refresh_token"].as_str().unwrap();
    assert!(rotated.starts_with("tsr_"));
    assert_ne!(rotated, refresh, "the refresh token is rotated");
    assert_ne!(body["access_token"], first["access_token"]);
    assert_eq!(body["scope"], json!("read write"));
}

// ---------------------------------------------------------------------------------------------
// 2. Every error code of RFC 6749 §5.2
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn missing_grant_type_is_invalid_request() {
    let h = harness().await;
    let reply = h.token(APP, &[("scope", "read")]).await;
    assert_error(&reply, 400, "invalid_request");
    assert!(reply.json.clone()["error_description"]
        .as_str()
        .unwrap()
        .contains("grant_type"));
}

#[tokio::test]
async fn missing_password_is_invalid_request() {
    let h = harness().await;
    let reply = h.token(WEB, &[("grant_type", "password"), ("username", USER)]).await;
    assert_error(&reply, 400, "invalid_request");
    assert!(reply.json.clone()["error_description"]
        .as_str()
        .unwrap()
        .contains("password"));
}

#[tokio::test]
async fn wrong_secret_via_basic_is_401_with_www_authenticate() {
    let h = harness().await;
    let body = encode(&[("grant_type", "client_credentials")]);
    for auth in [basic(APP, "wrong-secret"), basic("ghost", SECRET)] {
        let reply = h.token_raw(Some(&auth), body.clone()).await;
        assert_error(&reply, 401, "invalid_client");
        let challenge = reply.header(WWW_AUTHENTICATE).expect("WWW-Authenticate");
        assert!(challenge.starts_with("Basic"), "{challenge}");
    }
}

#[tokio::test]
async fn wrong_secret_via_client_secret_post_is_401_with_the_basic_challenge() {
    let h = harness().await;
    let body = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", "wrong-secret"),
    ]);
    let reply = h.token_raw(None, body).await;
    assert_error(&reply, 401, "invalid_client");
    assert_eq!(reply.header(WWW_AUTHENTICATE), Some("Basic realm=\"tessera\""));
}

#[tokio::test]
async fn no_client_authentication_is_invalid_client() {
    let h = harness().await;
    let reply = h.token_raw(None, encode(&[("grant_type", "client_credentials")])).await;
    assert_error(&reply, 401, "invalid_client");
    let id_only = encode(&[("grant_type", "client_credentials"), ("client_id", APP)]);
    let reply = h.token_raw(None, id_only).await;
    assert_error(&reply, 401, "invalid_client");
}

#[tokio::test]
async fn wrong_user_password_is_invalid_grant() {
    let h = harness().await;
    for (user, password) in [(USER, "not-wonderland"), ("nobody", PASSWORD)] {
        let reply = h
            .token(
                WEB,
                &[("grant_type", "password"), ("username", user), ("password", password)],
            )
            .await;
        assert_error(&reply, 400, "invalid_grant");
    }
}

#[tokio::test]
async fn bad_refresh_tokens_are_invalid_grant() {
    let h = harness().await;
    let login = h.login().await;
    let refresh = login["refresh_token"].as_str().unwrap();
    let access = login["access_token"].as_str().unwrap();
    let bad = [
        "garbage".to_string(),
        forge(refresh),
        access.to_string(), // an access token is not a refresh token
    ];
    for presented in &bad {
        let reply = h
            .token(WEB, &[("grant_type", "refresh_token"), ("refresh_token", presented)])
            .await;
        assert_error(&reply, 400, "invalid_grant");
    }
    // Used once, then replayed: the replay is refused.
    let exchange = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    assert_eq!(h.token(WEB, &exchange).await.status, 200);
    assert_error(&h.token(WEB, &exchange).await, 400, "invalid_grant");
}

#[tokio::test]
async fn grant_not_allowed_for_client_is_unauthorized_client() {
    let h = harness().await;
    let reply = h
        .token(
            APP,
            &[("grant_type", "password"), ("username", USER), ("password", PASSWORD)],
        )
        .await;
    assert_error(&reply, 400, "unauthorized_client");
    let reply = h.token(WEB, &[("grant_type", "client_credentials")]).await;
    assert_error(&reply, 400, "unauthorized_client");
}

#[tokio::test]
async fn implicit_is_unsupported_grant_type() {
    let h = harness().await;
    let reply = h.token(APP, &[("grant_type", "implicit")]).await;
    assert_error(&reply, 400, "unsupported_grant_type");
}

#[tokio::test]
async fn scope_not_allowed_is_invalid_scope() {
    let h = harness().await;
    let reply = h
        .token(APP, &[("grant_type", "client_credentials"), ("scope", "read admin")])
        .await;
    assert_error(&reply, 400, "invalid_scope");
}

// ---------------------------------------------------------------------------------------------
// 3. Bad input: always 4xx JSON, never 5xx
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn malformed_percent_encoding_is_4xx_json() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    for body in [
        "a=%ZZ",
        "%ZZ=%ZZ",
        "grant_type=%ZZ",
        "grant_type=client_credentials%",
        "grant_type=client_credentials&scope=%",
        "&&&==&=",
    ] {
        let reply = h.token_raw(Some(&auth), body).await;
        assert_4xx_json(&reply, body);
    }
    // Well-formed escapes that decode to bytes that are not UTF-8.
    for body in [
        "grant_type=client_credentials&scope=%FF",
        "grant_type=%C3",
        "%FF=client_credentials",
    ] {
        let reply = h.token_raw(Some(&auth), body).await;
        assert_error(&reply, 400, "invalid_request");
    }
}

#[tokio::test]
async fn raw_non_utf8_body_is_invalid_request() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    let body: &[u8] = b"grant_type=client_credentials&scope=\xff\xfe";
    let reply = h.token_raw(Some(&auth), Bytes::from_static(body)).await;
    assert_error(&reply, 400, "invalid_request");
    let reply = h
        .send(form_post(
            "/oauth/introspect",
            Some(&auth),
            Bytes::from_static(b"token=\xc3"),
        ))
        .await;
    assert_error(&reply, 400, "invalid_request");
}

/// A form body just over `BODY_LIMIT` (64 KiB).
fn oversized_form() -> String {
    format!("grant_type=client_credentials&pad={}", "x".repeat(64 * 1024))
}

#[tokio::test]
async fn body_over_64_kib_is_4xx_never_5xx() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    for uri in [
        "/oauth/token",
        "/oauth/introspect",
        "/oauth/check_token",
        "/oauth/revoke",
        "/oauth/revoke_token",
    ] {
        let reply = h.send(form_post(uri, Some(&auth), oversized_form())).await;
        assert!(
            reply.status == 413 || reply.status == 400,
            "{uri}: {} {:?}",
            reply.status,
            reply.text
        );
    }
    // The form endpoints answer in OAuth JSON.
    for uri in ["/oauth/token", "/oauth/introspect", "/oauth/check_token"] {
        let reply = h.send(form_post(uri, Some(&auth), oversized_form())).await;
        assert_4xx_json(&reply, uri);
    }
}

/// Revocation reads its body with axum's plain `Bytes` extractor, whose rejection is not
/// mapped to OAuth JSON (docs/concepts.md: the http layer maps every error to OAuth JSON once).
#[tokio::test]
async fn body_over_64_kib_on_revoke_is_oauth_json() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    for uri in ["/oauth/revoke", "/oauth/revoke_token"] {
        let reply = h.send(form_post(uri, Some(&auth), oversized_form())).await;
        assert_4xx_json(&reply, uri);
    }
}

#[tokio::test]
async fn json_body_is_invalid_request() {
    let h = harness().await;
    let json_body = json!({"grant_type": "client_credentials"}).to_string();
    let request = Request::post("/oauth/token")
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::from(json_body.clone()))
        .unwrap();
    assert_error(&h.send(request).await, 400, "invalid_request");
    // No content type at all.
    let request = Request::post("/oauth/token")
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::from("grant_type=client_credentials"))
        .unwrap();
    assert_error(&h.send(request).await, 400, "invalid_request");
    // Revocation with a JSON body.
    let request = Request::post("/oauth/revoke")
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::from(json!({"token": "x"}).to_string()))
        .unwrap();
    assert_error(&h.send(request).await, 400, "invalid_request");
}

#[tokio::test]
async fn duplicated_parameter_is_invalid_request() {
    let h = harness().await;
    let auth = basic(APP, SECRET);
    for body in [
        "grant_type=client_credentials&grant_type=client_credentials",
        "grant_type=client_credentials&scope=read&scope=write",
    ] {
        assert_error(&h.token_raw(Some(&auth), body).await, 400, "invalid_request");
    }
    // The same name in the query and in the body of check_token.
    let token = h.app_token(APP).await;
    let uri = format!("/oauth/check_token?{}", encode(&[("token", &token)]));
    let reply = h.send(form_post(&uri, Some(&auth), encode(&[("token", &token)]))).await;
    assert_error(&reply, 400, "invalid_request");
}

/// A 64 KB form of ~8 000 distinct names (quadratic duplicate checks took 85-210 ms on it) is
/// refused at the cap, before client authentication; `MAX_PARAMS` names still pass.
#[tokio::test]
async fn too_many_parameters_is_invalid_request() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let names = |n: usize| (0..n).map(|i| format!("p{i}=v")).collect::<Vec<_>>().join("&");
    let flood = format!("token={token}&{}", names(8_000));
    for auth in [Some(basic(APP, SECRET)), None] {
        for uri in [
            "/oauth/token",
            "/oauth/introspect",
            "/oauth/check_token",
            "/oauth/revoke",
        ] {
            let reply = h.send(form_post(uri, auth.as_deref(), flood.clone())).await;
            assert_error(&reply, 400, "invalid_request");
            let description = reply.json.clone()["error_description"].clone();
            assert_eq!(description, "too many parameters: at most 64", "{uri}");
        }
    }
    // The query and the body count together.
    let uri = format!("/oauth/check_token?{}", names(40));
    let body = format!("token={token}&{}", names(30).replace('p', "q"));
    assert_error(
        &h.send(form_post(&uri, Some(&basic(APP, SECRET)), body)).await,
        400,
        "invalid_request",
    );
    let at_the_cap = format!("token={token}&{}", names(63));
    let reply = h
        .send(form_post("/oauth/introspect", Some(&basic(APP, SECRET)), at_the_cap))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json.clone()["active"], json!(true));
}

#[tokio::test]
async fn malformed_authorization_headers_are_4xx() {
    let h = harness().await;
    let body = encode(&[("grant_type", "client_credentials")]);
    let no_colon = format!("Basic {}", STANDARD.encode("app-without-colon"));
    let not_utf8 = format!("Basic {}", STANDARD.encode(b"\xff\xfe:\xff"));
    for header in ["Basic !!!", "Basic", "Basic ", &no_colon, &not_utf8] {
        let reply = h.token_raw(Some(header), body.clone()).await;
        assert_error(&reply, 401, "invalid_client");
        assert!(reply.header(WWW_AUTHENTICATE).unwrap().starts_with("Basic"));
    }
    // Another scheme is a failed client authentication too, a bearer token above all.
    for header in ["Bearer x", "Digest username=app", "x"] {
        assert_error(&h.token_raw(Some(header), body.clone()).await, 401, "invalid_client");
    }
    // Bytes that are not visible ASCII in the header value.
    let request = Request::post("/oauth/token")
        .header(CONTENT_TYPE, FORM)
        .header(AUTHORIZATION, HeaderValue::from_bytes(b"Basic \xc3\xa9\xff").unwrap())
        .body(Body::from(body))
        .unwrap();
    let reply = h.send(request).await;
    assert_4xx_json(&reply, "non-ASCII Authorization");
    assert_error(&reply, 401, "invalid_client");
}

#[tokio::test]
async fn basic_and_client_secret_together_is_invalid_request() {
    let h = harness().await;
    let body = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", SECRET),
    ]);
    let reply = h.token_raw(Some(&basic(APP, SECRET)), body).await;
    assert_error(&reply, 400, "invalid_request");
    // A client_id in the form that contradicts the Basic credentials is refused too.
    let body = encode(&[("grant_type", "client_credentials"), ("client_id", WEB)]);
    let reply = h.token_raw(Some(&basic(APP, SECRET)), body).await;
    assert_error(&reply, 400, "invalid_request");
}

// ---------------------------------------------------------------------------------------------
// 4. Introspection, check_token and revocation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn introspect_describes_a_valid_token() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let answer = h.introspect_ok(INTRUDER, &token).await;
    assert_eq!(
        answer,
        json!({
            "active": true,
            "scope": "read write",
            "client_id": APP,
            "sub": APP,
            "token_type": "Bearer",
            "exp": START + TTL,
            "iat": START,
            "iss": ISSUER,
            "authorities": ["ROLE_APP"],
            "user_type": "application",
        })
    );
    let login = h.login().await;
    let answer = h.introspect_ok(APP, login["access_token"].as_str().unwrap()).await;
    assert_eq!(answer["active"], json!(true));
    assert_eq!(answer["username"], json!(USER));
    assert_eq!(answer["sub"], json!(USER));
    assert_eq!(answer["client_id"], json!(WEB));
    assert_eq!(answer["authorities"], json!(["ROLE_USER"]));
}

#[tokio::test]
async fn introspect_requires_client_authentication() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let reply = h
        .send(form_post("/oauth/introspect", None, encode(&[("token", &token)])))
        .await;
    assert_error(&reply, 401, "invalid_client");
    let reply = h
        .send(form_post(
            "/oauth/introspect",
            Some(&basic(APP, "wrong")),
            encode(&[("token", &token)]),
        ))
        .await;
    assert_error(&reply, 401, "invalid_client");
    let reply = h
        .send(form_post("/oauth/introspect", Some(&basic(APP, SECRET)), ""))
        .await;
    assert_error(&reply, 400, "invalid_request");
}

#[tokio::test]
async fn introspect_answers_inactive_for_revoked_expired_forged_and_foreign_tokens() {
    let h = harness().await;
    let inactive = json!({"active": false});

    let revoked = h.app_token(APP).await;
    assert_eq!(h.revoke(APP, &revoked).await.status, 200);
    assert_eq!(h.introspect_ok(APP, &revoked).await, inactive, "revoked");

    let valid = h.app_token(APP).await;
    assert_eq!(h.introspect_ok(APP, &forge(&valid)).await, inactive, "forged");
    assert_eq!(h.introspect_ok(APP, "garbage").await, inactive, "garbage");

    // Tenant A's token, asked about by tenant B's client.
    assert_eq!(h.introspect_ok(FOREIGN, &valid).await, inactive, "other tenant");
    assert_eq!(h.introspect_ok(APP, &valid).await["active"], json!(true));

    h.clock.advance(TTL);
    assert_eq!(h.introspect_ok(APP, &valid).await, inactive, "expired");
}

#[tokio::test]
async fn check_token_on_a_valid_token_get_and_post() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let expected = json!({
        "active": true,
        "exp": START + TTL,
        "client_id": APP,
        "authorities": ["ROLE_APP"],
        "scope": ["read", "write"],
    });
    for reply in [
        h.check_token_get(APP, &token).await,
        h.check_token_post(APP, &token).await,
    ] {
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
        assert_eq!(reply.json.clone(), expected);
    }
    let login = h.login().await;
    let reply = h
        .check_token_get(INTRUDER, login["access_token"].as_str().unwrap())
        .await;
    assert_eq!(reply.status, 200);
    let answer = reply.json.clone();
    assert_eq!(answer["user_name"], json!(USER));
    assert_eq!(answer["client_id"], json!(WEB));
    assert_eq!(answer["authorities"], json!(["ROLE_USER"]));
    assert!(answer["scope"].is_array());
}

#[tokio::test]
async fn check_token_post_takes_the_token_from_the_query_without_a_body() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let post = |body: &'static str, content_type: Option<&str>| {
        let mut builder = Request::post(format!("/oauth/check_token?{}", encode(&[("token", &token)])))
            .header(AUTHORIZATION, basic(APP, SECRET));
        if let Some(value) = content_type {
            builder = builder.header(CONTENT_TYPE, value);
        }
        builder.body(Body::from(body)).unwrap()
    };
    let reply = h.send(post("", None)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json.clone()["client_id"], json!(APP));
    assert_eq!(h.send(post("", Some(FORM))).await.status, 200, "empty form");
    // A body in another format is still refused, with or without a content type.
    for (body, content_type) in [("x", None), ("{}", Some("application/json"))] {
        let reply = h.send(post(body, content_type)).await;
        assert_error(&reply, 400, "invalid_request");
        assert!(reply.json.clone()["error_description"]
            .as_str()
            .unwrap()
            .contains("x-www-form-urlencoded"));
    }
}

#[tokio::test]
async fn check_token_refuses_revoked_expired_forged_foreign_and_refresh_tokens() {
    let h = harness().await;
    let revoked = h.app_token(APP).await;
    h.revoke(APP, &revoked).await;
    let valid = h.app_token(APP).await;
    let login = h.login().await;
    let refresh = login["refresh_token"].as_str().unwrap().to_string();
    let cases = [
        (APP, revoked.clone(), "revoked"),
        (APP, forge(&valid), "forged"),
        (APP, "garbage".to_string(), "garbage"),
        (FOREIGN, valid.clone(), "other tenant"),
        (APP, refresh, "refresh token"),
    ];
    for (caller, token, what) in &cases {
        for reply in [
            h.check_token_get(caller, token).await,
            h.check_token_post(caller, token).await,
        ] {
            assert_eq!(reply.status, 400, "{what}");
            assert_error(&reply, 400, "invalid_token");
        }
    }
    h.clock.advance(TTL + 1);
    assert_error(&h.check_token_get(APP, &valid).await, 400, "invalid_token");
    assert_error(&h.check_token_post(APP, &valid).await, 400, "invalid_token");
}

#[tokio::test]
async fn check_token_without_token_or_credentials() {
    let h = harness().await;
    let request = Request::get("/oauth/check_token")
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::empty())
        .unwrap();
    assert_error(&h.send(request).await, 400, "invalid_request");
    let token = h.app_token(APP).await;
    let uri = format!("/oauth/check_token?{}", encode(&[("token", &token)]));
    assert_error(&h.get(&uri).await, 401, "invalid_client");
}

#[tokio::test]
async fn revoke_answers_200_for_unknown_garbage_and_already_revoked_tokens() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    for presented in [
        "garbage".to_string(),
        forge(&token),
        format!("tsa_{}", "A".repeat(44)),
        token.clone(),
        token.clone(),
    ] {
        let reply = h.revoke(APP, &presented).await;
        assert_eq!(reply.status, 200, "{presented}");
        assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
    }
    assert!(!h.is_active(&token).await);
}

#[tokio::test]
async fn revoke_still_authenticates_the_client() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let body = encode(&[("token", &token)]);
    let reply = h
        .send(form_post("/oauth/revoke", Some(&basic(APP, "wrong")), body.clone()))
        .await;
    assert_error(&reply, 401, "invalid_client");
    assert_error(
        &h.send(form_post("/oauth/revoke", None, body)).await,
        401,
        "invalid_client",
    );
    assert!(h.is_active(&token).await);
}

#[tokio::test]
async fn revoke_token_alias_with_query_parameter() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    let uri = format!("/oauth/revoke_token?{}", encode(&[("token", &token)]));
    let request = Request::post(uri)
        .header(AUTHORIZATION, basic(APP, SECRET))
        .body(Body::empty())
        .unwrap();
    let reply = h.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(!h.is_active(&token).await);
    // The alias also takes a form body.
    let token = h.app_token(APP).await;
    let reply = h
        .send(form_post(
            "/oauth/revoke_token",
            Some(&basic(APP, SECRET)),
            encode(&[("token", &token)]),
        ))
        .await;
    assert_eq!(reply.status, 200);
    assert!(!h.is_active(&token).await);
}

#[tokio::test]
async fn revoke_of_an_expired_token_is_200() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    h.clock.advance(TTL + 1);
    assert_eq!(h.revoke(APP, &token).await.status, 200);
}

#[tokio::test]
async fn a_client_revoking_another_clients_token_is_refused_and_leaves_it_active() {
    let h = harness().await;
    let token = h.app_token(APP).await;
    // RFC 7009 §2.1: the client is told its request was refused.
    assert_error(&h.revoke(INTRUDER, &token).await, 400, "unauthorized_client");
    assert!(h.is_active(&token).await);
    // To a client of another tenant the token is unknown: 200, and nothing revoked.
    assert_eq!(h.revoke(FOREIGN, &token).await.status, 200);
    assert!(h.is_active(&token).await);
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_the_access_token_of_its_grant() {
    let h = harness().await;
    let login = h.login().await;
    let access = login["access_token"].as_str().unwrap();
    let refresh = login["refresh_token"].as_str().unwrap();
    let other = h.login().await;
    let other_access = other["access_token"].as_str().unwrap();
    assert!(h.is_active(access).await);
    assert_eq!(h.introspect_ok(WEB, refresh).await["active"], json!(true));
    assert_eq!(h.revoke(WEB, refresh).await.status, 200);
    assert!(!h.is_active(access).await);
    assert_eq!(h.introspect_ok(WEB, refresh).await, json!({"active": false}));
    assert!(h.is_active(other_access).await, "another grant is untouched");
    let reply = h
        .token(WEB, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_error(&reply, 400, "invalid_grant");
}

// ---------------------------------------------------------------------------------------------
// 5. Discovery, probes, unknown paths
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn metadata_has_absolute_endpoint_urls() {
    let h = harness().await;
    let reply = h.get("/.well-known/oauth-authorization-server").await;
    assert_eq!(reply.status, 200);
    let body = reply.json.clone();
    assert_eq!(body["issuer"], json!(ISSUER));
    for (field, path) in [
        ("token_endpoint", "/oauth/token"),
        ("introspection_endpoint", "/oauth/introspect"),
        ("revocation_endpoint", "/oauth/revoke"),
    ] {
        let value = body[field].as_str().unwrap_or_else(|| panic!("{field}"));
        let url = url::Url::parse(value).unwrap_or_else(|e| panic!("{field} {value:?}: {e}"));
        assert_eq!(url.scheme(), "http");
        assert_eq!(url.host_str(), Some("tessera.test"));
        assert_eq!(url.path(), path);
    }
    let grants = body["grant_types_supported"].as_array().unwrap();
    for grant in ["client_credentials", "password", "refresh_token"] {
        assert!(grants.contains(&json!(grant)), "{grant}");
    }
    let methods = body["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(methods.contains(&json!("client_secret_basic")));
    assert!(methods.contains(&json!("client_secret_post")));
}

#[tokio::test]
async fn health_and_readiness_probes_are_200() {
    let h = harness().await;
    assert_eq!(h.get("/healthz").await.status, 200);
    assert_eq!(h.get("/readyz").await.status, 200);
}

#[tokio::test]
async fn unknown_path_is_404_json() {
    let h = harness().await;
    for uri in ["/nope", "/oauth/authorise", "/oauth/token/extra"] {
        let reply = h.get(uri).await;
        assert_eq!(reply.status, 404, "{uri}");
        assert_eq!(reply.json.clone()["error"], json!("not_found"), "{uri}");
    }
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let h = harness().await;
    let reply = h.get("/healthz").await;
    assert!(reply.header("x-request-id").is_some_and(|v| !v.is_empty()));
}
