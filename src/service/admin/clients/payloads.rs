//! What the admin API takes and gives for clients: a new client, a change to one, and a client
//! as shown (its secret only in the answer that created or regenerated it).

use super::super::validate::{patch, Patch};
use crate::model::{AccessTokenFormat, Audience, Client, ClientId, GrantType, Lifetime, Origin, TokenPolicy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// Unique across the server; generated when absent.
    pub client_id: Option<ClientId>,
    /// Defaults to the client id.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// Defaults to `["client_credentials"]`.
    pub grant_types: Option<Vec<GrantType>>,
    /// RFC 6749 scope tokens the client may ask for.
    #[serde(default)]
    #[schema(pattern = r"^[\x21\x23-\x5B\x5D-\x7E]+$")]
    pub scopes: Vec<String>,
    /// Absolute URIs without a fragment.
    #[serde(default)]
    #[schema(format = "uri")]
    pub redirect_uris: Vec<String>,
    /// Web origins (`scheme://host[:port]`) that may call the token endpoints from a browser
    /// (CORS), besides the origins of the redirect URIs.
    #[serde(default)]
    #[schema(format = "uri", example = json!(["https://app.example"]))]
    pub allowed_origins: Vec<String>,
    /// Roles its client-credentials tokens carry.
    #[serde(default)]
    #[schema(pattern = r"^[^\s\x00-\x1F\x7F-\x9F]{1,200}$")]
    pub authorities: Vec<String>,
    /// A public client has no secret and cannot use `client_credentials`.
    #[serde(default)]
    pub public: bool,
    /// Seconds (not 0, at most ten years); negative: never expire; `null`: inherit the tenant's.
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub access_token_ttl: Option<i64>,
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub user_access_token_ttl: Option<i64>,
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub refresh_token_ttl: Option<i64>,
    #[schema(minimum = -315_360_000, maximum = 315_360_000)]
    pub code_ttl: Option<i64>,
    /// Seconds after a refresh token's first use during which presenting it again issues new
    /// tokens instead of revoking the lineage (0 to 86400; 0: none); `null`: inherit the tenant's.
    #[schema(minimum = 0, maximum = 86_400)]
    pub refresh_token_grace: Option<i64>,
    pub token_policy: Option<TokenPolicy>,
    #[schema(minimum = 1)]
    pub max_active_tokens: Option<u32>,
    /// `opaque` or `jwt` access tokens; `null`: inherit the tenant's.
    pub access_token_format: Option<AccessTokenFormat>,
    /// `aud` of access tokens whose request names no `resource`; `null`: inherit the tenant's.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255, pattern = r"^[\x21-\x7E]+$")]
    pub audience: Option<Audience>,
}

/// Absent fields stay as they are; `null` sets a setting back to inherit.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    pub grant_types: Option<Vec<GrantType>>,
    #[schema(pattern = r"^[\x21\x23-\x5B\x5D-\x7E]+$")]
    pub scopes: Option<Vec<String>>,
    #[schema(format = "uri")]
    pub redirect_uris: Option<Vec<String>>,
    #[schema(format = "uri")]
    pub allowed_origins: Option<Vec<String>>,
    #[schema(pattern = r"^[^\s\x00-\x1F\x7F-\x9F]{1,200}$")]
    pub authorities: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = -315_360_000, maximum = 315_360_000)]
    pub access_token_ttl: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = -315_360_000, maximum = 315_360_000)]
    pub user_access_token_ttl: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = -315_360_000, maximum = 315_360_000)]
    pub refresh_token_ttl: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = -315_360_000, maximum = 315_360_000)]
    pub code_ttl: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 86_400)]
    pub refresh_token_grace: Patch<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<TokenPolicy>)]
    pub token_policy: Patch<TokenPolicy>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub max_active_tokens: Patch<u32>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<AccessTokenFormat>)]
    pub access_token_format: Patch<AccessTokenFormat>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255, pattern = r"^[\x21-\x7E]+$")]
    pub audience: Patch<Audience>,
}

/// A client; `null` settings inherit the tenant's.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub tenant: String,
    pub name: String,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// Canonical: lowercase scheme and host, no default port.
    #[schema(value_type = Vec<String>)]
    pub allowed_origins: Vec<Origin>,
    pub authorities: Vec<String>,
    pub public: bool,
    pub access_token_ttl: Option<i64>,
    pub user_access_token_ttl: Option<i64>,
    pub refresh_token_ttl: Option<i64>,
    pub code_ttl: Option<i64>,
    pub refresh_token_grace: Option<i64>,
    pub token_policy: Option<TokenPolicy>,
    pub max_active_tokens: Option<u32>,
    pub access_token_format: Option<AccessTokenFormat>,
    #[schema(value_type = Option<String>)]
    pub audience: Option<Audience>,
    /// Only in the answer that created or regenerated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for ClientView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientView")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl From<&Client> for ClientView {
    fn from(c: &Client) -> Self {
        let s = &c.settings;
        ClientView {
            client_id: c.client_id.to_string(),
            tenant: c.tenant.to_string(),
            name: c.name.clone(),
            grant_types: c.grant_types.clone(),
            scopes: c.scopes.clone(),
            redirect_uris: c.redirect_uris.clone(),
            allowed_origins: c.allowed_origins.clone(),
            authorities: c.authorities.clone(),
            public: c.public,
            access_token_ttl: s.access_token_ttl.map(Lifetime::as_i64),
            user_access_token_ttl: s.user_access_token_ttl.map(Lifetime::as_i64),
            refresh_token_ttl: s.refresh_token_ttl.map(Lifetime::as_i64),
            code_ttl: s.code_ttl.map(Lifetime::as_i64),
            refresh_token_grace: s.refresh_token_grace,
            token_policy: s.token_policy,
            max_active_tokens: s.max_active_tokens,
            access_token_format: s.access_token_format,
            audience: s.audience.clone(),
            client_secret: None,
        }
    }
}
