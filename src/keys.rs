//! Which token key a node uses, and rotating the key file beside a SQLite store offline.

use crate::config::Config;
use crate::secret::Secret;
use crate::service::signing::rewrap;
use crate::store::{self, embedded::sqlite::FileLock};
use crate::token::{KeyFile, KeyPosition, Keyring};
use anyhow::Context;
use std::path::Path;

/// The token key: configured, else the key file beside the store, else (memory store) ephemeral.
pub fn keyring(config: &Config) -> anyhow::Result<Keyring> {
    if let Some(key) = &config.token_key {
        if let Some(path) = store::key_file_beside(&config.store) {
            warn_if_the_key_file_differs(&path, key, &config.token_previous_keys);
        }
        return Keyring::from_config(key, &config.token_previous_keys).context("token_key");
    }
    match store::key_file_beside(&config.store) {
        Some(path) => Keyring::load_or_create(&path).with_context(|| format!("token key file {}", path.display())),
        // Nodes sharing a database must share the key, and it must never live in that database.
        None if store::is_shared(&config.store) => anyhow::bail!(
            "token_key: a postgres, mysql or cassandra store needs TESSERA_TOKEN_KEY (the same on every node); \
             generate one with `tessera key generate`"
        ),
        // memory:// (tokens die with the process anyway); unknown schemes are named by the store.
        None => Ok(Keyring::random()),
    }
}

/// A configured key overrides the key file; the tokens issued under the file's key then live
/// only if that key is among the previous keys. Says so, naming the settings, never a key.
fn warn_if_the_key_file_differs(path: &Path, key: &Secret<String>, previous: &[Secret<String>]) {
    let Ok(Some(file)) = KeyFile::read(path) else { return };
    if file.position_of(key) == KeyPosition::Current {
        return;
    }
    let kept = previous.iter().any(|p| file.position_of(p) == KeyPosition::Current);
    if kept {
        tracing::warn!(
            key_file = %path.display(),
            "token_key (TESSERA_TOKEN_KEY) differs from the key file's key and is used instead; \
             the file's key is listed in token_previous_keys (TESSERA_TOKEN_PREVIOUS_KEYS), so tokens \
             issued under it stay active"
        );
    } else {
        tracing::warn!(
            key_file = %path.display(),
            "token_key (TESSERA_TOKEN_KEY) differs from the key file's key and is used instead: tokens \
             issued under the file's key are inactive unless it is listed in token_previous_keys \
             (TESSERA_TOKEN_PREVIOUS_KEYS)"
        );
    }
}

/// `tessera key rotate`: a new current key in the key file, the old one kept as a previous key;
/// with `forget_previous`, the previous keys are dropped instead. The server must be stopped: the
/// store file is held meanwhile, so neither can start on the other's keys. The stored JWT signing
/// keys follow: a rotation wraps each under the new key too (after the file is written, so a
/// crash in between leaves them under a key the file holds); forgetting first leaves each wrapped
/// under the current key alone, so that none needs a forgotten key.
pub fn rotate(config: &Config, forget_previous: bool) -> anyhow::Result<String> {
    if config.token_key.is_some() {
        anyhow::bail!(
            "token_key (TESSERA_TOKEN_KEY) is set, so the key file is not used: rotate through \
             token_key and token_previous_keys (TESSERA_TOKEN_PREVIOUS_KEYS) instead"
        );
    }
    let Some(path) = store::key_file_beside(&config.store) else {
        anyhow::bail!(
            "store {}: only a sqlite:// store has a key file; other stores rotate through \
             TESSERA_TOKEN_KEY and TESSERA_TOKEN_PREVIOUS_KEYS",
            store::redact_url(&config.store)
        );
    };
    let db = Path::new(config.store.strip_prefix("sqlite://").unwrap_or_default());
    let mut held = FileLock::take(db).context("stop the server before rotating its key")?;
    let file = KeyFile::read(&path)
        .with_context(|| format!("token key file {}", path.display()))?
        .with_context(|| {
            format!(
                "token key file {} does not exist: the server creates it on its first start",
                path.display()
            )
        })?;
    let mut rewrap_under = |file: &KeyFile, only_current: bool| -> anyhow::Result<()> {
        let ring = file
            .keyring()
            .with_context(|| format!("token key file {}", path.display()))?;
        if let Some(held) = &mut held {
            held.rewrap_signing_keys(|key| rewrap(key, &ring, only_current).map_err(anyhow::Error::from))?;
        }
        Ok(())
    };
    let done = if forget_previous {
        rewrap_under(&file, true)?;
        let n = file.previous.len();
        file.without_previous()
            .write(&path)
            .with_context(|| format!("token key file {}", path.display()))?;
        format!("forgot {n} previous key(s)")
    } else {
        let file = file.rotated();
        file.write(&path)
            .with_context(|| format!("token key file {}", path.display()))?;
        rewrap_under(&file, false)?;
        format!(
            "new key written; {} previous key(s) still accepted",
            file.previous.len()
        )
    };
    Ok(format!("{}: {done}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_store_needs_a_configured_key() {
        for store in ["postgres://u@h/db", "mysql://u@h/db", "cassandra://127.0.0.1/tessera"] {
            let config = Config {
                store: store.into(),
                ..Config::default()
            };
            let err = keyring(&config).err().unwrap().to_string();
            assert!(err.contains("needs TESSERA_TOKEN_KEY"), "{store}: {err}");
        }
    }
}
