//! Checks on admin input, each failure naming the field it is about.

use super::{AdminError, AdminResult};
use crate::clock::UnixTime;
use crate::model::{is_invisible, Lifetime, Origin, MAX_LIFETIME, MAX_REFRESH_GRACE};
use serde::{Deserialize, Deserializer};

/// A PATCH field: absent (`None`), `null` (`Some(None)`, back to inherit) or a value.
pub type Patch<T> = Option<Option<T>>;

/// Deserializer for `Patch<T>` fields: lets `null` mean something other than "absent".
pub fn patch<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Patch<T>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn invalid(field: &str, why: &str) -> AdminError {
    AdminError::Invalid(format!("{field}: {why}"))
}

/// Display names (tenants, clients): shown on the login and consent pages and in logs, so nothing
/// in them may be invisible or reorder the text around it.
pub fn name(field: &str, name: &str) -> AdminResult<()> {
    let ok = !name.trim().is_empty() && name.len() <= 200 && !name.chars().any(is_invisible);
    ok.then_some(()).ok_or_else(|| {
        invalid(
            field,
            "must be 1-200 bytes of visible characters (no control or invisible formatting characters)",
        )
    })
}

/// A lifetime in seconds as `Lifetime::parse` reads it (the CLI checks its options with the same
/// parse, before anything is sent); `None`: inherit.
pub fn ttl(field: &str, value: Option<i64>) -> AdminResult<Option<Lifetime>> {
    value
        .map(Lifetime::parse)
        .transpose()
        .map_err(|why| invalid(field, why.reason()))
}

/// A token's new expiry, bounded as lifetimes are: from its issue (which ends it) to ten years
/// after; `None` never expires.
pub fn expiry(field: &str, issued_at: UnixTime, value: Option<UnixTime>) -> AdminResult<()> {
    match value {
        Some(at) if !(issued_at..=issued_at.saturating_add(MAX_LIFETIME)).contains(&at) => Err(invalid(
            field,
            &format!(
                "must be between the token's issued_at ({issued_at}) and ten years after it ({})",
                issued_at.saturating_add(MAX_LIFETIME)
            ),
        )),
        _ => Ok(()),
    }
}

/// The refresh grace in seconds: 0 (none) up to a day. The CLI checks its option with the same
/// rule (`refresh_grace_problem`).
pub fn refresh_grace(field: &str, value: Option<i64>) -> AdminResult<()> {
    value
        .and_then(refresh_grace_problem)
        .map_or(Ok(()), |why| Err(invalid(field, why)))
}

pub fn refresh_grace_problem(value: i64) -> Option<&'static str> {
    (!(0..=MAX_REFRESH_GRACE).contains(&value)).then_some("must be between 0 and 86400 seconds")
}

pub fn max_active(field: &str, value: Option<u32>) -> AdminResult<()> {
    value
        .and_then(max_active_problem)
        .map_or(Ok(()), |why| Err(invalid(field, why)))
}

pub fn max_active_problem(value: u32) -> Option<&'static str> {
    (value == 0).then_some("must be at least 1 (no value means no limit)")
}

pub fn scopes(field: &str, scopes: &[String]) -> AdminResult<()> {
    match scopes.iter().find(|s| !crate::service::scopes::is_valid_scope(s)) {
        Some(bad) => Err(invalid(field, &format!("{bad:?} is not a valid scope token"))),
        None => Ok(()),
    }
}

pub fn authorities(field: &str, authorities: &[String]) -> AdminResult<()> {
    let bad = authorities
        .iter()
        .find(|a| a.is_empty() || a.len() > 200 || a.chars().any(|c| c.is_whitespace() || is_invisible(c)));
    match bad {
        Some(bad) => Err(invalid(field, &format!("{bad:?} is not a valid authority"))),
        None => Ok(()),
    }
}

/// Absolute URIs without a fragment (RFC 6749 §3.1.2). They are stored as given, so nothing
/// invisible either: the URL parser would accept (and encode) a NUL that PostgreSQL cannot store.
pub fn redirect_uris(field: &str, uris: &[String]) -> AdminResult<()> {
    for uri in uris {
        if uri.chars().any(is_invisible) {
            return Err(invalid(
                field,
                &format!("{uri:?} must not contain control or invisible formatting characters"),
            ));
        }
        match url::Url::parse(uri) {
            Ok(u) if u.fragment().is_none() && !u.cannot_be_a_base() => {}
            _ => {
                return Err(invalid(
                    field,
                    &format!("{uri:?} must be an absolute URI without a fragment"),
                ))
            }
        }
    }
    Ok(())
}

/// Web origins, canonical and without repeats; the first entry that is not one is named.
pub fn origins(field: &str, given: &[String]) -> AdminResult<Vec<Origin>> {
    let mut origins: Vec<Origin> = Vec::with_capacity(given.len());
    for entry in given {
        let origin = Origin::parse(entry).map_err(|why| invalid(field, &format!("{entry:?} {why}")))?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

pub fn password(field: &str, password: &str) -> AdminResult<()> {
    let ok = !password.is_empty() && password.len() <= 1024;
    ok.then_some(()).ok_or_else(|| invalid(field, "must be 1-1024 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_and_limits() {
        assert_eq!(ttl("t", Some(-1)).unwrap(), Some(Lifetime::Never));
        assert_eq!(ttl("t", None).unwrap(), None);
        assert!(ttl("t", Some(0)).is_err());
        assert!(max_active("m", Some(0)).is_err());
        assert!(ttl("t", Some(MAX_LIFETIME)).is_ok() && ttl("t", Some(-MAX_LIFETIME - 1)).is_err());
    }

    #[test]
    fn expiries_stay_within_a_lifetime_of_the_issue() {
        for ok in [Some(100), Some(100 + MAX_LIFETIME), None] {
            assert!(expiry("e", 100, ok).is_ok(), "{ok:?}");
        }
        for bad in [99, -1, i64::MIN, 101 + MAX_LIFETIME, i64::MAX] {
            let err = expiry("e", 100, Some(bad)).unwrap_err().to_string();
            assert!(err.starts_with("e: must be between"), "{bad}: {err}");
        }
    }

    #[test]
    fn uris_scopes_grants() {
        assert!(redirect_uris("r", &["https://app.example/cb".into(), "com.example.app:/cb".into()]).is_ok());
        assert!(redirect_uris("r", &["/relative".into()]).is_err());
        assert!(redirect_uris("r", &["https://a.example/#frag".into()]).is_err());
        assert!(scopes("s", &["read".into(), "bad scope".into()]).is_err());
        assert!(redirect_uris("r", &["https://app.example/c\u{0}b".into()]).is_err());
        assert!(redirect_uris("r", &["https://app.example/c\u{202E}b".into()]).is_err());
        let both = ["https://app.example".into(), "HTTPS://App.Example:443".into()];
        assert_eq!(origins("o", &both).unwrap().len(), 1);
        let bad = origins("allowed_origins", &["https://app.example/cb".into()]).unwrap_err();
        assert!(
            matches!(bad, AdminError::Invalid(m) if m.starts_with("allowed_origins: \"https://app.example/cb\" must"))
        );
    }

    #[test]
    fn names_hold_nothing_invisible() {
        assert!(name("name", "Ácme Ωmega 株式会社").is_ok());
        for bad in [
            "",
            "  ",
            "Ac\u{0}me",
            "Ac\u{200B}me",
            "Ac\u{202E}me",
            "Acme\u{FEFF}",
            &"a".repeat(201),
        ] {
            let err = name("name", bad).unwrap_err().to_string();
            assert!(err.starts_with("name:"), "{err}");
        }
    }
}
