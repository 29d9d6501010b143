//! `SigningKey`: an aws-lc-rs key pair, its `kid` and its pre-encoded header; signing.

use super::claims::AccessClaims;
use super::{KeyError, SigningAlg};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use std::cell::RefCell;
use std::fmt;

pub(super) enum Pair {
    EdDsa(Ed25519KeyPair),
    Es256(EcdsaKeyPair),
    Rs256(aws_lc_rs::rsa::KeyPair),
}

/// A private signing key. `Debug` shows only `kid` and `alg`.
pub struct SigningKey {
    kid: String,
    alg: SigningAlg,
    /// base64url(`{"alg":…,"kid":…,"typ":"at+jwt"}`), built once; the verifier compares against it.
    header_b64: String,
    pair: Pair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// Longest signature: RSA with a 4096-bit modulus (Tessera generates 2048-bit keys).
const MAX_SIG_LEN: usize = 512;

thread_local! {
    /// The claims' JSON, reused across signings on this thread.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(1024));
}

/// Length of unpadded base64 for `n` bytes.
fn b64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// A kid goes into the header unescaped, so it must need no JSON escaping: base64url only.
pub(super) fn check_kid(kid: &str) -> Result<(), KeyError> {
    let ok = (1..=64).contains(&kid.len()) && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(()).ok_or(KeyError::InvalidKid)
}

/// A new random kid: 96 bits from the system RNG, base64url (16 characters).
fn random_kid() -> Result<String, KeyError> {
    let mut bytes = [0u8; 12];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| KeyError::Crypto)?;
    Ok(B64.encode(bytes))
}

pub(super) fn header_b64(alg: SigningAlg, kid: &str) -> String {
    B64.encode(format!(r#"{{"alg":"{}","kid":"{kid}","typ":"at+jwt"}}"#, alg.name()))
}

impl SigningKey {
    /// A fresh key from the system RNG, with a random kid. RSA keys are 2048 bits.
    pub fn generate(alg: SigningAlg) -> Result<Self, KeyError> {
        let pair = match alg {
            SigningAlg::EdDsa => Pair::EdDsa(Ed25519KeyPair::generate().map_err(|_| KeyError::Crypto)?),
            SigningAlg::Es256 => Pair::Es256(
                EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_FIXED_SIGNING).map_err(|_| KeyError::Crypto)?,
            ),
            SigningAlg::Rs256 => Pair::Rs256(
                aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(|_| KeyError::Crypto)?,
            ),
        };
        Self::new(random_kid()?, alg, pair)
    }

    /// A key loaded from its PKCS#8 document (as [`SigningKey::to_pkcs8`] wrote it).
    pub fn from_pkcs8(kid: &str, alg: SigningAlg, pkcs8: &[u8]) -> Result<Self, KeyError> {
        let rejected = |_| KeyError::Rejected(alg);
        let pair = match alg {
            SigningAlg::EdDsa => Pair::EdDsa(Ed25519KeyPair::from_pkcs8(pkcs8).map_err(rejected)?),
            SigningAlg::Es256 => {
                Pair::Es256(EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).map_err(rejected)?)
            }
            SigningAlg::Rs256 => Pair::Rs256(aws_lc_rs::rsa::KeyPair::from_pkcs8(pkcs8).map_err(rejected)?),
        };
        Self::new(kid.to_owned(), alg, pair)
    }

    fn new(kid: String, alg: SigningAlg, pair: Pair) -> Result<Self, KeyError> {
        check_kid(&kid)?;
        if let Pair::Rs256(k) = &pair {
            // The verifier accepts 2048..=8192 bits; refuse a key whose signatures it would refuse.
            if !(256..=MAX_SIG_LEN).contains(&k.public_modulus_len()) {
                return Err(KeyError::Rejected(alg));
            }
        }
        let header_b64 = header_b64(alg, &kid);
        Ok(Self {
            kid,
            alg,
            header_b64,
            pair,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// The header segment every token this key signs starts with.
    pub fn header_b64(&self) -> &str {
        &self.header_b64
    }

    pub(super) fn pair(&self) -> &Pair {
        &self.pair
    }

    /// The private key as an unencrypted PKCS#8 v1 document: secret, only for [`super::wrap`].
    /// aws-lc-rs zeroes the document's bytes when it is dropped.
    pub(super) fn to_pkcs8(&self) -> Result<Vec<u8>, KeyError> {
        let der = match &self.pair {
            Pair::EdDsa(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            Pair::Es256(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            Pair::Rs256(k) => AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(k).map(|d| d.as_ref().to_vec()),
        };
        der.map_err(|_| KeyError::Crypto)
    }

    /// The public key bytes aws-lc-rs verifies with: Ed25519 32 bytes, P-256 `04‖X‖Y`,
    /// RSA a DER `RSAPublicKey`.
    pub(super) fn public_key_bytes(&self) -> &[u8] {
        match &self.pair {
            Pair::EdDsa(k) => k.public_key().as_ref(),
            Pair::Es256(k) => k.public_key().as_ref(),
            Pair::Rs256(k) => k.public_key().as_ref(),
        }
    }

    fn signature_len(&self) -> usize {
        match &self.pair {
            Pair::Rs256(k) => k.public_modulus_len(),
            Pair::EdDsa(_) | Pair::Es256(_) => 64,
        }
    }

    /// The compact JWS `header.claims.signature`, built in one pre-sized `String`.
    pub fn sign<S: AsRef<str> + serde::Serialize>(&self, claims: &AccessClaims<'_, S>) -> String {
        SCRATCH.with_borrow_mut(|json| {
            json.clear();
            serde_json::to_writer(&mut *json, claims).expect("borrowed strings and numbers always serialize");
            let sig_len = self.signature_len();
            let capacity = self.header_b64.len() + 2 + b64_len(json.len()) + b64_len(sig_len);
            let mut out = String::with_capacity(capacity);
            out.push_str(&self.header_b64);
            out.push('.');
            B64.encode_string(&json[..], &mut out);
            let mut signature = [0u8; MAX_SIG_LEN];
            let rng = SystemRandom::new();
            match &self.pair {
                Pair::EdDsa(k) => signature[..64].copy_from_slice(k.sign(out.as_bytes()).as_ref()),
                Pair::Es256(k) => {
                    let s = k.sign(&rng, out.as_bytes()).expect("ECDSA signing with a valid key");
                    signature[..64].copy_from_slice(s.as_ref());
                }
                Pair::Rs256(k) => k
                    .sign(&sig::RSA_PKCS1_SHA256, &rng, out.as_bytes(), &mut signature[..sig_len])
                    .expect("RSA signing with a valid key and an exact-length buffer"),
            }
            out.push('.');
            B64.encode_string(&signature[..sig_len], &mut out);
            debug_assert_eq!(out.len(), capacity);
            out
        })
    }
}
