//! The JWT signing settings: the alg of the keys this server generates, and how long a new key
//! is published before it signs.

use crate::service::signing::{JWKS_MAX_AGE, KEY_REFRESH_INTERVAL};
use crate::token::jwt::SigningAlg;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `jwt_signing_alg`: `ES256` (default), `EdDSA` or `RS256`, as JOSE spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwtSigningAlg(pub SigningAlg);

impl Default for JwtSigningAlg {
    fn default() -> Self {
        Self(SigningAlg::Es256)
    }
}

impl Serialize for JwtSigningAlg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for JwtSigningAlg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        SigningAlg::parse(&name).map(Self).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "jwt_signing_alg {name:?} is not one of ES256, EdDSA, RS256 (case as written)"
            ))
        })
    }
}

/// The shortest `jwt_key_publish_delay`: every node has refreshed its keys (and published the
/// new one) and every gateway's cached JWK Set has expired before the new key signs.
pub const MIN_PUBLISH_DELAY: i64 = KEY_REFRESH_INTERVAL + JWKS_MAX_AGE;

pub fn check_publish_delay(delay: i64) -> Result<(), String> {
    if delay < MIN_PUBLISH_DELAY {
        return Err(format!(
            "jwt_key_publish_delay {delay} must be at least {MIN_PUBLISH_DELAY} seconds (the key refresh \
             interval, {KEY_REFRESH_INTERVAL} s, plus the JWK Set's max-age, {JWKS_MAX_AGE} s), so every node and \
             gateway holds a new key before it signs"
        ));
    }
    Ok(())
}
