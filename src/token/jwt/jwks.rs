//! The public keys as JWKs (RFC 7517/7518/8037) and the JWK Set served at `jwks_uri`.

use super::key::{Pair, SigningKey};
use aws_lc_rs::signature::{KeyPair, RsaPublicKeyComponents};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::{json, Value};

/// One key's public JWK, with `kid`, `alg` and `use: sig`. Never any private parameter.
pub fn public_jwk(key: &SigningKey) -> Value {
    let (kid, alg) = (key.kid(), key.alg().name());
    match key.pair() {
        Pair::EdDsa(k) => json!({
            "kty": "OKP", "crv": "Ed25519", "x": B64.encode(k.public_key().as_ref()),
            "kid": kid, "alg": alg, "use": "sig",
        }),
        Pair::Es256(k) => {
            // Uncompressed SEC1 point: 0x04 ‖ X (32 bytes) ‖ Y (32 bytes).
            let point = k.public_key().as_ref();
            json!({
                "kty": "EC", "crv": "P-256", "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65]),
                "kid": kid, "alg": alg, "use": "sig",
            })
        }
        Pair::Rs256(k) => {
            let parts = RsaPublicKeyComponents::<Vec<u8>>::from(k.public_key());
            json!({
                "kty": "RSA", "n": B64.encode(&parts.n), "e": B64.encode(&parts.e),
                "kid": kid, "alg": alg, "use": "sig",
            })
        }
    }
}

/// `{"keys":[…]}` for the given keys, in their order.
pub fn jwks<'a>(keys: impl IntoIterator<Item = &'a SigningKey>) -> Value {
    json!({ "keys": keys.into_iter().map(public_jwk).collect::<Vec<_>>() })
}
