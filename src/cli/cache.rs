//! The CLI's admin token cache: one file per (server URL, client id, secret) in the user's cache
//! directory, so a burst of commands mints one token instead of one each. The secret itself is
//! never written; it only goes into the file name's hash, so another secret finds nothing.

use crate::clock::{Clock, SystemClock, UnixTime};
use crate::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A cached token is not used in its last minute: a command may take that long.
const MARGIN: i64 = 60;

#[derive(Serialize, Deserialize)]
struct Entry {
    access_token: String,
    /// Unix seconds; absent for a token that never expires.
    expires_at: Option<UnixTime>,
}

/// Where the token of one set of credentials is kept; `None` without a cache directory.
pub struct TokenCache {
    file: PathBuf,
}

/// `$XDG_CACHE_HOME/tessera`, else `$HOME/.cache/tessera` (only absolute paths count).
fn directory() -> Option<PathBuf> {
    let from = |name: &str| std::env::var_os(name).map(PathBuf::from).filter(|p| p.is_absolute());
    from("XDG_CACHE_HOME")
        .or_else(|| from("HOME").map(|home| home.join(".cache")))
        .map(|dir| dir.join("tessera"))
}

impl TokenCache {
    pub fn new(url: &str, client_id: &str, secret: &Secret<String>) -> Option<Self> {
        let mut hash = Sha256::new();
        for part in [url, client_id, secret.expose()] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let name = format!("admin-token-{}.json", URL_SAFE_NO_PAD.encode(&hash.finalize()[..18]));
        Some(TokenCache {
            file: directory()?.join(name),
        })
    }

    /// The cached token, if there is one that is good for a while yet.
    pub fn load(&self) -> Option<Secret<String>> {
        let entry: Entry = serde_json::from_slice(&std::fs::read(&self.file).ok()?).ok()?;
        let fresh = entry.expires_at.is_none_or(|at| at - MARGIN > SystemClock.now());
        fresh.then(|| Secret::new(entry.access_token))
    }

    /// Keeps `token` for later commands; a cache that cannot be written is only a slower CLI.
    pub fn store(&self, token: &Secret<String>, expires_in: Option<i64>) {
        let entry = Entry {
            access_token: token.expose().clone(),
            expires_at: expires_in.map(|s| SystemClock.now() + s),
        };
        let _ = write_private(&self.file, &serde_json::to_vec(&entry).unwrap_or_default());
    }

    /// Forgets the token (the server refused it).
    pub fn forget(&self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// Writes `bytes` to `file` readable by its owner alone (directory 0700, file 0600), replacing
/// it in one rename so a concurrent command never reads half a token.
fn write_private(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().ok_or(std::io::ErrorKind::NotFound)?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    builder.create(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?; // created 0600
    temp.write_all(bytes)?;
    temp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_url_id_and_secret_and_never_holds_the_secret() {
        let secret = Secret::new("s3cret-value".to_string());
        let name = |url: &str, id: &str, secret: &str| {
            TokenCache::new(url, id, &Secret::new(secret.to_string())).map(|c| c.file)
        };
        let Some(base) = TokenCache::new("http://a", "admin", &secret).map(|c| c.file) else {
            return; // no cache directory in this environment
        };
        assert!(!base.to_string_lossy().contains("s3cret"));
        assert_ne!(Some(&base), name("http://b", "admin", "s3cret-value").as_ref());
        assert_ne!(Some(&base), name("http://a", "other", "s3cret-value").as_ref());
        assert_ne!(Some(&base), name("http://a", "admin", "another").as_ref());
        assert_eq!(Some(&base), name("http://a", "admin", "s3cret-value").as_ref());
    }
}
