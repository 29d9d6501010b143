//! `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5): a code is exchanged once, by the client
//! it was issued to, with the same redirect URI and the PKCE verifier; a second exchange revokes
//! every token the code produced (§4.1.2).

use super::Requested;
use crate::model::{redirect_uri, Client, GrantType, TokenKind, TokenRecord, TokenState};
use crate::secret::Secret;
use crate::service::issue::{Issuance, Issued, TokenResponse};
use crate::service::{OAuthError, Service};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::Arc;

const INVALID: &str = "authorization code is invalid, expired or was issued to another client";
const REPLAYED: &str = "authorization code was already used; every token issued from it is now revoked";

fn binding<'a>(code: &'a TokenRecord, name: &str) -> Option<&'a serde_json::Value> {
    code.properties.as_ref()?.get(name)
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Service {
    pub(super) async fn authorization_code(
        &self,
        client: Arc<Client>,
        presented: &str,
        (redirect_uri, verifier): (Option<&str>, Option<&Secret<String>>),
        audience: Requested,
    ) -> Result<TokenResponse, OAuthError> {
        let invalid = || OAuthError::InvalidGrant(INVALID.into());
        let Some((TokenKind::Code, id)) = self.keys.verify(presented) else {
            return Err(invalid());
        };
        let Some(code) = self.store.get_token(&id).await? else {
            return Err(invalid());
        };
        if code.kind != TokenKind::Code || *code.client_id() != *client.client_id {
            return Err(invalid());
        }
        // Proof of possession comes before anything else: a used code seen later (history, logs)
        // must not let a stranger trigger the replay revocation of a public client's grant.
        let challenge = binding(&code, "code_challenge").and_then(|v| v.as_str());
        match (challenge, verifier) {
            (Some(challenge), Some(verifier)) => {
                if !valid_verifier(verifier.expose()) {
                    return Err(OAuthError::InvalidRequest(
                        "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]".into(),
                    ));
                }
                let matches: bool =
                    subtle::ConstantTimeEq::ct_eq(s256(verifier.expose()).as_bytes(), challenge.as_bytes()).into();
                if !matches {
                    return Err(OAuthError::InvalidGrant(
                        "code_verifier does not match the code_challenge".into(),
                    ));
                }
            }
            (Some(_), None) => {
                return Err(OAuthError::InvalidGrant(
                    "code_verifier is required: the authorization request sent a code_challenge".into(),
                ))
            }
            // A verifier for a code issued without a challenge: a downgrade attempt (RFC 9700 §2.1.1).
            (None, Some(_)) => {
                return Err(OAuthError::InvalidGrant(
                    "code_verifier sent, but the authorization request had no code_challenge".into(),
                ))
            }
            // A client made public after the code was issued has nothing to prove possession with.
            (None, None) if client.public => return Err(invalid()),
            (None, None) => {}
        }
        if code.state == TokenState::Used {
            return Err(self.code_replayed(&code).await);
        }
        if !code.is_active(self.clock.now()) {
            return Err(invalid());
        }
        let bound_uri = binding(&code, "redirect_uri").and_then(|v| v.as_str());
        let uri_was_given = binding(&code, "redirect_uri_given").and_then(|v| v.as_bool()) == Some(true);
        match redirect_uri {
            Some(uri) if Some(uri) != bound_uri => {
                return Err(OAuthError::InvalidGrant(
                    "redirect_uri differs from the authorization request's".into(),
                ))
            }
            None if uri_was_given => {
                return Err(OAuthError::InvalidRequest(
                    "missing parameter redirect_uri (the authorization request had one)".into(),
                ))
            }
            _ => {}
        }
        // The client may have dropped that redirect URI since; it is matched as at /oauth/authorize.
        if !bound_uri.is_some_and(|uri| redirect_uri::is_registered(&client.redirect_uris, uri)) {
            return Err(OAuthError::InvalidGrant(
                "the code's redirect_uri is no longer registered for this client".into(),
            ));
        }
        let subject = code.profile().subject.clone().ok_or_else(invalid)?;
        // Current authorities: the user may have lost some since the consent.
        let authorities: Arc<[String]> = match crate::store::user_of(&*self.store, &client.tenant, &subject).await? {
            Some(user) if user.enabled => Arc::from(user.authorities.as_slice()),
            _ => return Err(invalid()),
        };
        let grant = Issuance {
            audience,
            grant_type: GrantType::AuthorizationCode,
            lifetime: None,
            subject: Some(subject),
            scopes: code.scopes().clone(),
            refresh_scopes: client
                .allows_grant(GrantType::RefreshToken)
                .then(|| code.scopes().clone()),
            authorities,
            grant_id: Some(code.grant_id),
            consume: Some(crate::store::Consume::First(code.id)),
            client,
        };
        match self.issue(grant).await? {
            Issued::Tokens(response) => Ok(response),
            Issued::ConsumedAlready { .. } => Err(self.code_replayed(&code).await),
        }
    }

    async fn code_replayed(&self, code: &TokenRecord) -> OAuthError {
        match self.store.revoke_grant(&code.grant_id).await {
            Ok(n) => {
                tracing::warn!(grant = %code.grant_id, revoked = n, "authorization code replayed; its tokens revoked");
                OAuthError::InvalidGrant(REPLAYED.into())
            }
            Err(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_syntax() {
        assert!(valid_verifier(&"a".repeat(43)));
        assert!(!valid_verifier(&"a".repeat(42)));
        assert!(!valid_verifier(&"a".repeat(129)));
        assert!(!valid_verifier(&format!("{}+", "a".repeat(43))));
    }
}
