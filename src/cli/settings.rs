//! Options shared by tenants and clients: lifetimes, issuance policy and active-token limit.

use crate::model::{AccessTokenFormat, Audience, Lifetime, NotALifetime, TokenPolicy};
use crate::service::admin::validate;
use clap::Args;
use serde_json::{json, Map, Value};

/// A setting value, or `inherit` to clear it (JSON `null`: fall back to the tenant or the default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting<T> {
    Set(T),
    Inherit,
}

impl<T: serde::Serialize> Setting<T> {
    fn to_json(&self) -> Value {
        match self {
            Setting::Set(v) => json!(v),
            Setting::Inherit => Value::Null,
        }
    }
}

fn is_inherit(s: &str) -> bool {
    matches!(s, "inherit" | "null" | "none")
}

/// A number or `inherit`; the number is checked with the server's rule (`problem`), so that a
/// value the server would refuse never leaves the command line.
fn number<T: std::str::FromStr + Copy>(
    s: &str,
    expected: &str,
    problem: fn(T) -> Option<&'static str>,
) -> Result<Setting<T>, String> {
    if is_inherit(s) {
        return Ok(Setting::Inherit);
    }
    let n: T = s.parse().map_err(|_| expected.to_string())?;
    match problem(n) {
        Some(why) => Err(why.into()),
        None => Ok(Setting::Set(n)),
    }
}

pub fn seconds(s: &str) -> Result<Setting<i64>, String> {
    number(
        s,
        "expected whole seconds (negative: never expires) or `inherit`",
        |n| Lifetime::parse(n).err().map(NotALifetime::reason),
    )
}

pub fn grace(s: &str) -> Result<Setting<i64>, String> {
    number(
        s,
        "expected whole seconds from 0 to 86400, or `inherit`",
        validate::refresh_grace_problem,
    )
}

pub fn count(s: &str) -> Result<Setting<u32>, String> {
    number(
        s,
        "expected a whole number of 1 or more, or `inherit`",
        validate::max_active_problem,
    )
}

pub fn policy(s: &str) -> Result<Setting<TokenPolicy>, String> {
    if is_inherit(s) {
        return Ok(Setting::Inherit);
    }
    TokenPolicy::parse(s)
        .map(Setting::Set)
        .ok_or_else(|| "expected multi, reuse, single_per_subject or inherit".into())
}

pub fn format(s: &str) -> Result<Setting<AccessTokenFormat>, String> {
    if is_inherit(s) {
        return Ok(Setting::Inherit);
    }
    AccessTokenFormat::parse(s)
        .map(Setting::Set)
        .ok_or_else(|| "expected opaque, jwt or inherit".into())
}

pub fn audience(s: &str) -> Result<Setting<Audience>, String> {
    if is_inherit(s) {
        return Ok(Setting::Inherit);
    }
    Audience::parse(s).map(Setting::Set).map_err(String::from)
}

/// Lifetimes and policy; each given option is sent, the others are left out (unchanged / inherited).
#[derive(Args, Debug, Clone, Default)]
pub struct SettingsArgs {
    /// Lifetime of application (client_credentials) access tokens in seconds; negative: never expire;
    /// `inherit` clears it.
    #[arg(long, value_name = "SECONDS", value_parser = seconds, allow_negative_numbers = true)]
    pub access_token_ttl: Option<Setting<i64>>,
    /// Lifetime of user access tokens in seconds (same forms).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, allow_negative_numbers = true)]
    pub user_access_token_ttl: Option<Setting<i64>>,
    /// Lifetime of refresh tokens in seconds (same forms).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, allow_negative_numbers = true)]
    pub refresh_token_ttl: Option<Setting<i64>>,
    /// Lifetime of authorization codes in seconds (same forms).
    #[arg(long, value_name = "SECONDS", value_parser = seconds, allow_negative_numbers = true)]
    pub code_ttl: Option<Setting<i64>>,
    /// Seconds after a refresh token's first use during which presenting it again issues new
    /// tokens instead of revoking them all (0 to 86400; 0: none), or `inherit`.
    #[arg(long, value_name = "SECONDS", value_parser = grace, allow_negative_numbers = true)]
    pub refresh_token_grace: Option<Setting<i64>>,
    /// Issuance policy: multi, reuse, single_per_subject, or inherit.
    #[arg(long, value_name = "POLICY", value_parser = policy)]
    pub token_policy: Option<Setting<TokenPolicy>>,
    /// Most active access tokens a client may hold at once, or `inherit` (no limit of its own).
    #[arg(long, value_name = "N", value_parser = count, allow_negative_numbers = true)]
    pub max_active_tokens: Option<Setting<u32>>,
    /// Access tokens as `opaque` values or `jwt` (RFC 9068), or `inherit`.
    #[arg(long, value_name = "FORMAT", value_parser = format)]
    pub access_token_format: Option<Setting<AccessTokenFormat>>,
    /// `aud` of access tokens whose request names no `resource`, or `inherit` (the client id).
    #[arg(long, value_name = "AUDIENCE", value_parser = audience)]
    pub audience: Option<Setting<Audience>>,
}

impl SettingsArgs {
    /// Adds the given settings to a JSON body; the limit is named `max_field` there.
    pub fn write(&self, body: &mut Map<String, Value>, max_field: &str) {
        let ttls = [
            ("access_token_ttl", &self.access_token_ttl),
            ("user_access_token_ttl", &self.user_access_token_ttl),
            ("refresh_token_ttl", &self.refresh_token_ttl),
            ("code_ttl", &self.code_ttl),
            ("refresh_token_grace", &self.refresh_token_grace),
        ];
        for (key, value) in ttls {
            if let Some(v) = value {
                body.insert(key.into(), v.to_json());
            }
        }
        if let Some(v) = &self.token_policy {
            body.insert("token_policy".into(), v.to_json());
        }
        if let Some(v) = &self.max_active_tokens {
            body.insert(max_field.into(), v.to_json());
        }
        if let Some(v) = &self.access_token_format {
            body.insert("access_token_format".into(), v.to_json());
        }
        if let Some(v) = &self.audience {
            body.insert("audience".into(), v.to_json());
        }
    }
}

/// Puts `value` under `key` when it was given.
pub fn put<T: serde::Serialize>(body: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        body.insert(key.into(), json!(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_become_json_and_inherit_becomes_null() {
        let args = SettingsArgs {
            access_token_ttl: Some(Setting::Set(-1)),
            token_policy: Some(Setting::Set(TokenPolicy::SinglePerSubject)),
            max_active_tokens: Some(Setting::Inherit),
            refresh_token_grace: Some(Setting::Set(10)),
            access_token_format: Some(Setting::Set(AccessTokenFormat::Jwt)),
            audience: Some(Setting::Inherit),
            ..SettingsArgs::default()
        };
        let mut body = Map::new();
        args.write(&mut body, "max_active_tokens_per_client");
        assert_eq!(
            Value::Object(body),
            json!({"access_token_ttl": -1, "token_policy": "single_per_subject", "max_active_tokens_per_client": null,
                   "refresh_token_grace": 10, "access_token_format": "jwt", "audience": null})
        );
        assert!(seconds("soon").is_err());
        assert!(grace("-1").is_err() && grace("86401").is_err());
        assert_eq!(grace("0"), Ok(Setting::Set(0)));
        assert!(count("-1").is_err());
        assert_eq!(policy("inherit"), Ok(Setting::Inherit));
        assert_eq!(format("jwt"), Ok(Setting::Set(AccessTokenFormat::Jwt)));
        assert!(format("JWT").is_err() && audience("a b").is_err());
    }
}
