//! The bench's own tenant and client, created and deleted through the admin API.

use crate::client::{basic, call, Target};
use anyhow::{anyhow, bail, Context};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{json, Value};
use std::hash::{BuildHasher, Hasher};

/// A client of a fresh tenant: `client_credentials`, policy `multi`, no active-token limit.
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
}

/// A tenant id no other run uses: process id and random bits (a slug, as the admin API wants).
pub fn unique_tenant() -> String {
    // RandomState is seeded from the OS per process; it avoids a rand dependency for 64 bits.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("bench-{}-{:08x}", std::process::id(), hasher.finish() as u32)
}

fn json_headers(bearer: &str) -> anyhow::Result<Vec<(HeaderName, HeaderValue)>> {
    Ok(vec![
        (AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {bearer}"))?),
        (CONTENT_TYPE, HeaderValue::from_static("application/json")),
    ])
}

fn answer_text(body: &Bytes) -> String {
    String::from_utf8_lossy(body).chars().take(500).collect()
}

/// Reads `access_token` from a token answer.
pub fn access_token(body: &[u8]) -> anyhow::Result<String> {
    let value: Value = serde_json::from_slice(body).context("token answer is not JSON")?;
    value["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("token answer without access_token"))
}

/// A `client_credentials` token for the admin client.
pub async fn admin_token(target: &Target, id: &str, secret: &str) -> anyhow::Result<String> {
    let headers = [
        (AUTHORIZATION, basic(id, secret)),
        (
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        ),
    ];
    let body = Bytes::from_static(b"grant_type=client_credentials");
    let (status, answer) = call(target, Method::POST, "/oauth/token", &headers, body).await?;
    if status != StatusCode::OK {
        bail!("admin token refused ({status}): {}", answer_text(&answer));
    }
    access_token(&answer)
}

async fn admin_call(
    target: &Target,
    bearer: &str,
    method: Method,
    path: &str,
    body: Value,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let body = if body.is_null() {
        Bytes::new()
    } else {
        Bytes::from(body.to_string())
    };
    call(target, method, path, &json_headers(bearer)?, body).await
}

/// Creates the tenant and its client, whose access tokens are `format` (`opaque` or `jwt`); the
/// client secret comes back once, in the answer.
pub async fn provision(target: &Target, bearer: &str, format: &str) -> anyhow::Result<Provisioned> {
    let tenant = unique_tenant();
    let body = json!({"id": tenant, "name": "tessera-bench", "token_policy": "multi"});
    let (status, answer) = admin_call(target, bearer, Method::POST, "/admin/tenants", body).await?;
    if status != StatusCode::CREATED {
        bail!("creating tenant {tenant} failed ({status}): {}", answer_text(&answer));
    }
    let client_id = format!("{tenant}-client");
    let body = json!({
        "client_id": client_id,
        "grant_types": ["client_credentials"],
        "token_policy": "multi",
        "access_token_format": format,
    });
    let path = format!("/admin/tenants/{tenant}/clients");
    let (status, answer) = admin_call(target, bearer, Method::POST, &path, body).await?;
    if status != StatusCode::CREATED {
        // Do not leave a half-made tenant behind.
        let _ = delete_tenant(target, bearer, &tenant).await;
        bail!(
            "creating client {client_id} failed ({status}): {}",
            answer_text(&answer)
        );
    }
    let value: Value = serde_json::from_slice(&answer).context("client answer is not JSON")?;
    let client_secret = value["client_secret"]
        .as_str()
        .ok_or_else(|| anyhow!("client answer without client_secret"))?
        .to_string();
    Ok(Provisioned {
        tenant,
        client_id,
        client_secret,
    })
}

/// Deletes the tenant with its clients and tokens.
pub async fn delete_tenant(target: &Target, bearer: &str, tenant: &str) -> anyhow::Result<()> {
    let path = format!("/admin/tenants/{tenant}");
    let (status, answer) = admin_call(target, bearer, Method::DELETE, &path, Value::Null).await?;
    if status != StatusCode::NO_CONTENT {
        bail!("deleting tenant {tenant} failed ({status}): {}", answer_text(&answer));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_slugs_and_differ() {
        let a = unique_tenant();
        let b = unique_tenant();
        assert_ne!(a, b);
        assert!(a.len() <= 63);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        assert!(!a.ends_with('-'));
    }

    #[test]
    fn reads_access_tokens() {
        assert_eq!(
            access_token(br#"{"access_token":"tsa_x","expires_in":3600}"#).unwrap(),
            "tsa_x"
        );
        assert!(access_token(b"{}").is_err());
        assert!(access_token(b"<html>").is_err());
    }
}
