//! Short signed blobs (session cookies, CSRF tokens, pending authorization requests) under the
//! token key, so every node that shares the key accepts what another node handed out.

use super::{Keyring, MAC_LEN};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Mac;

/// Signed blobs larger than this are refused before any MAC is computed.
const MAX_SIGNED_LEN: usize = 8 * 1024;

impl Keyring {
    fn signed_tag(mac: &super::HmacSha256, purpose: &str, payload: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = mac.clone();
        // Domain separation: a blob signed for one purpose is never valid for another, nor as a token.
        mac.update(b"signed\0");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }

    /// base64url(key id ‖ payload ‖ MAC(purpose, payload)). The payload is readable, not secret.
    pub fn sign(&self, purpose: &str, payload: &[u8]) -> String {
        let key = &self.keys[0];
        let mut body = Vec::with_capacity(1 + payload.len() + MAC_LEN);
        body.push(key.id);
        body.extend_from_slice(payload);
        body.extend_from_slice(&Self::signed_tag(&key.mac, purpose, payload));
        URL_SAFE_NO_PAD.encode(body)
    }

    /// The payload of a blob signed by [`Keyring::sign`] for `purpose` under any known key.
    pub fn open_signed(&self, purpose: &str, text: &str) -> Option<Vec<u8>> {
        if text.len() > MAX_SIGNED_LEN {
            return None;
        }
        let body = URL_SAFE_NO_PAD.decode(text).ok()?;
        if body.len() < 1 + MAC_LEN {
            return None;
        }
        let (head, tag) = body.split_at(body.len() - MAC_LEN);
        let (key_id, payload) = (head[0], &head[1..]);
        let verified = self.keys.iter().filter(|k| k.id == key_id).any(|key| {
            let expected = Self::signed_tag(&key.mac, purpose, payload);
            subtle::ConstantTimeEq::ct_eq(&expected[..], tag).into()
        });
        verified.then(|| payload.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_blobs_round_trip_only_for_their_purpose_and_key() {
        let keys = Keyring::random();
        let blob = keys.sign("session", b"alice");
        assert_eq!(keys.open_signed("session", &blob).as_deref(), Some(&b"alice"[..]));
        assert_eq!(keys.open_signed("csrf", &blob), None);
        assert_eq!(Keyring::random().open_signed("session", &blob), None);
        let mut tampered = blob.clone().into_bytes();
        tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            keys.open_signed("session", std::str::from_utf8(&tampered).unwrap()),
            None
        );
        assert_eq!(keys.open_signed("session", "!!"), None);
        assert_eq!(keys.open_signed("session", ""), None);
    }

    #[test]
    fn a_rotated_key_still_opens_what_it_signed() {
        let old = super::super::generate_key_text();
        let before = Keyring::from_texts(&old, &[]).unwrap();
        let blob = before.sign("session", b"x");
        let after = Keyring::from_texts(&super::super::generate_key_text(), &[&old]).unwrap();
        assert_eq!(after.open_signed("session", &blob).as_deref(), Some(&b"x"[..]));
    }
}
