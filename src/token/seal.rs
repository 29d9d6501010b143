//! A JWT access token at rest: AES-256-GCM under an HKDF subkey of the token key, bound to the
//! token's id, so the store never holds a usable token and `reuse` can still answer with the
//! identical string (an ES256 signature cannot be recomputed).
//!
//! Layout: `token key id (1) ‖ nonce (12, random) ‖ ciphertext ‖ tag (16)`.
//! Key: HKDF-SHA256(salt empty, ikm = token key, info = "tessera jwt access token seal").
//! AAD: the token id, so a sealed value moved to another row does not open.

use super::{Key, Keyring};
use crate::model::{SealedJwt, TokenId};
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};

const INFO: &[u8] = b"tessera jwt access token seal";
const TAG_LEN: usize = 16;

/// The sealing key derived from one raw token key.
pub(super) fn sealing_key(raw: &[u8; 32]) -> LessSafeKey {
    let prk = Salt::new(HKDF_SHA256, &[]).extract(raw);
    let okm = prk
        .expand(&[INFO], &AES_256_GCM)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    LessSafeKey::new(UnboundKey::from(okm))
}

impl Keyring {
    /// `token` (the JWT `id` names) encrypted under the current token key.
    pub fn seal(&self, id: &TokenId, token: &str) -> SealedJwt {
        let key: &Key = &self.keys[0];
        let mut out = Vec::with_capacity(1 + NONCE_LEN + token.len() + TAG_LEN);
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).expect("the system RNG fills 12 bytes");
        out.push(key.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(token.as_bytes());
        let tag = key
            .seal
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(id.0),
                &mut out[1 + NONCE_LEN..],
            )
            .expect("AES-GCM seals a short message");
        out.extend_from_slice(tag.as_ref());
        SealedJwt(out.into())
    }

    /// The token [`Keyring::seal`] sealed for `id`, if it opens under a key of the ring.
    pub fn open(&self, id: &TokenId, sealed: &SealedJwt) -> Option<String> {
        let bytes = &sealed.0;
        if bytes.len() < 1 + NONCE_LEN + TAG_LEN {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = bytes[1..1 + NONCE_LEN].try_into().ok()?;
        self.keys.iter().filter(|k| k.id == bytes[0]).find_map(|key| {
            let mut buf = bytes[1 + NONCE_LEN..].to_vec();
            let plain = key
                .seal
                .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(id.0), &mut buf)
                .ok()?;
            String::from_utf8(plain.to_vec()).ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::generate_key_text;

    #[test]
    fn a_sealed_token_opens_for_its_id_only_and_never_shows_the_token() {
        let ring = Keyring::random();
        let (id, other) = (TokenId::generate(), TokenId::generate());
        let token = "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2lnbmF0dXJl";
        let sealed = ring.seal(&id, token);
        assert!(
            !sealed.0.windows(3).any(|w| w == b"eyJ"),
            "no part of the token in the clear"
        );
        assert_eq!(ring.open(&id, &sealed).as_deref(), Some(token));
        assert_eq!(ring.open(&other, &sealed), None, "bound to the token id");
        assert!(ring.seal(&id, token) != sealed, "a fresh nonce each time");
        assert_eq!(Keyring::random().open(&id, &sealed), None, "another key");
        assert_eq!(ring.open(&id, &SealedJwt(vec![0; 8].into())), None, "too short");
        let mut flipped = sealed.0.to_vec();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(ring.open(&id, &SealedJwt(flipped.into())), None, "tampered");
    }

    #[test]
    fn a_sealed_token_opens_after_the_token_key_is_rotated() {
        let (old, new) = (generate_key_text(), generate_key_text());
        let before = Keyring::from_texts(&old, &[]).unwrap();
        let id = TokenId::generate();
        let sealed = before.seal(&id, "a.b.c");
        let after = Keyring::from_texts(&new, &[&old]).unwrap();
        assert_eq!(after.open(&id, &sealed).as_deref(), Some("a.b.c"));
    }
}
