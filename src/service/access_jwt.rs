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
/// request the store refuses (limit) pays none. Under `reuse` the token is signed first, to be
/// stored sealed and handed out again identical.
pub(super) struct PendingJwt {
    keys: Arc<KeySet>,
    now: UnixTime,
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
        let Some(key) = keys.signer(now) else {
            tracing::error!("no JWT signing key may sign yet: access token refused");
            return Err(OAuthError::ServerError);
        };
        let mut extra = AccessExtra {
            aud: aud.unwrap_or_else(|| Arc::new([])),
            kid: Some(key.kid().into()),
            jwt: None,
        };
        let signed = (policy == TokenPolicy::Reuse).then(|| {
            let token = self.sign_access(key, access, &extra.aud);
            extra.jwt = Some(self.keys.seal(&access.id, &token));
            token
        });
        access.extra = Some(Arc::new(extra));
        Ok(Some(PendingJwt { keys, now, signed }))
    }

    /// The value of a JWT the store has just issued: signed now (unless it was for `reuse`), its
    /// key kept published until it expires on every node before anyone holds it.
    pub(super) async fn finish_jwt(&self, pending: PendingJwt, access: &TokenRecord) -> Result<String, OAuthError> {
        let key = pending
            .keys
            .signer(pending.now)
            .expect("the key chosen for this record");
        let token = match pending.signed {
            Some(token) => token,
            None => self.sign_access(key, access, access.audience()),
        };
        self.keep_key_until(key.kid(), access.expires_at()).await?;
        Ok(token)
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

    /// The value of an access token the store handed back (`reuse`): the JWT as issued, unsealed,
    /// or the opaque value (deterministic). A JWT sealed under a token key since forgotten, or
    /// issued under another policy (not sealed), is signed again for the same record (same
    /// `jti`): a valid token of the same record rather than an error.
    pub(super) async fn access_value(&self, t: &TokenRecord, now: UnixTime) -> Result<String, OAuthError> {
        if !t.is_jwt() {
            return Ok(self.keys.mint(TokenKind::Access, &t.id).into_string());
        }
        if let Some(sealed) = t.extra.as_ref().and_then(|e| e.jwt.as_ref()) {
            if let Some(token) = self.keys.open(&t.id, sealed) {
                return Ok(token);
            }
            tracing::warn!(token_id = %t.id.to_text(), "a stored JWT does not open under the token keys: signed again");
        }
        // By the key that signed it when that key is still trusted (it is kept until the token
        // expires), else by the current signer.
        let keys = self.signing.current();
        let recorded = t.extra.as_ref().and_then(|e| e.kid.as_deref());
        let by_kid = recorded.and_then(|kid| keys.entries().iter().find(|e| e.key.kid() == kid));
        let Some(key) = by_kid.map(|e| &e.key).or_else(|| keys.signer(now)) else {
            tracing::error!("no JWT signing key may sign yet: access token refused");
            return Err(OAuthError::ServerError);
        };
        let token = self.sign_access(key, t, t.audience());
        self.keep_key_until(key.kid(), t.expires_at()).await?;
        Ok(token)
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
        let jti = self.signing.current().verified_jti(token)?;
        crate::model::TokenId::from_text(&jti).map(|id| (TokenKind::Access, id))
    }
}

/// The `kid` in the header of a JWT this server signed.
fn kid_of(token: &str) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    #[derive(serde::Deserialize)]
    struct Header {
        kid: String,
    }
    let header = B64.decode(token.split('.').next()?).ok()?;
    serde_json::from_slice::<Header>(&header).ok().map(|h| h.kid)
}

impl Service {
    /// Before a JWT access token's expiry is moved to `expires_at` (admin PATCH): the key that
    /// signed it stays published and trusted until then, so introspection still verifies it. The
    /// record names the key (before it did, the sealed token's header did); one that says neither
    /// (sealed under a token key since forgotten) keeps every key kept now.
    pub(crate) async fn keep_key_for(&self, t: &TokenRecord, expires_at: Option<UnixTime>) -> StoreResult<()> {
        let Some(extra) = t.extra.as_ref().filter(|_| t.is_jwt()) else {
            return Ok(());
        };
        if let Some(kid) = &extra.kid {
            return self.keep_key_until(kid, expires_at).await;
        }
        let opened = extra.jwt.as_ref().and_then(|sealed| self.keys.open(&t.id, sealed));
        if let Some(kid) = opened.as_deref().and_then(kid_of) {
            return self.keep_key_until(&kid, expires_at).await;
        }
        let keys = self.signing.current();
        for entry in keys.entries() {
            self.keep_key_until(entry.key.kid(), expires_at).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "access_jwt_tests.rs"]
mod tests;
