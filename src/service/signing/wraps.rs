//! A stored private signing key is one or more wraps of it (`token::jwt::wrap`), each under one
//! token key: `len (u16, big-endian) ‖ wrap`, repeated. A wrap under the current token key is
//! added when there is none; the others stay, so that a node still on an older token key (a
//! rolling change, a rollback) opens it too, until `tessera key rotate --forget-previous` keeps
//! only the wrap under the current key.

use super::SigningKeysError;
use crate::store::{StoreError, StoredSigningKey};
use crate::token::jwt::{unwrap, wrap, KeyError, SigningKey};
use crate::token::Keyring;

/// The wraps of a stored key; `None` when the framing is broken.
pub fn split(mut blob: &[u8]) -> Option<Vec<&[u8]>> {
    let mut wraps = Vec::new();
    while !blob.is_empty() {
        let (len, rest) = blob.split_first_chunk::<2>()?;
        let len = u16::from_be_bytes(*len) as usize;
        if rest.len() < len {
            return None;
        }
        let (one, rest) = rest.split_at(len);
        wraps.push(one);
        blob = rest;
    }
    Some(wraps)
}

pub fn join<'a>(wraps: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut blob = Vec::new();
    for one in wraps {
        let len = u16::try_from(one.len()).expect("a wrapped key is far below 64 KiB");
        blob.extend_from_slice(&len.to_be_bytes());
        blob.extend_from_slice(one);
    }
    blob
}

/// A stored key opened, and the blob to store in its place when it changed.
pub struct Opened {
    pub key: SigningKey,
    pub rewrapped: Option<Vec<u8>>,
}

fn failed(stored: &StoredSigningKey, source: KeyError) -> SigningKeysError {
    SigningKeysError::Key {
        kid: stored.kid.clone(),
        alg: stored.alg,
        source,
    }
}

/// Opens `stored` with whichever key of `ring` opens one of its wraps, adding a wrap under the
/// current token key when it has none; with `only_current`, keeping that wrap alone.
pub fn open(stored: &StoredSigningKey, ring: &Keyring, only_current: bool) -> Result<Opened, SigningKeysError> {
    let wraps = split(&stored.wrapped)
        .ok_or_else(|| StoreError::Corrupt(format!("signing key {}: wrapped key framing", stored.kid)))?;
    let current = ring.current_raw();
    let mut opened = None;
    'search: for (i, token_key) in ring.raw_keys().enumerate() {
        for (w, one) in wraps.iter().enumerate() {
            match unwrap(one, &stored.kid, stored.alg, token_key) {
                Ok(key) => {
                    opened = Some((key, (i == 0).then_some(w)));
                    break 'search;
                }
                Err(KeyError::Unwrap) => continue,
                Err(source) => return Err(failed(stored, source)),
            }
        }
    }
    let Some((key, under_current)) = opened else {
        return Err(SigningKeysError::Locked {
            kid: stored.kid.clone(),
        });
    };
    let fresh;
    let mine: &[u8] = match under_current {
        Some(w) => wraps[w],
        None => {
            fresh = wrap(&key, current).map_err(|e| failed(stored, e))?;
            &fresh
        }
    };
    let blob = match only_current {
        true => join([mine]),
        false if under_current.is_some() => return Ok(Opened { key, rewrapped: None }),
        false => join(wraps.iter().copied().chain([mine])),
    };
    let rewrapped = (blob != stored.wrapped).then_some(blob);
    Ok(Opened { key, rewrapped })
}

/// `tessera key rotate`: the blob to store in place of `stored` so that it has a wrap under
/// `ring`'s current key (with `only_current`, that one alone); `None` when it has already.
pub fn rewrap(
    stored: &StoredSigningKey,
    ring: &Keyring,
    only_current: bool,
) -> Result<Option<Vec<u8>>, SigningKeysError> {
    Ok(open(stored, ring, only_current)?.rewrapped)
}
