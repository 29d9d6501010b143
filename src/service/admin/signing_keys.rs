//! The JWT signing keys through the admin API: listed and rotated by server admins only.

use super::{AdminError, AdminResult, Principal};
use crate::service::signing::{SigningKeyInfo, SigningKeysError};
use crate::service::Service;
use crate::token::jwt::SigningAlg;
use serde::Deserialize;

/// `POST /admin/keys/signing`'s body: every field optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSigning {
    /// `ES256`, `EdDSA` or `RS256`; default: the server's `jwt_signing_alg`.
    #[schema(example = "ES256")]
    pub alg: Option<String>,
}

impl From<SigningKeysError> for AdminError {
    fn from(e: SigningKeysError) -> Self {
        match e {
            SigningKeysError::Store(e) => e.into(),
            SigningKeysError::Locked { .. } | SigningKeysError::Key { .. } => {
                tracing::error!(error = %e, "JWT signing keys");
                AdminError::Internal
            }
        }
    }
}

impl Service {
    pub async fn list_signing_keys(&self, who: &Principal) -> AdminResult<Vec<SigningKeyInfo>> {
        who.require_server_admin()?;
        Ok(self.signing_key_list().await?)
    }

    pub async fn add_signing_key(&self, who: &Principal, request: RotateSigning) -> AdminResult<SigningKeyInfo> {
        who.require_server_admin()?;
        let alg = match request.alg.as_deref() {
            None => None,
            Some(name) => Some(SigningAlg::parse(name).ok_or_else(|| {
                AdminError::Invalid(format!(
                    "alg: {name:?} is not one of ES256, EdDSA, RS256 (case as written)"
                ))
            })?),
        };
        Ok(self.rotate_signing_key(alg).await?)
    }
}
