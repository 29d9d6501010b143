//! The server's endpoints as the tests speak to them: one [`Api`] method per endpoint, each
//! answering a [`Response`] (status, headers, JSON), so every module asks the same way, of an
//! in-process `TestApp` (which derefs to its `Api`) or of the real binary (`Process::api`).

use super::{ADMIN_ID, ADMIN_SECRET};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

/// One HTTP answer, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body as JSON, or `Null` when it is not JSON (pages, metrics, empty bodies).
    pub json: Value,
    /// The body as text.
    pub text: String,
}

impl Response {
    pub async fn read(r: reqwest::Response) -> Response {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        Response::new(status, headers, r.text().await.unwrap())
    }

    /// An answer from its parts (for the router driven without a network).
    pub fn new(status: u16, headers: HeaderMap, text: String) -> Response {
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            json,
            text,
        }
    }

    /// The access token of a token answer (asserting 200).
    pub fn access_token(&self) -> String {
        assert_eq!(self.status, 200, "{}", self.text);
        self.json["access_token"].as_str().unwrap().to_string()
    }

    /// A header's value, when present and text.
    pub fn header(&self, name: impl reqwest::header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A client as the OAuth endpoints authenticate it: id and secret, sent with HTTP Basic.
pub type Credentials<'a> = (&'a str, &'a str);

/// A server's public and management listeners, a client, and the bootstrap admin's token.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    /// The management listener's base URL (`/metrics`, `/healthz`, `/readyz`).
    pub management: String,
    pub http: reqwest::Client,
    /// Empty until [`Api::signed_in`].
    pub admin_token: String,
}

impl Api {
    pub fn new(base: &str, management: &str) -> Api {
        Api {
            base: base.to_string(),
            management: management.to_string(),
            http: reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap(),
            admin_token: String::new(),
        }
    }

    /// The same, sending through `http` (a client with default headers, say).
    pub fn with_http(mut self, http: reqwest::Client) -> Api {
        self.http = http;
        self
    }

    /// The same, holding the bootstrap admin's token (the server must know `ADMIN_ID`).
    pub async fn signed_in(mut self) -> Api {
        self.admin_token = self.access_token((ADMIN_ID, ADMIN_SECRET)).await;
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends any request (for the headers, bodies and methods the endpoint methods do not choose).
    /// No answer is ever a 500: bad input is a 4xx naming what is wrong, an outage a 503.
    pub async fn send(&self, request: RequestBuilder) -> Response {
        let (client, request) = request.build_split();
        let request = request.unwrap();
        let what = format!("{} {}", request.method(), request.url());
        let answer = Response::read(client.execute(request).await.unwrap()).await;
        assert_ne!(answer.status, 500, "{what}: {}", answer.text);
        answer
    }

    /// A form POST to `path` as `client` (HTTP Basic).
    pub async fn post_form(&self, path: &str, (id, secret): Credentials<'_>, form: &[(&str, &str)]) -> Response {
        let request = self.http.post(self.url(path)).basic_auth(id, Some(secret)).form(form);
        self.send(request).await
    }

    /// `POST /oauth/token` as `client`.
    pub async fn token(&self, client: Credentials<'_>, form: &[(&str, &str)]) -> Response {
        self.post_form("/oauth/token", client, form).await
    }

    /// `POST /oauth/token` as a public client, which names itself with `client_id` in `form`.
    pub async fn token_public(&self, form: &[(&str, &str)]) -> Response {
        self.send(self.http.post(self.url("/oauth/token")).form(form)).await
    }

    /// A client_credentials token answer (asserting 200), with this scope if one is given.
    pub async fn token_cc(&self, id: &str, secret: &str, scope: Option<&str>) -> Value {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend(scope.map(|scope| ("scope", scope)));
        let answer = self.token((id, secret), &form).await;
        assert_eq!(answer.status, 200, "token request failed: {}", answer.text);
        answer.json
    }

    /// A client_credentials access token (asserting 200).
    pub async fn access_token(&self, (id, secret): Credentials<'_>) -> String {
        self.token_cc(id, secret, None).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The password grant: `username` signs in through `client`.
    pub async fn login(&self, client: Credentials<'_>, username: &str, password: &str) -> Response {
        let form = [
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ];
        self.token(client, &form).await
    }

    /// `POST /oauth/introspect` as `client`.
    pub async fn introspect(&self, client: Credentials<'_>, token: &str) -> Response {
        self.post_form("/oauth/introspect", client, &[("token", token)]).await
    }

    /// Whether introspection as `client` says `token` is active (asserting it says either).
    pub async fn is_active(&self, client: Credentials<'_>, token: &str) -> bool {
        let answer = self.introspect(client, token).await;
        answer.json["active"]
            .as_bool()
            .unwrap_or_else(|| panic!("introspection without `active`: {}", answer.text))
    }

    /// `POST /oauth/revoke` as `client`.
    pub async fn revoke(&self, client: Credentials<'_>, token: &str) -> Response {
        self.post_form("/oauth/revoke", client, &[("token", token)]).await
    }

    /// `POST /oauth/check_token` as `client`.
    pub async fn check_token(&self, client: Credentials<'_>, token: &str) -> Response {
        self.post_form("/oauth/check_token", client, &[("token", token)]).await
    }

    /// `GET /.well-known/oauth-authorization-server`.
    pub async fn metadata(&self) -> Response {
        self.send(self.http.get(self.url("/.well-known/oauth-authorization-server")))
            .await
    }

    /// `GET /openapi.json`.
    pub async fn openapi(&self) -> Response {
        self.send(self.http.get(self.url("/openapi.json"))).await
    }

    /// An admin call with the bootstrap admin's token.
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        self.admin_as(&self.admin_token, method, path, body).await
    }

    /// An admin call with `token`.
    pub async fn admin_as(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// Creates a tenant (asserting 201).
    pub async fn create_tenant(&self, body: Value) {
        let answer = self.admin(Method::POST, "/admin/tenants", Some(body)).await;
        assert_eq!(answer.status, 201, "{}", answer.text);
    }

    /// Creates a client (asserting 201) and returns its secret.
    pub async fn create_client(&self, tenant: &str, body: Value) -> String {
        let path = format!("/admin/tenants/{tenant}/clients");
        let answer = self.admin(Method::POST, &path, Some(body)).await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer.json["client_secret"].as_str().unwrap_or_default().to_string()
    }

    /// `GET /admin/tenants/{tenant}/clients/{id}`.
    pub async fn get_client(&self, tenant: &str, id: &str) -> Response {
        let path = format!("/admin/tenants/{tenant}/clients/{id}");
        self.admin(Method::GET, &path, None).await
    }

    /// Creates a user (asserting 201).
    pub async fn create_user(&self, tenant: &str, username: &str, password: &str, authorities: &[&str]) {
        let body = json!({"username": username, "password": password, "authorities": authorities});
        let path = format!("/admin/tenants/{tenant}/users");
        let answer = self.admin(Method::POST, &path, Some(body)).await;
        assert_eq!(answer.status, 201, "{}", answer.text);
    }

    /// `POST /admin/tenants/{tenant}/clients/{client}/tokens` as `token`: an application token.
    pub async fn create_client_token(&self, token: &str, tenant: &str, client: &str, body: Value) -> Response {
        let path = format!("/admin/tenants/{tenant}/clients/{client}/tokens");
        self.admin_as(token, Method::POST, &path, Some(body)).await
    }

    /// `POST /admin/tokens/lookup`: the stored record of a token value.
    pub async fn lookup_token(&self, token: &str) -> Response {
        let body = json!({ "token": token });
        self.admin(Method::POST, "/admin/tokens/lookup", Some(body)).await
    }

    /// The management listener's `GET /metrics`.
    pub async fn metrics(&self) -> Response {
        self.send(self.http.get(format!("{}/metrics", self.management))).await
    }
}
