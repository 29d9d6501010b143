//! A lean HTTP/1.1 keep-alive client on hyper: one connection per worker, request parts prebuilt.

use anyhow::{bail, Context};
use base64::Engine as _;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub type Req = Request<Full<Bytes>>;

/// Where the server is: the socket address to dial and the `Host` header to send.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: String,
    pub host: HeaderValue,
}

impl Target {
    /// `http://host[:port]` with an optional trailing `/`; https and paths are refused.
    pub fn parse(url: &str) -> anyhow::Result<Target> {
        let Some(rest) = url.strip_prefix("http://") else {
            bail!("--url must start with http:// (got {url:?})");
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains('/') {
            bail!("--url must be http://host[:port] without a path (got {url:?})");
        }
        let has_port = match authority.rfind(':') {
            Some(i) => !authority[i..].contains(']'),
            None => false,
        };
        let addr = if has_port {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let host = HeaderValue::from_str(authority).with_context(|| format!("bad host in {url:?}"))?;
        Ok(Target { addr, host })
    }
}

/// `Authorization: Basic …` for a client id and secret.
pub fn basic(id: &str, secret: &str) -> HeaderValue {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    // Base64 output is always a valid header value.
    HeaderValue::from_str(&format!("Basic {encoded}")).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// One keep-alive connection. Its driver runs in a task of its own, as hyper requires.
pub struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
}

impl Conn {
    pub async fn connect(target: &Target) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(&target.addr)
            .await
            .with_context(|| format!("connect to {}", target.addr))?;
        // Requests are small and answered one at a time: Nagle would only add delay.
        stream.set_nodelay(true)?;
        let (sender, driver) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = driver.await;
        });
        Ok(Conn { sender })
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(&mut self, request: Req) -> Result<(StatusCode, Bytes), hyper::Error> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok((parts.status, body))
    }
}

/// Request templates of one client: headers are built once and cloned per request.
pub struct Requests {
    form: HeaderMap,
    plain: HeaderMap,
    token_uri: Uri,
    introspect_uri: Uri,
    revoke_uri: Uri,
    issue_body: Bytes,
}

impl Requests {
    pub fn new(target: &Target, authorization: HeaderValue) -> Requests {
        let mut plain = HeaderMap::new();
        plain.insert(HOST, target.host.clone());
        plain.insert(AUTHORIZATION, authorization);
        let mut form = plain.clone();
        form.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        Requests {
            form,
            plain,
            token_uri: Uri::from_static("/oauth/token"),
            introspect_uri: Uri::from_static("/oauth/introspect"),
            revoke_uri: Uri::from_static("/oauth/revoke"),
            issue_body: Bytes::from_static(b"grant_type=client_credentials"),
        }
    }

    fn build(method: Method, uri: Uri, headers: &HeaderMap, body: Bytes) -> Req {
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers.clone();
        request
    }

    pub fn issue(&self) -> Req {
        Self::build(
            Method::POST,
            self.token_uri.clone(),
            &self.form,
            self.issue_body.clone(),
        )
    }

    /// `param` is a prebuilt `token=…` (see [`TokenParams`]).
    pub fn introspect(&self, param: Bytes) -> Req {
        Self::build(Method::POST, self.introspect_uri.clone(), &self.form, param)
    }

    pub fn revoke(&self, param: Bytes) -> Req {
        Self::build(Method::POST, self.revoke_uri.clone(), &self.form, param)
    }

    pub fn check_token(&self, param: &[u8]) -> Req {
        let mut path = Vec::with_capacity(20 + param.len());
        path.extend_from_slice(b"/oauth/check_token?");
        path.extend_from_slice(param);
        // The parameter is form-encoded, so the path is always a valid URI.
        let uri = Uri::from_maybe_shared(Bytes::from(path)).unwrap_or_else(|_| Uri::from_static("/"));
        Self::build(Method::GET, uri, &self.plain, Bytes::new())
    }
}

/// The `token=<form-encoded value>` of each pool token (the body of an introspection or
/// revocation, the query of a check), all in one buffer. Drawing one at random then costs the same
/// whether the pool holds a thousand tokens or ten million: a slice of the buffer, with no
/// allocation and no pointer to follow, so the load generator's own cache misses do not grow
/// with the pool and count against the server. The buffer is leaked (a pool serves until the run
/// ends, and a process runs one bench): slices of a static buffer are cloned and dropped without
/// the shared reference count every worker thread would otherwise write on every request.
#[derive(Default)]
pub struct TokenParams {
    buffer: &'static [u8],
    /// Where each parameter ends in `buffer` (it starts where the previous one ends).
    ends: Vec<usize>,
}

impl TokenParams {
    /// Consumes the token strings one by one, so a large pool is not held twice.
    pub fn new(tokens: impl IntoIterator<Item = String>) -> Self {
        let mut buffer = Vec::new();
        let mut ends = Vec::new();
        for token in tokens {
            buffer.extend_from_slice(b"token=");
            buffer.extend(form_urlencoded::byte_serialize(token.as_bytes()).flat_map(str::bytes));
            ends.push(buffer.len());
        }
        Self {
            buffer: Box::leak(buffer.into_boxed_slice()),
            ends,
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The parameter of token `i`; panics when `i >= len()`, like indexing.
    pub fn get(&self, i: usize) -> Bytes {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Bytes::from_static(&self.buffer[start..self.ends[i]])
    }
}

/// A single call on a fresh connection, for provisioning (not on the measured path).
pub async fn call(
    target: &Target,
    method: Method,
    path: &str,
    headers: &[(http::HeaderName, HeaderValue)],
    body: Bytes,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let mut conn = Conn::connect(target).await?;
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = method.clone();
    *request.uri_mut() = path.parse().with_context(|| format!("bad path {path:?}"))?;
    request.headers_mut().insert(HOST, target.host.clone());
    for (name, value) in headers {
        request.headers_mut().insert(name.clone(), value.clone());
    }
    conn.send(request).await.with_context(|| format!("{method} {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            (t.addr.as_str(), t.host.to_str().unwrap()),
            ("127.0.0.1:8080", "127.0.0.1:8080")
        );
        assert_eq!(Target::parse("http://localhost/").unwrap().addr, "localhost:80");
        assert_eq!(Target::parse("http://[::1]:9000").unwrap().addr, "[::1]:9000");
        assert_eq!(Target::parse("http://[::1]").unwrap().addr, "[::1]:80");
        assert!(Target::parse("https://x").is_err());
        assert!(Target::parse("http://x/oauth").is_err());
        assert!(Target::parse("http://").is_err());
    }

    #[test]
    fn templates() {
        let target = Target::parse("http://h:1").unwrap();
        let requests = Requests::new(&target, basic("id", "secret"));
        let issue = requests.issue();
        assert_eq!(issue.uri(), "/oauth/token");
        assert_eq!(issue.headers()[AUTHORIZATION], "Basic aWQ6c2VjcmV0");
        assert_eq!(issue.headers()[HOST], "h:1");
        let params = TokenParams::new(["tsa_a+b/c=".to_owned(), "x".to_owned()]);
        let param = params.get(0);
        assert_eq!(&param[..], b"token=tsa_a%2Bb%2Fc%3D");
        let check = requests.check_token(&param);
        assert_eq!(check.method(), Method::GET);
        assert_eq!(check.uri(), "/oauth/check_token?token=tsa_a%2Bb%2Fc%3D");
        assert!(check.headers().get(CONTENT_TYPE).is_none());
        let introspect = requests.introspect(param.clone());
        assert_eq!(introspect.uri(), "/oauth/introspect");
        assert_eq!(introspect.headers()[CONTENT_TYPE], "application/x-www-form-urlencoded");
        assert_eq!(requests.revoke(param).uri(), "/oauth/revoke");
    }

    #[test]
    fn token_params_are_slices_of_one_buffer() {
        let params = TokenParams::new(["a".to_owned(), "b c".to_owned(), String::new()]);
        assert_eq!(params.len(), 3);
        assert_eq!(&params.get(0)[..], b"token=a");
        assert_eq!(&params.get(1)[..], b"token=b+c");
        assert_eq!(&params.get(2)[..], b"token=");
        assert!(TokenParams::default().is_empty());
    }
}
