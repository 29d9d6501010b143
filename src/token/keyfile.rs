//! The key file beside a SQLite store: the current key on its first line, earlier keys after it.

use super::{decode_key, generate_key_text, KeyError, Keyring};
use crate::secret::Secret;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A key file's contents. A file written before rotation existed holds one line; it reads the same.
pub struct KeyFile {
    pub current: Secret<String>,
    pub previous: Vec<Secret<String>>,
}

impl KeyFile {
    fn parse(text: &str) -> Result<Self, KeyError> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let current = lines.next().ok_or(KeyError::WrongLength(0))?;
        let file = KeyFile {
            current: Secret::new(current.to_string()),
            previous: lines.map(|l| Secret::new(l.to_string())).collect(),
        };
        file.keyring()?;
        Ok(file)
    }

    /// The file at `path`, or `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Self>, KeyError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(path, e)),
        }
    }

    pub fn keyring(&self) -> Result<Keyring, KeyError> {
        Keyring::from_config(&self.current, &self.previous)
    }

    /// A new current key; the old one verifies what was issued under it until it is forgotten.
    pub fn rotated(self) -> Self {
        let mut previous = Vec::with_capacity(1 + self.previous.len());
        previous.push(self.current);
        previous.extend(self.previous);
        KeyFile {
            current: Secret::new(generate_key_text()),
            previous,
        }
    }

    /// The current key alone: tokens issued under the earlier keys turn inactive.
    pub fn without_previous(self) -> Self {
        KeyFile {
            current: self.current,
            previous: Vec::new(),
        }
    }

    /// Whether `key` is this file's current key, one of its previous keys, or neither.
    pub fn position_of(&self, key: &Secret<String>) -> KeyPosition {
        if same_key(&self.current, key) {
            KeyPosition::Current
        } else if self.previous.iter().any(|p| same_key(p, key)) {
            KeyPosition::Previous
        } else {
            KeyPosition::Absent
        }
    }

    fn text(&self) -> String {
        let mut text = String::new();
        for key in std::iter::once(&self.current).chain(&self.previous) {
            text.push_str(key.expose());
            text.push('\n');
        }
        text
    }

    /// Replaces the file atomically (owner-only temporary file, fsync, rename, fsync directory):
    /// a crash leaves either the old keys or the new ones, never a torn file.
    pub fn write(&self, path: &Path) -> Result<(), KeyError> {
        let io = |e| io_error(path, e);
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        ));
        let _ = std::fs::remove_file(&tmp);
        write_owner_only(&tmp, self.text().as_bytes()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPosition {
    Current,
    Previous,
    Absent,
}

/// Two texts naming the same key bytes (padding and surrounding blanks aside).
fn same_key(a: &Secret<String>, b: &Secret<String>) -> bool {
    match (decode_key(a.expose()), decode_key(b.expose())) {
        (Ok(a), Ok(b)) => subtle::ConstantTimeEq::ct_eq(&a[..], &b[..]).into(),
        _ => false,
    }
}

fn io_error(path: &Path, source: std::io::Error) -> KeyError {
    KeyError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Keyring {
    /// Loads the key file, creating it with owner-only permissions when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        if let Some(file) = KeyFile::read(path)? {
            return file.keyring();
        }
        let text = format!("{}\n", generate_key_text());
        // `create_new`: two processes starting at once cannot both write a key.
        match write_owner_only(path, text.as_bytes()) {
            Ok(()) => KeyFile::parse(&text)?.keyring(),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(path),
            Err(e) => Err(io_error(path, e)),
        }
    }
}

fn write_owner_only(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TokenId, TokenKind};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn rotation_keeps_old_tokens_and_signs_new_ones_under_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tessera.key");
        let before = Keyring::load_or_create(&path).unwrap();
        let id = TokenId::generate();
        let old_token = before.mint(TokenKind::Access, &id);
        KeyFile::read(&path).unwrap().unwrap().rotated().write(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let after = Keyring::load_or_create(&path).unwrap();
        assert_eq!(after.verify(old_token.expose()), Some((TokenKind::Access, id)));
        let new_token = after.mint(TokenKind::Access, &id);
        assert_ne!(new_token.expose(), old_token.expose(), "signed under the new key");
        assert_eq!(before.verify(new_token.expose()), None);
        let file = KeyFile::read(&path).unwrap().unwrap();
        assert_eq!(file.previous.len(), 1);
        file.without_previous().write(&path).unwrap();
        let forgot = Keyring::load_or_create(&path).unwrap();
        assert_eq!(forgot.verify(old_token.expose()), None);
        assert_eq!(forgot.verify(new_token.expose()), Some((TokenKind::Access, id)));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["tessera.key"], "no temporary file left behind");
    }

    #[test]
    fn a_single_key_file_reads_as_before_and_positions_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.key");
        let key = generate_key_text();
        std::fs::write(&path, format!("{key}\n")).unwrap();
        let file = KeyFile::read(&path).unwrap().unwrap();
        assert!(file.previous.is_empty());
        assert_eq!(file.position_of(&Secret::new(format!("{key}="))), KeyPosition::Current);
        let rotated = file.rotated();
        assert_eq!(rotated.position_of(&Secret::new(key)), KeyPosition::Previous);
        assert_eq!(
            rotated.position_of(&Secret::new(generate_key_text())),
            KeyPosition::Absent
        );
        assert!(KeyFile::read(&dir.path().join("none.key")).unwrap().is_none());
    }
}
