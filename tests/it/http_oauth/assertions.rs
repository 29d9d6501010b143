//! Assertions on token and error answers, and a forged token.

use super::TTL;
use crate::helpers::Response;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use serde_json::{json, Value};

/// A successful token answer: no-store, Bearer, `expires_in`, `authorities`.
pub(super) fn assert_token_response(reply: &Response, authorities: Value) -> Value {
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
pub(super) fn assert_error(reply: &Response, status: u16, code: &str) {
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
pub(super) fn assert_4xx_json(reply: &Response, what: &str) {
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
pub(super) fn forge(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let last = chars.len() - 1;
    chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}
