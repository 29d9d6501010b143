//! Token values: `tsa_`/`tsr_`/`tsc_` + base64url(key id ‖ token id ‖ MAC), verified without store I/O.
//!
//! The store only ever sees the token id. The value is the id plus a MAC under a server key, so a
//! database dump cannot be turned into usable tokens, forged tokens die before any lookup, and an
//! existing token can be handed back (the `reuse` policy) by recomputing its value.

use crate::model::{TokenId, TokenKind};
use crate::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

pub mod jwt;
mod keyfile;
mod seal;
mod signed;

pub use keyfile::{KeyFile, KeyPosition};

type HmacSha256 = Hmac<Sha256>;

const MAC_LEN: usize = 16;
const BODY_LEN: usize = 1 + 16 + MAC_LEN;
/// base64url without padding of 33 bytes.
const ENCODED_BODY_LEN: usize = 44;
const PREFIX_LEN: usize = 4;
pub const TOKEN_LEN: usize = PREFIX_LEN + ENCODED_BODY_LEN;

fn prefix(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Access => "tsa_",
        TokenKind::Refresh => "tsr_",
        TokenKind::Code => "tsc_",
    }
}

fn kind_of_prefix(p: &[u8]) -> Option<TokenKind> {
    match p {
        b"tsa_" => Some(TokenKind::Access),
        b"tsr_" => Some(TokenKind::Refresh),
        b"tsc_" => Some(TokenKind::Code),
        _ => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("token key must be 32 bytes of base64url, got {0} bytes")]
    WrongLength(usize),
    #[error("token key is not valid base64url")]
    NotBase64,
    #[error("key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

struct Key {
    id: u8,
    mac: HmacSha256,
    /// Seals JWT access tokens for storage (`seal`).
    seal: aws_lc_rs::aead::LessSafeKey,
    /// The key itself, for wrapping the JWT signing keys stored under it (`jwt::wrap`).
    raw: zeroize::Zeroizing<[u8; 32]>,
}

/// The current signing key plus older keys still accepted for verification.
pub struct Keyring {
    keys: Vec<Key>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keyring({} keys)", self.keys.len())
    }
}

fn decode_key(text: &str) -> Result<[u8; 32], KeyError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .map_err(|_| KeyError::NotBase64)?;
    let len = bytes.len();
    bytes.try_into().map_err(|_| KeyError::WrongLength(len))
}

/// A fresh random key in the text form the config and key file use.
pub fn generate_key_text() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Keyring {
    /// `current` signs; `previous` only verify (key rotation).
    pub fn from_texts(current: &str, previous: &[&str]) -> Result<Self, KeyError> {
        let mut keys = Vec::with_capacity(1 + previous.len());
        for text in std::iter::once(current).chain(previous.iter().copied()) {
            let raw = decode_key(text)?;
            let id = Sha256::digest(raw)[0];
            let mac = HmacSha256::new_from_slice(&raw).expect("HMAC accepts any key length");
            let seal = seal::sealing_key(&raw);
            keys.push(Key {
                id,
                mac,
                seal,
                raw: zeroize::Zeroizing::new(raw),
            });
        }
        Ok(Self { keys })
    }

    pub fn random() -> Self {
        Self::from_texts(&generate_key_text(), &[]).expect("generated key is valid")
    }

    pub fn from_config(current: &Secret<String>, previous: &[Secret<String>]) -> Result<Self, KeyError> {
        let prev: Vec<&str> = previous.iter().map(|s| s.expose().as_str()).collect();
        Self::from_texts(current.expose(), &prev)
    }

    /// The current key's bytes: what new signing keys are wrapped under. Secret.
    pub fn current_raw(&self) -> &[u8; 32] {
        &self.keys[0].raw
    }

    /// Every key's bytes, current first: a stored signing key opens under one of them. Secret.
    pub fn raw_keys(&self) -> impl Iterator<Item = &[u8; 32]> {
        self.keys.iter().map(|k| &*k.raw)
    }

    fn mac_of(key: &Key, kind: TokenKind, id: &TokenId) -> [u8; MAC_LEN] {
        let mut mac = key.mac.clone();
        mac.update(prefix(kind).as_bytes());
        mac.update(&id.0);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }

    /// The token value for `id`; deterministic, so an existing token can be handed out again.
    pub fn mint(&self, kind: TokenKind, id: &TokenId) -> TokenValue {
        let key = &self.keys[0];
        let mut body = [0u8; BODY_LEN];
        body[0] = key.id;
        body[1..17].copy_from_slice(&id.0);
        body[17..].copy_from_slice(&Self::mac_of(key, kind, id));
        let mut out = String::with_capacity(TOKEN_LEN);
        out.push_str(prefix(kind));
        URL_SAFE_NO_PAD.encode_string(body, &mut out);
        TokenValue(out)
    }

    /// An opaque pagination cursor naming `id`; tampering is detected by [`Keyring::open_cursor`].
    pub fn seal_cursor(&self, id: &TokenId) -> String {
        let key = &self.keys[0];
        let mut mac = key.mac.clone();
        mac.update(b"cursor");
        mac.update(&id.0);
        let tag = mac.finalize().into_bytes();
        let mut body = [0u8; 1 + 16 + MAC_LEN];
        body[0] = key.id;
        body[1..17].copy_from_slice(&id.0);
        body[17..].copy_from_slice(&tag[..MAC_LEN]);
        URL_SAFE_NO_PAD.encode(body)
    }

    pub fn open_cursor(&self, cursor: &str) -> Option<TokenId> {
        let mut body = [0u8; BODY_LEN];
        if cursor.len() != ENCODED_BODY_LEN || URL_SAFE_NO_PAD.decode_slice(cursor, &mut body).ok()? != BODY_LEN {
            return None;
        }
        let id = TokenId(body[1..17].try_into().ok()?);
        let verified = self.keys.iter().filter(|k| k.id == body[0]).any(|key| {
            let mut mac = key.mac.clone();
            mac.update(b"cursor");
            mac.update(&id.0);
            let tag = mac.finalize().into_bytes();
            subtle::ConstantTimeEq::ct_eq(&tag[..MAC_LEN], &body[17..]).into()
        });
        verified.then_some(id)
    }

    /// Checks shape and MAC; `None` for anything malformed or forged. No I/O.
    pub fn verify(&self, token: &str) -> Option<(TokenKind, TokenId)> {
        let bytes = token.as_bytes();
        if bytes.len() != TOKEN_LEN {
            return None;
        }
        let kind = kind_of_prefix(&bytes[..PREFIX_LEN])?;
        let mut body = [0u8; BODY_LEN];
        let n = URL_SAFE_NO_PAD.decode_slice(&bytes[PREFIX_LEN..], &mut body).ok()?;
        if n != BODY_LEN {
            return None;
        }
        let id = TokenId(body[1..17].try_into().ok()?);
        let presented = &body[17..];
        let verified = self.keys.iter().filter(|k| k.id == body[0]).any(|key| {
            let expected = Self::mac_of(key, kind, &id);
            subtle::ConstantTimeEq::ct_eq(&expected[..], presented).into()
        });
        verified.then_some((kind, id))
    }
}

/// A token value on its way to the client. Never printed.
pub struct TokenValue(String);

impl TokenValue {
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for TokenValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenValue(***)")
    }
}

/// Hash of a client secret as stored: secrets are 256 random bits, so one SHA-256 is enough.
pub fn hash_client_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Constant-time comparison of a presented secret against its stored hash.
pub fn client_secret_matches(presented: &str, stored: &[u8; 32]) -> bool {
    subtle::ConstantTimeEq::ct_eq(&hash_client_secret(presented)[..], &stored[..]).into()
}

/// A new client secret: 256 bits from the OS CSPRNG, base64url.
pub fn generate_client_secret() -> Secret<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::new(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests;
