//! The CLI's HTTP client: fetches its own client_credentials token, then calls `/admin/*` with it.

use super::cache::TokenCache;
use super::{CliResult, Connection, Failure};
use crate::secret::Secret;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use std::sync::Mutex;
use std::time::Duration;
use url::Url;

/// An authenticated connection to the admin API.
pub struct Admin {
    http: reqwest::Client,
    base: Url,
    /// `Basic …` for the token endpoint.
    credentials: Secret<String>,
    cache: Option<TokenCache>,
    /// The bearer token, and whether it came from the cache (then a 401 earns one fresh try).
    token: Mutex<(Secret<String>, bool)>,
}

/// RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and Base64-encoded.
fn basic(id: &str, secret: &str) -> String {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", encode(id), encode(secret)))
    )
}

fn parse_base(url: &str) -> CliResult<Url> {
    let base = Url::parse(url).map_err(|e| Failure::usage(format!("--url {url:?} is not a valid URL: {e}")))?;
    match base.scheme() {
        "http" => Ok(base),
        "https" => Err(Failure::usage(format!(
            "--url {url}: this build of tessera speaks plain http only (put it behind a local TLS proxy)"
        ))),
        other => Err(Failure::usage(format!("--url {url}: unsupported scheme {other:?}"))),
    }
}

/// Why a request never got an answer, naming the URL and the innermost cause.
fn unreachable(base: &Url, e: &reqwest::Error) -> Failure {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let why = if e.is_timeout() {
        "timed out".to_string()
    } else {
        cause.to_string()
    };
    Failure::failed(format!("cannot reach the server at {base}: {why}"))
}

/// Turns a non-2xx answer into `<status> <error>: <error_description>`.
async fn server_error(response: Response) -> Failure {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let message = match serde_json::from_str::<Value>(&text) {
        Ok(body) if body["error"].is_string() => {
            let code = body["error"].as_str().unwrap_or_default();
            match body["error_description"].as_str() {
                Some(description) => format!("{} {code}: {description}", status.as_u16()),
                None => format!("{} {code}", status.as_u16()),
            }
        }
        _ => {
            let snippet: String = text.trim().chars().take(200).collect();
            let reason = status.canonical_reason().unwrap_or("error");
            if snippet.is_empty() {
                format!("{} {reason}", status.as_u16())
            } else {
                format!("{} {reason}: {snippet}", status.as_u16())
            }
        }
    };
    Failure::failed(message)
}

impl Admin {
    /// Checks the credentials are there, then trades them for an access token at `/oauth/token`.
    pub async fn connect(conn: &Connection) -> CliResult<Admin> {
        let (Some(id), Some(secret)) = (conn.admin_client_id.as_deref(), conn.admin_client_secret.as_ref()) else {
            return Err(Failure::usage(
                "missing admin credentials: set TESSERA_ADMIN_CLIENT_ID and TESSERA_ADMIN_CLIENT_SECRET \
                 (or pass --admin-client-id and --admin-client-secret)",
            ));
        };
        if id.is_empty() || secret.expose().is_empty() {
            return Err(Failure::usage(
                "empty admin credentials: TESSERA_ADMIN_CLIENT_ID / --admin-client-id and \
                 TESSERA_ADMIN_CLIENT_SECRET / --admin-client-secret must not be empty",
            ));
        }
        let base = parse_base(&conn.url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("tessera-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::failed(format!("cannot set up the HTTP client: {e}")))?;
        let admin = Admin {
            http,
            base,
            credentials: Secret::new(basic(id, secret.expose())),
            cache: TokenCache::new(&conn.url, id, secret),
            token: Mutex::new((Secret::new(String::new()), false)),
        };
        match admin.cache.as_ref().and_then(TokenCache::load) {
            Some(token) => *admin.token.lock().unwrap_or_else(|e| e.into_inner()) = (token, true),
            None => admin.mint().await?,
        }
        Ok(admin)
    }

    /// Trades the credentials for a fresh access token at `/oauth/token`, and caches it.
    async fn mint(&self) -> CliResult {
        let request = self
            .http
            .post(self.url(&["oauth", "token"]))
            .header(AUTHORIZATION, self.credentials.expose())
            .header(ACCEPT, "application/json")
            .form(&[("grant_type", "client_credentials")]);
        let answer = self.send(request).await?;
        let token = answer
            .as_ref()
            .and_then(|body| body["access_token"].as_str())
            .map(|token| Secret::new(token.to_string()))
            .ok_or_else(|| Failure::failed("the token endpoint answered without an access_token"))?;
        if let Some(cache) = &self.cache {
            cache.store(&token, answer.as_ref().and_then(|body| body["expires_in"].as_i64()));
        }
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = (token, false);
        Ok(())
    }

    /// `{base}/seg/seg/…`, each segment percent-encoded; a path prefix in `--url` is kept.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends the request; `Ok(None)` for an answer without a body (204).
    async fn send(&self, request: RequestBuilder) -> CliResult<Option<Value>> {
        let response = request.send().await.map_err(|e| unreachable(&self.base, &e))?;
        self.read(response).await
    }

    async fn read(&self, response: Response) -> CliResult<Option<Value>> {
        if !response.status().is_success() {
            return Err(server_error(response).await);
        }
        let text = response.text().await.map_err(|e| unreachable(&self.base, &e))?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Failure::failed(format!("the server answered with something that is not JSON: {e}")))
    }

    /// One admin call under `/admin`: `path` are the segments after it.
    pub async fn call(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> CliResult<Option<Value>> {
        let mut segments = vec!["admin"];
        segments.extend_from_slice(path);
        let mut url = self.url(&segments);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let request = |token: &Secret<String>| {
            let request = self
                .http
                .request(method.clone(), url.clone())
                .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
                .header(ACCEPT, "application/json");
            match &body {
                Some(body) => request.json(body),
                None => request,
            }
        };
        let (token, cached) = self.token.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let response = request(&token).send().await.map_err(|e| unreachable(&self.base, &e))?;
        if response.status() != StatusCode::UNAUTHORIZED || !cached {
            return self.read(response).await;
        }
        // The cached token was revoked, or the server forgot it: once more with a new one.
        if let Some(cache) = &self.cache {
            cache.forget();
        }
        self.mint().await?;
        let token = self.token.lock().unwrap_or_else(|e| e.into_inner()).0.clone();
        self.send(request(&token)).await
    }

    /// A GET under `/admin` that answers with a file rather than JSON: the answer, to be read in
    /// chunks. A big store takes a while to copy and send, so no total time limit applies.
    pub async fn download(&self, path: &[&str]) -> CliResult<Response> {
        let mut segments = vec!["admin"];
        segments.extend_from_slice(path);
        let token = self.token.lock().unwrap_or_else(|e| e.into_inner()).0.clone();
        let response = self
            .http
            .get(self.url(&segments))
            .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
            .timeout(Duration::from_secs(7 * 24 * 3600))
            .send()
            .await
            .map_err(|e| unreachable(&self.base, &e))?;
        if !response.status().is_success() {
            return Err(server_error(response).await);
        }
        Ok(response)
    }

    /// Why reading an answer's body failed part-way.
    pub fn interrupted(&self, e: &reqwest::Error) -> Failure {
        unreachable(&self.base, e)
    }

    /// A call that must answer with a JSON body.
    pub async fn json(&self, method: Method, path: &[&str], body: Option<Value>) -> CliResult<Value> {
        self.call(method, path, &[], body)
            .await?
            .ok_or_else(|| Failure::failed("the server answered without a body"))
    }

    pub async fn get(&self, path: &[&str]) -> CliResult<Value> {
        self.json(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &[&str], body: Value) -> CliResult<Value> {
        self.json(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &[&str], body: Value) -> CliResult<Value> {
        self.json(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &[&str]) -> CliResult<()> {
        self.call(Method::DELETE, path, &[], None).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded() {
        let header = basic("a b", "p:w%");
        let decoded = STANDARD.decode(header.strip_prefix("Basic ").unwrap()).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "a+b:p%3Aw%25");
    }

    #[test]
    fn urls_keep_a_prefix_and_encode_segments() {
        let admin = Admin {
            http: reqwest::Client::new(),
            base: parse_base("http://h:1/auth/").unwrap(),
            credentials: Secret::new(String::new()),
            cache: None,
            token: Mutex::new((Secret::new(String::new()), false)),
        };
        assert_eq!(
            admin.url(&["admin", "tenants", "a/b c"]).as_str(),
            "http://h:1/auth/admin/tenants/a%2Fb%20c"
        );
        assert!(parse_base("https://h").is_err());
        assert!(parse_base("nonsense").is_err());
    }
}
