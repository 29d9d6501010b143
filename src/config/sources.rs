//! Where settings come from and how a bad one is reported: the environment layer (known names
//! only), host names in `listen`, and errors that name the setting and its source.

use super::Config;
use figment::error::Kind;
use figment::providers::Env;
use figment::Source;
use std::net::{SocketAddr, ToSocketAddrs};

/// Variables of the CLI (`tessera tenant …`) that share the prefix without being server settings.
const CLI_ONLY: &[&str] = &["url"];

/// The top-level setting names, as serde writes them.
fn known_settings() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(fields)) => fields.into_iter().map(|(name, _)| name).collect(),
        _ => Vec::new(),
    }
}

/// The setting an environment key (`sqlite__synchronous` or `sqlite.synchronous`) belongs to.
fn setting_of(key: &str) -> &str {
    key.split("__").next().unwrap_or(key).split('.').next().unwrap_or(key)
}

/// `TESSERA_*` variables that name a setting. The others are ignored, not refused: Kubernetes
/// injects `TESSERA_SERVICE_HOST`, `TESSERA_PORT=tcp://…` … into every pod beside a Service
/// named `tessera`, and the CLI's own `TESSERA_URL` is often exported in the same shell.
pub(super) fn environment() -> (Env, Vec<String>) {
    let known = known_settings();
    let env = Env::prefixed("TESSERA_");
    let ignored = env
        .iter()
        .map(|(key, _)| key.as_str().to_string())
        .filter(|key| !known.iter().any(|k| k == setting_of(key)) && !CLI_ONLY.contains(&key.as_str()))
        .map(|key| format!("TESSERA_{}", key.to_ascii_uppercase()))
        .collect();
    let env = env
        .filter(move |key| known.iter().any(|k| k.eq_ignore_ascii_case(setting_of(key.as_str()))))
        .split("__");
    (env, ignored)
}

/// `listen`: an address, or a host name resolved now (`localhost:8080`); the first address wins.
pub(super) fn resolve_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let hint = "use HOST:PORT, e.g. 127.0.0.1:8080 or localhost:8080";
    let mut addrs = text
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {text:?} ({e}): {hint}"))?;
    addrs
        .next()
        .ok_or_else(|| format!("{text:?} resolves to no address: {hint}"))
}

/// One clause per failing setting: its name, what is wrong and where the value came from, without
/// figment's profile names (`default.listen`) or the source location of the command-line layer.
pub(super) fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| describe_one(&e))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_one(e: &figment::Error) -> String {
    let key = e.path.join(".");
    let what = match &e.kind {
        // The path ends with the unknown name itself.
        Kind::UnknownField(name, _) if key.is_empty() => format!("unknown setting {name:?}"),
        Kind::UnknownField(..) => format!("unknown setting {key:?}"),
        Kind::UnknownVariant(value, expected) => {
            format!("{key}: {value:?} is not one of {}", expected.join(", "))
        }
        Kind::Message(message) => format!("{key}: {message}"),
        other => format!("{key}: {}", other.to_string().replace('`', "")),
    };
    let origin = e.metadata.as_ref().map(|m| match &m.source {
        Some(Source::File(path)) => format!(" (in {})", path.display()),
        Some(Source::Code(_)) => " (on the command line)".to_string(),
        _ if m.name.contains("environment") => format!(" (from TESSERA_{})", e.path.join("__").to_uppercase()),
        _ => String::new(),
    });
    format!("{what}{}", origin.unwrap_or_default())
}
