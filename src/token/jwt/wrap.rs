//! Private signing keys at rest: AES-256-GCM under an HKDF subkey of the token key.
//!
//! Layout: `nonce (12 random bytes) ‖ ciphertext of the PKCS#8 v1 document ‖ tag (16)`.
//! Key: HKDF-SHA256(salt empty, ikm = token key, info = "tessera jwt signing key wrap").
//! AAD: `kid ‖ 0x00 ‖ alg`, so a wrapped key moved to another row (other kid or alg) will not open.

use super::key::{check_kid, SigningKey};
use super::{KeyError, SigningAlg};
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
use zeroize::Zeroizing;

const INFO: &[u8] = b"tessera jwt signing key wrap";

fn wrapping_key(token_key: &[u8; 32]) -> Result<LessSafeKey, KeyError> {
    let prk = Salt::new(HKDF_SHA256, &[]).extract(token_key);
    let okm = prk.expand(&[INFO], &AES_256_GCM).map_err(|_| KeyError::Crypto)?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

fn aad(kid: &str, alg: SigningAlg) -> Vec<u8> {
    [kid.as_bytes(), b"\0", alg.name().as_bytes()].concat()
}

/// `key`'s private key, encrypted for storage under `token_key`.
pub fn wrap(key: &SigningKey, token_key: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
    let aead = wrapping_key(token_key)?;
    let mut nonce = [0u8; NONCE_LEN];
    aws_lc_rs::rand::fill(&mut nonce).map_err(|_| KeyError::Crypto)?;
    let pkcs8 = Zeroizing::new(key.to_pkcs8()?);
    let mut out = Vec::with_capacity(NONCE_LEN + pkcs8.len() + AES_256_GCM.tag_len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&pkcs8);
    let tag = aead
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(key.kid(), key.alg())),
            &mut out[NONCE_LEN..],
        )
        .map_err(|_| KeyError::Crypto)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// The key [`wrap`] stored, if `wrapped` opens under `token_key` for exactly this `kid` and `alg`.
pub fn unwrap(wrapped: &[u8], kid: &str, alg: SigningAlg, token_key: &[u8; 32]) -> Result<SigningKey, KeyError> {
    check_kid(kid)?;
    if wrapped.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(KeyError::Unwrap);
    }
    let (nonce, sealed) = wrapped.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Unwrap)?;
    let mut buf = Zeroizing::new(sealed.to_vec());
    let pkcs8 = wrapping_key(token_key)?
        .open_in_place(nonce, Aad::from(aad(kid, alg)), &mut buf)
        .map_err(|_| KeyError::Unwrap)?;
    SigningKey::from_pkcs8(kid, alg, pkcs8)
}
