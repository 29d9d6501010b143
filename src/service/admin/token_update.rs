//! Changing one token [T] (`PATCH /admin/tokens/{id}`): its scopes, expiry and properties, within
//! bounds, and only while it is active.

use super::tokens::{scopes_for, TokenView};
use super::validate::{self, patch, Patch};
use super::{Access, AdminError, AdminResult, Principal};
use crate::service::Service;
use crate::store::TokenPatch as StorePatch;
use serde::Deserialize;
use std::sync::Arc;

/// The most a token's `properties` may weigh, serialized.
pub const MAX_PROPERTIES_BYTES: usize = 16 * 1024;

/// Absent fields stay as they are [T].
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenUpdate {
    /// Must be among the client's scopes (any `device_*` scope is allowed).
    #[schema(pattern = r"^[\x21\x23-\x5B\x5D-\x7E]+$")]
    pub scopes: Option<Vec<String>>,
    /// Unix seconds, from the token's `issued_at` (which ends it) to ten years after; `null`: never expires.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>)]
    pub expires_at: Patch<i64>,
    /// Replaces the token's properties (at most 16 KiB serialized); `null` removes them.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<Object>)]
    pub properties: Patch<serde_json::Map<String, serde_json::Value>>,
}

impl Service {
    /// PATCH: changes an active token. An expired, revoked or used token has ended for good: a
    /// new expiry must not bring it back, so any change to one is refused (409).
    pub async fn update_token_admin(&self, who: &Principal, id: &str, change: TokenUpdate) -> AdminResult<TokenView> {
        let t = self.visible_token(who, id, Access::Update).await?;
        if let Some(expires_at) = change.expires_at {
            validate::expiry("expires_at", t.issued_at, expires_at)?;
        }
        let now = self.clock.now();
        if !t.is_active(now) {
            return Err(AdminError::NotActive("token"));
        }
        let scopes = match change.scopes {
            None => None,
            Some(requested) => {
                let client = crate::store::client_of(&*self.store, t.client_id())
                    .await?
                    .ok_or(AdminError::NotFound("client"))?;
                Some(scopes_for(&client.scopes, requested)?)
            }
        };
        let properties = match change.properties {
            Some(Some(map)) => {
                let size = serde_json::to_vec(&map).map(|v| v.len()).unwrap_or(usize::MAX);
                if size > MAX_PROPERTIES_BYTES {
                    return Err(AdminError::Invalid(format!(
                        "properties: {size} bytes, at most {MAX_PROPERTIES_BYTES}"
                    )));
                }
                Some(Some(Arc::new(map)))
            }
            Some(None) => Some(None),
            None => None,
        };
        if let Some(expires_at) = change.expires_at {
            self.keep_key_for(&t, expires_at).await?;
        }
        let patch = StorePatch {
            scopes,
            expires_at: change.expires_at,
            properties,
        };
        match self.store.update_token(&t.id, patch, now).await? {
            Some(updated) => Ok(TokenView::of(&updated, now)),
            // Expired, revoked or deleted since it was read.
            None => match self.store.get_token(&t.id).await? {
                Some(_) => Err(AdminError::NotActive("token")),
                None => Err(AdminError::NotFound("token")),
            },
        }
    }
}
