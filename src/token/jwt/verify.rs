//! The strict verifier: a header Tessera wrote, a signature under that key, then the claims.

use super::key::{Pair, SigningKey};
use super::SigningAlg;
use aws_lc_rs::signature::{self as sig, ParsedPublicKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde::Deserialize;
use std::fmt;

/// Longer tokens are refused before anything else (an RS256 token with a long claim set is < 2 KiB).
pub const MAX_TOKEN_LEN: usize = 4096;

/// A public key the verifier trusts, with the only header segment it accepts for it.
#[derive(Clone)]
pub struct VerifyKey {
    kid: String,
    alg: SigningAlg,
    header_b64: String,
    /// Parsed once; the algorithm is fixed by the key, never read from a token.
    public: ParsedPublicKey,
}

impl fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl VerifyKey {
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> SigningAlg {
        self.alg
    }
}

impl SigningKey {
    /// The public half, for [`verify`].
    pub fn verify_key(&self) -> VerifyKey {
        let alg: &'static dyn sig::VerificationAlgorithm = match self.pair() {
            Pair::EdDsa(_) => &sig::ED25519,
            Pair::Es256(_) => &sig::ECDSA_P256_SHA256_FIXED,
            Pair::Rs256(_) => &sig::RSA_PKCS1_2048_8192_SHA256,
        };
        let public = ParsedPublicKey::new(alg, self.public_key_bytes()).expect("a key pair's own public key parses");
        VerifyKey {
            kid: self.kid().to_owned(),
            alg: self.alg(),
            header_b64: self.header_b64().to_owned(),
            public,
        }
    }
}

/// Why a token was refused. Each is final: the caller answers "inactive" without store I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("token is longer than {MAX_TOKEN_LEN} bytes")]
    TooLong,
    #[error("token is not three base64url segments")]
    Malformed,
    #[error("token header is not one this server wrote (unknown kid, alg or encoding)")]
    UnknownHeader,
    #[error("token signature does not verify")]
    BadSignature,
    #[error("token claims are not a valid access token claim set")]
    BadClaims,
}

/// What the verifier reads from a verified token: enough to find it in the store.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VerifiedClaims {
    pub jti: String,
    #[serde(default)]
    pub exp: Option<u64>,
    pub iat: u64,
    pub client_id: String,
    pub sub: String,
}

/// Verifies `token` against `keys`. The header segment must be byte-identical to a key's own
/// pre-encoded header, so no JSON header is ever parsed and no `alg` is ever read from a token.
/// Expiry is not checked here: the store decides whether the token is active.
pub fn verify<'k>(keys: &'k [VerifyKey], token: &str) -> Result<(&'k VerifyKey, VerifiedClaims), VerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(VerifyError::TooLong);
    }
    let (signing_input, sig_b64) = token.rsplit_once('.').ok_or(VerifyError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(VerifyError::Malformed)?;
    if payload.contains('.') {
        return Err(VerifyError::Malformed);
    }
    let key = keys
        .iter()
        .find(|k| k.header_b64.len() == header.len() && k.header_b64.as_bytes() == header.as_bytes())
        .ok_or(VerifyError::UnknownHeader)?;
    let mut signature = [0u8; 1024];
    let n = B64
        .decode_slice(sig_b64, &mut signature)
        .map_err(|_| VerifyError::BadSignature)?;
    key.public
        .verify_sig(signing_input.as_bytes(), &signature[..n])
        .map_err(|_| VerifyError::BadSignature)?;
    let json = B64.decode(payload).map_err(|_| VerifyError::BadClaims)?;
    let claims = serde_json::from_slice(&json).map_err(|_| VerifyError::BadClaims)?;
    Ok((key, claims))
}
