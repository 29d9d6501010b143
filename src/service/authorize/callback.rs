//! The redirects back to the client (RFC 6749 §4.1.2): `code`, or `error` with
//! `error_description`; then `state` when the request had one, and always `iss` (RFC 9207), so
//! that a client talking to several servers can tell which one answered.

use crate::service::error::safe_description;

/// Where and how to answer one authorization request.
pub struct Callback<'a> {
    pub redirect_uri: &'a str,
    pub state: Option<&'a str>,
    /// The metadata's `issuer`, exactly.
    pub issuer: &'a str,
}

impl Callback<'_> {
    /// Success: the code.
    pub fn code(&self, code: &str) -> String {
        self.with(&[("code", code)])
    }

    /// An error answer; the description is kept to the characters RFC 6749 §4.1.2.1 allows.
    pub fn error(&self, error: &str, description: &str) -> String {
        self.with(&[("error", error), ("error_description", &safe_description(description))])
    }

    /// The redirect URI with `pairs`, `state` and `iss` appended; its own query is kept.
    fn with(&self, pairs: &[(&str, &str)]) -> String {
        let Ok(mut url) = url::Url::parse(self.redirect_uri) else {
            // Registered URIs are validated as absolute URLs; never reached in practice.
            return self.redirect_uri.to_string();
        };
        {
            let mut query = url.query_pairs_mut();
            query.extend_pairs(pairs);
            if let Some(state) = self.state {
                query.append_pair("state", state);
            }
            query.append_pair("iss", self.issuer);
        }
        url.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callback<'a>(redirect_uri: &'a str, state: Option<&'a str>) -> Callback<'a> {
        Callback {
            redirect_uri,
            state,
            issuer: "https://auth.example/tenant",
        }
    }

    #[test]
    fn redirects_keep_the_registered_query_and_encode_values() {
        assert_eq!(
            callback("https://app.example/cb?tenant=a", Some("a&b")).code("x y"),
            "https://app.example/cb?tenant=a&code=x+y&state=a%26b&iss=https%3A%2F%2Fauth.example%2Ftenant"
        );
        assert_eq!(
            callback("com.example.app:/cb", None).code("c"),
            "com.example.app:/cb?code=c&iss=https%3A%2F%2Fauth.example%2Ftenant"
        );
    }

    #[test]
    fn errors_carry_state_iss_and_a_safe_description() {
        let url = callback("http://127.0.0.1:4000/cb", Some("s")).error("invalid_scope", "scope \"é\\\n\" §3");
        let url = url::Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("error"), Some("invalid_scope"));
        assert_eq!(get("error_description"), Some("scope '?'?' ?3"));
        assert_eq!(get("state"), Some("s"));
        assert_eq!(get("iss"), Some("https://auth.example/tenant"));
    }
}
