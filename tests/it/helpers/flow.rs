//! A scripted browser for the authorization-code flow: a cookie-keeping HTTP client that follows
//! redirects, reads the hidden fields of the pages and submits their forms, and a callback
//! server on port 0 standing in for the client application's redirect URI.

use super::TestApp;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Starts a tiny app that answers its redirect URI; returns that URI.
pub async fn callback_server() -> String {
    let app = axum::Router::new().route("/cb", axum::routing::get(|| async { "signed in" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/cb")
}

pub struct Browser {
    pub http: reqwest::Client,
}

/// What a page load ended on.
pub struct Landed {
    pub status: u16,
    pub url: reqwest::Url,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Landed {
    pub fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no field {name} in page:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }

    pub fn is_login(&self) -> bool {
        self.body.contains("action=\"/oauth/authorize/login\"")
    }

    pub fn is_consent(&self) -> bool {
        self.body.contains("action=\"/oauth/authorize/consent\"")
    }

    /// A query parameter of the URL the browser ended on (the client's redirect URI).
    pub fn param(&self, name: &str) -> Option<String> {
        self.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

impl Default for Browser {
    fn default() -> Self {
        Self::new(true)
    }
}

impl Browser {
    pub fn new(follow: bool) -> Self {
        let policy = if follow { Policy::limited(10) } else { Policy::none() };
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(policy)
            .build()
            .unwrap();
        Self { http }
    }

    async fn land(response: reqwest::Response) -> Landed {
        Landed {
            status: response.status().as_u16(),
            url: response.url().clone(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, url: &str) -> Landed {
        Self::land(self.http.get(url).send().await.unwrap()).await
    }

    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> Landed {
        Self::land(self.http.post(url).form(form).send().await.unwrap()).await
    }

    /// Submits the login form of `page`.
    pub async fn login(&self, s: &TestApp, page: &Landed, username: &str, password: &str) -> Landed {
        let (request, csrf) = (page.field("request"), page.field("csrf"));
        let form = [
            ("request", request.as_str()),
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ];
        self.post(&s.url("/oauth/authorize/login"), &form).await
    }

    /// Clicks Allow or Deny on the consent page.
    pub async fn decide(&self, s: &TestApp, page: &Landed, decision: &str) -> Landed {
        let (request, csrf) = (page.field("request"), page.field("csrf"));
        let form = [
            ("request", request.as_str()),
            ("csrf", csrf.as_str()),
            ("decision", decision),
        ];
        self.post(&s.url("/oauth/authorize/consent"), &form).await
    }
}

/// Opens `url` and goes through whichever pages come as alice: login, then Allow.
pub async fn through_pages(s: &TestApp, browser: &Browser, url: &str) -> Landed {
    let page = browser.get(url).await;
    let next = if page.is_login() {
        browser.login(s, &page, "alice", "wonderland").await
    } else {
        page
    };
    if next.is_consent() {
        browser.decide(s, &next, "allow").await
    } else {
        next
    }
}

/// An authorize URL for `client` with the usual PKCE challenge and `state=xyz`.
pub fn authorize_url(s: &TestApp, client: &str, redirect_uri: &str, scope: Option<&str>) -> String {
    let mut url = reqwest::Url::parse(&s.url("/oauth/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "xyz")
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    if let Some(scope) = scope {
        url.query_pairs_mut().append_pair("scope", scope);
    }
    url.into()
}

/// A tenant `acme` with user alice (password `wonderland`), a confidential client `web` and a
/// public client `mobile`, both registered for `redirect_uri`; returns `web`'s secret.
pub async fn world(s: &TestApp, redirect_uri: &str) -> String {
    s.create_tenant(json!({"id": "acme", "name": "Acme Corp"})).await;
    s.create_user("acme", "alice", "wonderland", &["ROLE_USER"]).await;
    s.create_user("acme", "bob", "builder", &["ROLE_USER"]).await;
    let secret = s
        .create_client(
            "acme",
            json!({"client_id": "web", "name": "Acme Web", "grant_types": ["authorization_code", "refresh_token"],
                   "scopes": ["read", "write", "admin"], "redirect_uris": [redirect_uri]}),
        )
        .await;
    s.create_client(
        "acme",
        json!({"client_id": "mobile", "name": "Acme Mobile", "public": true,
               "grant_types": ["authorization_code", "refresh_token"],
               "scopes": ["read"], "redirect_uris": [redirect_uri]}),
    )
    .await;
    secret
}

/// `POST /oauth/token` for a code, with Basic auth when `secret` is given, else `client_id` alone.
pub async fn exchange(s: &TestApp, client: &str, secret: Option<&str>, params: &[(&str, &str)]) -> (u16, Value) {
    let mut form: Vec<(&str, &str)> = vec![("grant_type", "authorization_code")];
    form.extend_from_slice(params);
    let mut request = s.http.post(s.url("/oauth/token"));
    match secret {
        Some(secret) => request = request.basic_auth(client, Some(secret)),
        None => form.push(("client_id", client)),
    }
    let r = request.form(&form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}
