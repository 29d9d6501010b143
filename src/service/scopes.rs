//! Scope requests: parsing the space-delimited parameter and checking it against what is allowed.

use super::OAuthError;
use std::sync::Arc;

/// WSO2's per-device scopes: any `device_*` scope is accepted and only tells tokens apart.
pub const DEVICE_SCOPE_PREFIX: &str = "device_";

fn valid_scope_token(s: &str) -> bool {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

pub fn is_valid_scope(s: &str) -> bool {
    valid_scope_token(s)
}

/// The scope set a token gets: the requested scopes if all are allowed, else `invalid_scope`;
/// no `scope` parameter means every allowed scope.
pub fn resolve(requested: Option<&str>, allowed: &[String]) -> Result<Arc<[String]>, OAuthError> {
    let Some(requested) = requested else {
        return Ok(crate::model::scope_set(allowed.iter().cloned()).into());
    };
    let mut set = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !valid_scope_token(scope) {
            return Err(OAuthError::InvalidScope(
                "scope contains characters RFC 6749 section 3.3 does not allow".into(),
            ));
        }
        if !scope.starts_with(DEVICE_SCOPE_PREFIX) && !allowed.iter().any(|a| a == scope) {
            return Err(OAuthError::InvalidScope(
                format!("scope {scope:?} is not allowed for this client").into(),
            ));
        }
        set.push(scope.to_string());
    }
    Ok(crate::model::scope_set(set).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["write".into(), "read".into()]
    }

    #[test]
    fn no_scope_means_every_allowed_scope_sorted() {
        assert_eq!(&*resolve(None, &allowed()).unwrap(), &["read", "write"]);
    }

    #[test]
    fn requested_scopes_must_be_allowed() {
        assert_eq!(
            &*resolve(Some("write  read write"), &allowed()).unwrap(),
            &["read", "write"]
        );
        assert!(matches!(
            resolve(Some("admin"), &allowed()),
            Err(OAuthError::InvalidScope(_))
        ));
        assert!(matches!(
            resolve(Some("re\"ad"), &allowed()),
            Err(OAuthError::InvalidScope(_))
        ));
    }

    #[test]
    fn device_scopes_are_always_accepted() {
        assert_eq!(
            &*resolve(Some("read device_ipad"), &allowed()).unwrap(),
            &["device_ipad", "read"]
        );
    }

    #[test]
    fn empty_scope_parameter_is_the_empty_set() {
        assert!(resolve(Some(""), &allowed()).unwrap().is_empty());
    }
}
