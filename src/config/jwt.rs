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

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::super::{Config, Overrides};
    use super::*;
    use figment::Jail;

    #[test]
    fn the_alg_and_the_delay_come_from_every_layer_and_bad_ones_are_named() {
        Jail::expect_with(|jail| {
            let c = Config::load(None, Overrides::default()).unwrap();
            assert_eq!((c.jwt_signing_alg.0, c.jwt_key_publish_delay), (SigningAlg::Es256, 600));
            jail.create_file("t.toml", "jwt_signing_alg = \"RS256\"\njwt_key_publish_delay = 900\n")?;
            let c = Config::load(Some(std::path::Path::new("t.toml")), Overrides::default()).unwrap();
            assert_eq!((c.jwt_signing_alg.0, c.jwt_key_publish_delay), (SigningAlg::Rs256, 900));
            jail.set_env("TESSERA_JWT_SIGNING_ALG", "EdDSA");
            let c = Config::load(None, Overrides::default()).unwrap();
            assert_eq!(c.jwt_signing_alg.0, SigningAlg::EdDsa);

            for (alg, delay, named) in [("HS256", "600", "jwt_signing_alg"), ("es256", "600", "jwt_signing_alg")] {
                jail.set_env("TESSERA_JWT_SIGNING_ALG", alg);
                jail.set_env("TESSERA_JWT_KEY_PUBLISH_DELAY", delay);
                let e = Config::load(None, Overrides::default()).unwrap_err().to_string();
                assert!(e.contains(named) && e.contains(alg), "{e}");
            }
            jail.set_env("TESSERA_JWT_SIGNING_ALG", "ES256");
            jail.set_env("TESSERA_JWT_KEY_PUBLISH_DELAY", "359");
            let e = Config::load(None, Overrides::default()).unwrap_err().to_string();
            assert!(e.contains("jwt_key_publish_delay 359") && e.contains("360"), "{e}");
            jail.set_env("TESSERA_JWT_KEY_PUBLISH_DELAY", "360");
            assert!(Config::load(None, Overrides::default()).is_ok());
            Ok(())
        });
    }
}
