//! What an access token is issued as: an opaque value, or an RFC 9068 JWT signed with the
//! node's current signing key (README, "JWT access tokens"). The store keeps the JWT only sealed
//! under the token key (`token::seal`), so `reuse` answers with the identical string.

use super::issue::resolve;
use super::{OAuthError, Service};
use crate::clock::UnixTime;
use crate::model::{AccessExtra, AccessTokenFormat, Audience, Client, Tenant, TokenKind, TokenRecord};
use crate::store::StoreResult;
use crate::token::jwt::{self, AccessClaims, Scope};
use std::sync::Arc;

/// A JWT signed for a new access token, kept in hand to answer with (no unsealing).
pub(super) struct SignedJwt {
    pub token: String,
    pub kid: Arc<str>,
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
    /// `jwt`, signs it: one signature, before the store sees the record (it stores it sealed).
    /// An opaque token for no particular audience is left as it is.
    pub(super) fn shape_access(
        &self,
        access: &mut TokenRecord,
        requested: Option<Arc<[Audience]>>,
        client: &Client,
        tenant: Option<&Tenant>,
        now: UnixTime,
    ) -> Result<Option<SignedJwt>, OAuthError> {
        let format = resolve(|s| s.access_token_format, client, tenant, AccessTokenFormat::Opaque);
        let aud = requested.or_else(|| configured_audience(client, tenant));
        if format == AccessTokenFormat::Opaque && aud.is_none() {
            return Ok(None);
        }
        let aud = aud.unwrap_or_else(|| Arc::new([]));
        let signed = match format {
            AccessTokenFormat::Opaque => None,
            AccessTokenFormat::Jwt => Some(self.sign_access(access, &aud, now)?),
        };
        let jwt = signed.as_ref().map(|s| self.keys.seal(&access.id, &s.token));
        access.extra = Some(Arc::new(AccessExtra { aud, jwt }));
        Ok(signed)
    }

    fn sign_access(&self, t: &TokenRecord, aud: &[Audience], now: UnixTime) -> Result<SignedJwt, OAuthError> {
        let keys = self.signing.current();
        let Some(key) = keys.signer(now) else {
            tracing::error!("no JWT signing key may sign yet: access token refused");
            return Err(OAuthError::ServerError);
        };
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
            iat: now.max(0) as u64,
            jti: &jti,
            client_id: t.client_id(),
            sub: t.subject().unwrap_or(t.client_id()),
            scope: Scope(t.scopes()),
            aud,
            authorities: t.authorities(),
        };
        Ok(SignedJwt {
            token: key.sign(&claims),
            kid: key.kid().into(),
        })
    }

    /// The value of an access token the store handed back (`reuse`): the JWT as issued, unsealed,
    /// or the opaque value (deterministic). A JWT sealed under a token key since forgotten cannot
    /// be opened: it is signed again for the same record (same `jti`), a valid token of the same
    /// record rather than an error.
    pub(super) async fn access_value(&self, t: &TokenRecord, now: UnixTime) -> Result<String, OAuthError> {
        let Some(sealed) = t.extra.as_ref().and_then(|e| e.jwt.as_ref()) else {
            return Ok(self.keys.mint(TokenKind::Access, &t.id).into_string());
        };
        if let Some(token) = self.keys.open(&t.id, sealed) {
            return Ok(token);
        }
        tracing::warn!(token_id = %t.id.to_text(), "a stored JWT does not open under the token keys: signed again");
        let signed = self.sign_access(t, t.audience(), now)?;
        self.keep_key_until(&signed.kid, t.expires_at()).await?;
        Ok(signed.token)
    }
}

impl Service {
    /// A presented token's kind and id, or `None`, without any store I/O: an opaque value by its
    /// MAC; anything else as a JWT, by its header (byte-identical to a published key's), then
    /// its signature under that key, then its `jti`. The opaque path pays one length compare.
    pub(crate) fn recognise(&self, token: &str) -> Option<(TokenKind, crate::model::TokenId)> {
        if token.len() == crate::token::TOKEN_LEN {
            return self.keys.verify(token);
        }
        let keys = self.signing.current();
        let (_, claims) = keys.verify(token).ok()?;
        crate::model::TokenId::from_text(&claims.jti).map(|id| (TokenKind::Access, id))
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
    /// signed it stays published and trusted until then, so introspection still verifies it. A
    /// JWT sealed under a token key since forgotten does not say which key: every key kept now is.
    pub(crate) async fn keep_key_for(&self, t: &TokenRecord, expires_at: Option<UnixTime>) -> StoreResult<()> {
        let Some(sealed) = t.extra.as_ref().and_then(|e| e.jwt.as_ref()) else {
            return Ok(());
        };
        if let Some(kid) = self.keys.open(&t.id, sealed).as_deref().and_then(kid_of) {
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
mod tests {
    use super::*;
    use crate::model::TokenSettings;
    use crate::service::grants::testing::*;
    use crate::service::grants::TokenRequest;

    fn jwt_settings() -> TokenSettings {
        TokenSettings {
            access_token_format: Some(AccessTokenFormat::Jwt),
            ..TokenSettings::default()
        }
    }

    #[tokio::test]
    async fn a_jwt_is_recognised_by_its_signature_and_an_opaque_token_by_its_mac() {
        let f = fixture().await;
        let jwt = f.client("jwt", &["client_credentials"], jwt_settings()).await;
        let opaque = f
            .client("plain", &["client_credentials"], TokenSettings::default())
            .await;
        let cc = || TokenRequest::ClientCredentials { scope: None };
        let token = f.service.token(jwt, cc()).await.unwrap().access_token;
        let (kind, id) = f.service.recognise(&token).expect("our JWT");
        assert_eq!(kind, TokenKind::Access);
        let record = f.service.store.get_token(&id).await.unwrap().unwrap();
        assert!(record.is_jwt() && record.audience().is_empty());
        assert_eq!(
            f.service.access_value(&record, NOW).await.unwrap(),
            token,
            "the sealed JWT opens to itself"
        );
        assert_eq!(
            kid_of(&token).as_deref(),
            Some(f.service.signing.current().entries()[0].key.kid())
        );

        let plain = f.service.token(opaque, cc()).await.unwrap().access_token;
        let (_, id) = f.service.recognise(&plain).expect("our opaque token");
        let record = f.service.store.get_token(&id).await.unwrap().unwrap();
        assert!(
            record.extra.is_none(),
            "an opaque token for no audience carries nothing more"
        );

        let mut foreign = TokenRecord::clone(&record);
        let sealed = crate::token::Keyring::random().seal(&id, &token);
        foreign.extra = Some(Arc::new(AccessExtra {
            aud: Arc::new([]),
            jwt: Some(sealed),
        }));
        let again = f.service.access_value(&foreign, NOW).await.unwrap();
        assert_ne!(again, token, "signed again: ES256 differs");
        assert_eq!(
            f.service.recognise(&again),
            Some((TokenKind::Access, id)),
            "for the same record"
        );

        let (head, _) = token.rsplit_once('.').unwrap();
        assert_eq!(f.service.recognise(&format!("{head}.AAAA")), None, "bad signature");
        assert_eq!(f.service.recognise(&plain.replace("tsa_", "tsr_")), None);
    }

    #[tokio::test]
    async fn a_jwt_expiry_is_its_records_and_patching_keeps_its_key() {
        let f = fixture().await;
        let settings = TokenSettings {
            access_token_ttl: Some(crate::model::Lifetime::of_seconds(60)),
            ..jwt_settings()
        };
        let jwt = f.client("jwt", &["client_credentials"], settings).await;
        let answer = f
            .service
            .token(jwt, TokenRequest::ClientCredentials { scope: None })
            .await
            .unwrap();
        let (_, claims) = f.service.signing.current().verify(&answer.access_token).unwrap();
        assert_eq!((claims.exp, claims.iat), (Some(NOW as u64 + 60), NOW as u64));
        let (_, id) = f.service.recognise(&answer.access_token).unwrap();
        let record = f.service.store.get_token(&id).await.unwrap().unwrap();
        f.service.keep_key_for(&record, Some(NOW + 600)).await.unwrap();
        let mut broken = TokenRecord::clone(&record);
        broken.id = crate::model::TokenId::generate();
        f.service.keep_key_for(&broken, None).await.unwrap();
    }
}
