//! Settings: built-in defaults → `tessera.toml` → `TESSERA_*` environment (`__` nests) → flags.

use crate::secret::Secret;
use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};
use std::net::SocketAddr;
use std::path::Path;

mod help;
mod jwt;
mod management;
mod sources;

pub use help::settings_help;
pub use jwt::JwtSigningAlg;
pub use management::ManagementListen;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// fsync on every commit: committed data survives power loss.
    #[default]
    Full,
    /// Survives a process crash, may lose the last commits on power loss.
    Normal,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SqliteConfig {
    pub synchronous: Synchronous,
}

/// A request slower than this is an attack or a broken client, whatever the network.
const MAX_REQUEST_TIMEOUT: u64 = 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// An address, or a host name resolved at start (`localhost:8080`).
    #[serde(deserialize_with = "listen_address")]
    pub listen: SocketAddr,
    /// `/metrics`, `/healthz` and `/readyz` for operators (loopback by default), or `off`; the
    /// metrics are never served on `listen`.
    pub management_listen: ManagementListen,
    /// Seconds a request may take to arrive, head and body, from its first byte; also how long a
    /// connection may wait for the head of its next request.
    pub request_timeout: u64,
    /// Connections open at once on `listen`, at most; 0 = what the descriptor limit leaves.
    pub max_http_connections: usize,
    /// Seconds between counts of the active access tokens (`tessera_active_access_tokens`).
    pub active_tokens_interval: u64,
    /// Threads serving HTTP connections, each a single-threaded runtime; 0 = one per core.
    pub workers: usize,
    /// Let the allocator back the heap with transparent huge pages (Linux).
    pub huge_pages: bool,
    pub store: String,
    /// Public base URL; defaults to `http://{listen}`.
    #[serde(deserialize_with = "lossy_string")]
    pub issuer: Option<String>,
    #[serde(deserialize_with = "lossy_string")]
    pub admin_client_id: Option<String>,
    #[serde(deserialize_with = "lossy_secret")]
    pub admin_client_secret: Option<Secret<String>>,
    /// Current token MAC key (32 bytes, base64url); else a key file beside the store.
    #[serde(deserialize_with = "lossy_secret")]
    pub token_key: Option<Secret<String>>,
    /// Earlier keys, still accepted for verification after a rotation: a TOML list, or in the
    /// environment a comma-separated list.
    #[serde(deserialize_with = "key_list")]
    pub token_previous_keys: Vec<Secret<String>>,
    /// The alg of the JWT signing keys this server generates (first start, rotation).
    pub jwt_signing_alg: JwtSigningAlg,
    /// Seconds a new signing key is published before it signs.
    pub jwt_key_publish_delay: i64,
    /// `tracing` filter, e.g. `info` or `tessera=debug`.
    pub log: String,
    pub log_format: LogFormat,
    pub sqlite: SqliteConfig,
    /// Connection pool size for PostgreSQL and MySQL stores.
    pub max_connections: u32,
    /// Seconds between purges of expired tokens and codes.
    pub purge_interval: u64,
    /// How long past its own expiry a token is kept (a used refresh token still detects replay).
    pub purge_grace: i64,
    /// `TESSERA_*` variables that name no setting: ignored, and named in one warning at start.
    #[serde(skip)]
    pub ignored_env: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            management_listen: ManagementListen::default(),
            request_timeout: 10,
            max_http_connections: 0,
            active_tokens_interval: 30,
            workers: 0,
            huge_pages: false,
            store: "sqlite://tessera.db".into(),
            issuer: None,
            admin_client_id: None,
            admin_client_secret: None,
            token_key: None,
            token_previous_keys: Vec::new(),
            jwt_signing_alg: JwtSigningAlg::default(),
            jwt_key_publish_delay: 600,
            log: "info".into(),
            log_format: LogFormat::Text,
            sqlite: SqliteConfig::default(),
            max_connections: 16,
            purge_interval: 300,
            purge_grace: 3600,
            ignored_env: Vec::new(),
        }
    }
}

/// Environment values such as `TESSERA_ADMIN_CLIENT_SECRET=12345` arrive as numbers; a string
/// setting takes them as written.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum StringLike {
    S(String),
    I(i64),
    U(u64),
    F(f64),
    B(bool),
}

impl From<StringLike> for String {
    fn from(v: StringLike) -> String {
        match v {
            StringLike::S(s) => s,
            StringLike::I(i) => i.to_string(),
            StringLike::U(u) => u.to_string(),
            StringLike::F(f) => f.to_string(),
            StringLike::B(b) => b.to_string(),
        }
    }
}

fn lossy_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<StringLike>::deserialize(d)?.map(String::from))
}

fn listen_address<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    // `TESSERA_LISTEN=8080` arrives as a number: refused by the message below.
    sources::resolve_listen(&String::from(StringLike::deserialize(d)?)).map_err(serde::de::Error::custom)
}

fn lossy_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret<String>>, D::Error> {
    Ok(lossy_string(d)?.map(Secret::new))
}

/// A list, or one string of comma-separated items (`TESSERA_TOKEN_PREVIOUS_KEYS=k1,k2`): keys
/// are base64url, which has no comma.
fn key_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Secret<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<StringLike>),
        One(StringLike),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::Many(items) => items.into_iter().map(|i| Secret::new(String::from(i))).collect(),
        OneOrMany::One(text) => String::from(text)
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| Secret::new(k.to_string()))
            .collect(),
    })
}

/// The admin secret must read the same form-encoded or not. RFC 6749 §2.3.1 has clients
/// form-encode Basic credentials and this server decodes them, so a secret with `+`, `%` or
/// anything else that encoding changes fails for the many clients that send it raw
/// (`curl -u`, most libraries). The secret itself is never named in the message.
fn form_safe_secret(secret: &str) -> Result<(), ConfigError> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if secret.bytes().all(unreserved) {
        return Ok(());
    }
    Err(ConfigError::Invalid(
        "admin_client_secret (TESSERA_ADMIN_CLIENT_SECRET) contains characters that form-encoding changes, \
         so clients sending it raw in HTTP Basic (curl -u, most OAuth libraries) would be refused: \
         use only letters, digits, - . _ and ~ (e.g. the output of tessera key generate)"
            .into(),
    ))
}

/// Command-line values; only those given override the layers below.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads every layer. A `--config` path must exist; the default `tessera.toml` is optional.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        figment = match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError::Invalid(format!(
                    "config file {} does not exist",
                    path.display()
                )))
            }
            Some(path) => figment.merge(Toml::file_exact(path)),
            None if Path::new("tessera.toml").exists() => figment.merge(Toml::file_exact("tessera.toml")),
            None => figment,
        };
        let (env, ignored_env) = sources::environment();
        let mut config: Config = figment
            .merge(env)
            .merge(Serialized::globals(overrides))
            .extract()
            .map_err(|e| ConfigError::Invalid(sources::describe(e)))?;
        config.ignored_env = ignored_env;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(issuer) = &self.issuer {
            let ok = url::Url::parse(issuer)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.query().is_none() && u.fragment().is_none());
            if !ok {
                return Err(ConfigError::Invalid(format!(
                    "issuer {issuer:?} must be an absolute http(s) URL without query or fragment"
                )));
            }
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log) {
            return Err(ConfigError::Invalid(format!(
                "log {:?} is not a tracing filter ({e}): use e.g. info or tessera=debug,info",
                self.log
            )));
        }
        if let Some(id) = &self.admin_client_id {
            // Requests are held to the client-id grammar: an admin outside it could never sign in.
            crate::model::ClientIdRef::parse(id)
                .map_err(|e| ConfigError::Invalid(format!("admin_client_id {id:?} {e}")))?;
        }
        if !(1..=MAX_REQUEST_TIMEOUT).contains(&self.request_timeout) {
            return Err(ConfigError::Invalid(format!(
                "request_timeout {} must be between 1 and {MAX_REQUEST_TIMEOUT} seconds",
                self.request_timeout
            )));
        }
        if self.active_tokens_interval == 0 {
            return Err(ConfigError::Invalid(
                "active_tokens_interval must be at least 1 second".into(),
            ));
        }
        jwt::check_publish_delay(self.jwt_key_publish_delay).map_err(ConfigError::Invalid)?;
        if let Some(secret) = &self.admin_client_secret {
            form_safe_secret(secret.expose())?;
        }
        match (&self.admin_client_id, &self.admin_client_secret) {
            (Some(_), None) | (None, Some(_)) => Err(ConfigError::Invalid(
                "admin_client_id and admin_client_secret must be set together".into(),
            )),
            _ => Ok(()),
        }
    }

    /// The issuer once the listener's real address is known (port 0 resolves at bind).
    pub fn issuer_for(&self, bound: SocketAddr) -> String {
        match &self.issuer {
            Some(issuer) => issuer.trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests;
