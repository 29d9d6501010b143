//! The pages' cookies and CSRF check. The CSRF token is the browser's random `tessera_csrf`
//! cookie signed under the token key: a form from another site cannot know it, and any node can
//! check it.

use crate::service::authorize::login::SESSION_TTL;
use crate::service::Service;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::{Cookie, SameSite};

pub const SESSION: &str = "tessera_session";
pub const CSRF: &str = "tessera_csrf";
/// Both cookies are only sent to the authorization pages.
const PATH: &str = "/oauth/authorize";

pub fn read<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn build(service: &Service, name: &'static str, value: String, max_age: Option<i64>) -> HeaderValue {
    let mut cookie = Cookie::build((name, value))
        .path(PATH)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(service.issuer().starts_with("https://"))
        .build();
    if let Some(seconds) = max_age {
        cookie.set_max_age(cookie::time::Duration::seconds(seconds));
    }
    HeaderValue::from_str(&cookie.to_string()).expect("cookie values are base64url")
}

pub fn session(service: &Service, value: String) -> HeaderValue {
    build(service, SESSION, value, Some(SESSION_TTL))
}

/// Expires the login session cookie: signing out of the console signs out of the login page too,
/// so the next sign-in asks for a password again.
pub fn end_session(service: &Service) -> HeaderValue {
    build(service, SESSION, String::new(), Some(0))
}

/// The browser's CSRF secret: the one it has, or a new one to set.
pub fn csrf_secret(headers: &HeaderMap) -> (String, bool) {
    match read(headers, CSRF).filter(|v| v.len() == 22) {
        Some(existing) => (existing.to_string(), false),
        None => {
            use rand::RngCore;
            let mut bytes = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            (URL_SAFE_NO_PAD.encode(bytes), true)
        }
    }
}

pub fn csrf_cookie(service: &Service, secret: &str) -> HeaderValue {
    build(service, CSRF, secret.to_string(), None)
}

pub fn csrf_token(service: &Service, secret: &str) -> String {
    service.csrf_token(secret)
}

/// The form's token must be this browser's cookie, signed by us.
pub fn csrf_ok(service: &Service, headers: &HeaderMap, token: Option<&str>) -> bool {
    let (Some(cookie), Some(token)) = (read(headers, CSRF), token) else {
        return false;
    };
    service.csrf_matches(token, cookie)
}

pub fn set(headers: &mut HeaderMap, cookie: HeaderValue) {
    headers.append(SET_COOKIE, cookie);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(issuer: &str) -> Service {
        let store = std::sync::Arc::new(crate::store::embedded::EmbeddedStore::in_memory());
        let clock = std::sync::Arc::new(crate::clock::ManualClock::new(0));
        Service::new(
            store,
            clock,
            std::sync::Arc::new(crate::token::Keyring::random()),
            issuer,
        )
    }

    #[test]
    fn cookies_are_secure_exactly_when_the_issuer_is_https() {
        let https = session(&service("https://auth.example"), "v".into());
        let https = https.to_str().unwrap();
        assert!(https.contains("Secure") && https.contains("HttpOnly") && https.contains("SameSite=Lax"));
        assert!(https.contains("Path=/oauth/authorize"), "{https}");
        let http = csrf_cookie(&service("http://127.0.0.1:8080"), "v");
        assert!(!http.to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn a_csrf_token_only_matches_its_own_cookie() {
        let s = service("http://x");
        let token = csrf_token(&s, "secret-a");
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("tessera_csrf=secret-a"));
        assert!(csrf_ok(&s, &headers, Some(&token)));
        headers.insert(COOKIE, HeaderValue::from_static("tessera_csrf=secret-b"));
        assert!(!csrf_ok(&s, &headers, Some(&token)));
        assert!(!csrf_ok(&s, &HeaderMap::new(), Some(&token)));
    }

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; tessera_csrf=xyz; b=2"));
        assert_eq!(read(&headers, CSRF), Some("xyz"));
        assert_eq!(read(&headers, SESSION), None);
    }
}
