//! JWT access tokens (RFC 9068, issue 18): signing keys, claims, a strict verifier, JWKS, key wrapping.
//!
//! The service signs with these (`service::access_jwt`, `service::signing`); nothing here knows
//! the store, config or HTTP.
//!
//! - [`SigningKey`]: an aws-lc-rs key pair (EdDSA, ES256 or RS256), its `kid` and its header,
//!   base64url-encoded once per key. [`SigningKey::sign`] writes the compact JWS with one output
//!   `String` (the claims' JSON goes through a reused thread-local buffer).
//! - [`verify`]: accepts a token only when its header segment is byte-identical to the header of
//!   a known key, so `alg: none`, HMAC-with-the-public-key, unknown `kid`s and any re-encoded
//!   header die before any cryptography; then the signature under that key's own algorithm; only
//!   then are the claims decoded. [`KeySet::verified_jti`] remembers the tokens that passed.
//! - [`public_jwk`] / [`jwks`]: the public keys as a JWK Set.
//! - [`wrap`] / [`unwrap`]: a private key as stored (AES-256-GCM under an HKDF subkey of the
//!   token key, bound to `kid` and `alg`), so the database never holds it in plain text.

mod claims;
mod jwks;
mod key;
mod keyset;
mod verify;
mod wrap;

pub use claims::{AccessClaims, Audience, Scope};
pub use jwks::{jwks, public_jwk};
pub use key::SigningKey;
pub use keyset::{KeyEntry, KeySet, SigningKeys};
pub use verify::{verify, VerifiedClaims, VerifyError, VerifyKey, MAX_TOKEN_LEN};
pub use wrap::{unwrap, wrap};

/// The JOSE signature algorithms Tessera signs access tokens with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigningAlg {
    /// Ed25519 (RFC 8037). Deterministic: re-signing the same claims gives the same token.
    EdDsa,
    /// ECDSA P-256 SHA-256, fixed-width r‖s signature. Randomized: every signing differs.
    Es256,
    /// RSASSA-PKCS1-v1_5 SHA-256, 2048-bit keys.
    Rs256,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 3] = [SigningAlg::EdDsa, SigningAlg::Es256, SigningAlg::Rs256];

    /// The JOSE name (`alg` header and JWK parameter).
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::EdDsa => "EdDSA",
            SigningAlg::Es256 => "ES256",
            SigningAlg::Rs256 => "RS256",
        }
    }

    /// Whether signing the same input twice gives the same signature (EdDSA, RSASSA-PKCS1-v1_5):
    /// such a token can be signed again rather than stored.
    pub fn is_deterministic(self) -> bool {
        matches!(self, SigningAlg::EdDsa | SigningAlg::Rs256)
    }

    /// The one parse: exactly the JOSE name, case-sensitive as JOSE is.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a key could not be made, loaded, wrapped or unwrapped. Carries no key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("kid must be 1 to 64 base64url characters")]
    InvalidKid,
    #[error("the key could not be generated or exported")]
    Crypto,
    #[error("the PKCS#8 document is not a valid {0} private key")]
    Rejected(SigningAlg),
    #[error("the wrapped key does not open under this token key, kid and alg (wrong key, or tampered)")]
    Unwrap,
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_third_party;
