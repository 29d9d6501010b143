//! What an access token is issued as: an opaque value, or an RFC 9068 JWT signed with the
//! node's current signing key (README, "JWT access tokens"). The store keeps a JWT's `kid` and,
//! under `reuse` only, the JWT sealed under the token key (`token::seal`), so `reuse` answers
//! with the identical string.

use super::issue::resolve;
use super::{OAuthError, Service};
use crate::clock::UnixTime;
use crate::model::{AccessExtra, AccessTokenFormat, Audience, Client, Tenant, TokenKind, TokenPolicy, TokenRecord};
use crate::store::StoreResult;
use crate::token::jwt::{self, AccessClaims, KeySet, Scope, SigningKey};
use std::sync::Arc;

/// A JWT access token on its way out. The key that signs it is chosen before the store sees the
/// record (which names its `kid`); the signature is made once the store has issued it, so a
/// request the store refuses (limit) pays none. Under `reuse` an ES256 token is signed first, to
/// be stored sealed and handed out again identical (EdDSA and RS256 sign the record to the same
/// string again).
pub(super) struct PendingJwt {
    keys: Arc<KeySet>,
    /// The signer's place in `keys.entries()`.
    signer: usize,
    signed: Option<String>,
}

/// The `aud` a request without `resource` / `audience` gets: the client's setting, else the
/// tenant's; `None`: the client id (said only in a JWT).
fn configured_audience(client: &Client, tenant: Option<&Tenant>) -> Option<Arc<[Audience]>> {
    let setting = client.settings.audience.as_ref();
    let setting = setting.or_else(|| tenant.and_then(|t| t.settings.audience.as_ref()));
    setting.map(|a| Arc::from([a.clone()]))
}

impl Service {
    /// Gives a new access token its audiences and, when the effective `access_token_format` is
    /// `jwt`, its signing key (and under `reuse` its sealed signature). An opaque token for no
    /// particular audience is left as it is.
    pub(super) fn shape_access(
        &self,
        access: &mut TokenRecord,
        requested: Option<Arc<[Audience]>>,
        (client, tenant): (&Client, Option<&Tenant>),
        policy: TokenPolicy,
        now: UnixTime,
    ) -> Result<Option<PendingJwt>, OAuthError> {
        let format = resolve(|s| s.access_token_format, client, tenant, AccessTokenFormat::Opaque);
        let aud = requested.or_else(|| configured_audience(client, tenant));
        if format == AccessTokenFormat::Opaque {
            access.extra = aud.map(|aud| {
                Arc::new(AccessExtra {
                    aud,
                    ..AccessExtra::default()
                })
            });
            return Ok(None);
        }
        let keys = self.signing.current();
        let Some(signer) = keys.signer_index(now) else {
            tracing::error!("no JWT signing key may sign yet: access token refused");
            return Err(OAuthError::ServerError);
        };
        let key = &keys.entries()[signer].key;
        let mut extra = AccessExtra {
            aud: aud.unwrap_or_else(|| Arc::new([])),
            kid: Some(key.kid().into()),
            jwt: None,
        };
        let sealed = policy == TokenPolicy::Reuse && !key.alg().is_deterministic();
        let signed = sealed.then(|| {
            let token = self.sign_access(key, access, &extra.aud);
            extra.jwt = Some(self.keys.seal(&access.id, &token));
            token
        });
        access.extra = Some(Arc::new(extra));
        Ok(Some(PendingJwt { keys, signer, signed }))
    }

    /// The value of a JWT the store has just issued: signed now unless it was before.
    pub(super) async fn finish_jwt(&self, pending: PendingJwt, access: &TokenRecord) -> Result<String, OAuthError> {
        let key = &pending.keys.entries()[pending.signer].key;
        match pending.signed {
            Some(token) => {
                self.keep_key_until(key.kid(), access.expires_at()).await?;
                Ok(token)
            }
            None => self.sign_and_keep(key, access).await,
        }
    }

    /// Signs record `t` with `key`, after making sure the key stays published and trusted until
    /// the token expires, on every node, before anyone holds the token.
    async fn sign_and_keep(&self, key: &SigningKey, t: &TokenRecord) -> Result<String, OAuthError> {
        self.keep_key_until(key.kid(), t.expires_at()).await?;
        Ok(self.sign_access(key, t, t.audience()))
    }

    /// The JWT of record `t` signed by `key`: every claim comes from the record (`iat` is its
    /// issuance), so EdDSA, being deterministic, signs the same record to the same string.
    fn sign_access(&self, key: &SigningKey, t: &TokenRecord, aud: &[Audience]) -> String {
        let many: Vec<&str>;
        let aud = match aud {
            [] => jwt::Audience::One(t.client_id()),
            [one] => jwt::Audience::One(one.as_str()),
            all => {
                many = all.iter().map(Audience::as_str).collect();
                jwt::Audience::Many(&many)
            }
        };
        let jti = t.id.to_text();
        let claims = AccessClaims {
            iss: self.issuer(),
            exp: t.expires_at().map(|exp| exp.max(0) as u64),
            iat: t.issued_at.max(0) as u64,
            jti: &jti,
            client_id: t.client_id(),
            sub: t.subject().unwrap_or(t.client_id()),
            scope: Scope(t.scopes()),
            aud,
            authorities: t.authorities(),
        };
        key.sign(&claims)
    }

    /// The value of an access token the store handed back (`reuse`): the opaque value
    /// (deterministic), the sealed JWT opened, or the JWT signed again by the key its record names
    /// (EdDSA and RS256: the identical string; an ES256 token sealed under a token key since
    /// forgotten, or issued before the client's policy became `reuse`: a new string, same claims).
    pub(super) async fn access_value(&self, t: &TokenRecord) -> Result<String, OAuthError> {
        let Some(extra) = t.extra.as_deref().filter(|_| t.is_jwt()) else {
            return Ok(self.keys.mint(TokenKind::Access, &t.id).into_string());
        };
        if let Some(sealed) = &extra.jwt {
            if let Some(token) = self.keys.open(&t.id, sealed) {
                return Ok(token);
            }
            tracing::warn!(token_id = %t.id.to_text(), "a stored JWT does not open under the token keys: signed again");
        }
        let keys = self.signing.current();
        let recorded = extra
            .kid
            .as_deref()
            .and_then(|kid| keys.entries().iter().find(|e| e.key.kid() == kid));
        let Some(entry) = recorded else {
            // Kept until the token expires: gone only if removed by hand.
            tracing::error!(token_id = %t.id.to_text(), kid = ?extra.kid, "the signing key of a live JWT is not in the key set");
            return Err(OAuthError::ServerError);
        };
        self.sign_and_keep(&entry.key, t).await
    }
}

impl Service {
    /// A presented token's kind and id, or `None`, without any store I/O: an opaque value by its
    /// MAC; anything else as a JWT, by its header (byte-identical to a published key's), then
    /// its signature under that key, then its `jti` (a JWT verified before under the same keys
    /// is remembered). The opaque path pays one length compare.
    pub(crate) fn recognise(&self, token: &str) -> Option<(TokenKind, crate::model::TokenId)> {
        if token.len() == crate::token::TOKEN_LEN {
            return self.keys.verify(token);
        }
        let id = self.signing.current().verified_id(token)?;
        Some((TokenKind::Access, id))
    }
}

impl Service {
    /// Before a JWT access token's expiry is moved to `expires_at` (admin PATCH): the key its
    /// record names stays published and trusted until then, so introspection still verifies it.
    pub(crate) async fn keep_key_for(&self, t: &TokenRecord, expires_at: Option<UnixTime>) -> StoreResult<()> {
        match t.extra.as_ref().and_then(|e| e.kid.as_deref()) {
            Some(kid) => self.keep_key_until(kid, expires_at).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "access_jwt_tests.rs"]
mod tests;
