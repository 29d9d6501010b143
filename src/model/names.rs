//! Tenant ids, client ids and usernames as typed values, one grammar and one `parse` each for
//! what the admin API creates and what a request presents.
//! A value outside the grammar names nothing and never reaches a store: a NUL byte (PostgreSQL
//! text cannot hold one, and the query failed), a trailing space (MariaDB's PAD SPACE collations
//! took `billing ` for `billing`), a control or invisible formatting character.
//!
//! Each id comes owned (`ClientId`) and borrowed (`&ClientIdRef`, as `String` and `str`): a store
//! is asked with the borrowed form, so a request's presented id or a token's interned client id
//! is looked up without allocating.

use ref_cast::RefCast;

/// Why a value is not an id or a username: the rule it breaks, for a message that names the
/// field or parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be {0}")]
pub struct NotAName(&'static str);

/// Up to 128 ASCII letters, digits and the given punctuation (both are VARCHAR(128) columns).
fn in_grammar(value: &str, punctuation: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || punctuation.contains(&b))
}

/// A slug: lowercase letters, digits and inner hyphens, at most 63 characters (a DNS label).
fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// An owned id and its borrowed form, with the one grammar both are parsed with, its OpenAPI
/// schema, and serde as a plain string that must parse.
macro_rules! typed_name {
    ($(#[$doc:meta])* $owned:ident, $borrowed:ident, $rule:literal, $grammar:expr, $pattern:literal, $example:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $owned(String);

        #[doc = concat!("A borrowed [`", stringify!($owned), "`], as `str` is to `String`.")]
        #[derive(PartialEq, Eq, Hash, PartialOrd, Ord, RefCast)]
        #[repr(transparent)]
        pub struct $borrowed(str);

        impl $borrowed {
            const RULE: NotAName = NotAName($rule);

            /// The grammar, checked without copying.
            pub fn parse(value: &str) -> Result<&Self, NotAName> {
                let grammar: fn(&str) -> bool = $grammar;
                grammar(value).then(|| Self::ref_cast(value)).ok_or(Self::RULE)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl $owned {
            pub fn parse(value: String) -> Result<Self, NotAName> {
                $borrowed::parse(&value)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        /// Read-only: a valid id is a valid string, so it goes wherever a `&str` is taken.
        impl std::ops::Deref for $borrowed {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $owned {
            type Target = $borrowed;
            fn deref(&self) -> &$borrowed {
                $borrowed::ref_cast(&self.0)
            }
        }

        impl std::borrow::Borrow<$borrowed> for $owned {
            fn borrow(&self) -> &$borrowed {
                self
            }
        }

        impl ToOwned for $borrowed {
            type Owned = $owned;
            fn to_owned(&self) -> $owned {
                $owned(self.0.to_owned())
            }
        }

        impl TryFrom<String> for $owned {
            type Error = NotAName;
            fn try_from(value: String) -> Result<Self, NotAName> {
                Self::parse(value)
            }
        }

        impl From<$owned> for String {
            fn from(id: $owned) -> String {
                id.0
            }
        }

        impl std::fmt::Display for $borrowed {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $borrowed {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl std::fmt::Display for $owned {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $owned {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl PartialEq<str> for $owned {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $owned {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<str> for $borrowed {
            fn eq(&self, other: &str) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$borrowed> for str {
            fn eq(&self, other: &$borrowed) -> bool {
                self == &other.0
            }
        }

        impl utoipa::PartialSchema for $owned {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some($rule))
                    .pattern(Some($pattern))
                    .examples([$example])
                    .into()
            }
        }

        impl utoipa::ToSchema for $owned {}
    };
}

typed_name!(
    /// A tenant id: a slug, so it can sit in a path or a host name unescaped.
    TenantId,
    TenantIdRef,
    "a slug: a-z, 0-9 and inner '-', at most 63 characters",
    is_slug,
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
    "acme"
);

typed_name!(
    /// A client id: URL-unreserved characters, so it survives Basic auth and paths unescaped.
    ClientId,
    ClientIdRef,
    "1-128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'",
    |id| in_grammar(id, b"-._~"),
    r"^[A-Za-z0-9._~-]{1,128}$",
    "billing"
);

typed_name!(
    /// A username: as a client id, with `@` and `+` for e-mail addresses.
    Username,
    UsernameRef,
    "1-128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~', '@', '+'",
    |name| in_grammar(name, b"-._~@+"),
    r"^[A-Za-z0-9._~@+-]{1,128}$",
    "alice"
);

/// A tenant id a test writes as a literal.
#[cfg(test)]
pub fn tid(id: &str) -> &TenantIdRef {
    TenantIdRef::parse(id).unwrap()
}

/// A client id a test writes as a literal.
#[cfg(test)]
pub fn cid(id: &str) -> &ClientIdRef {
    ClientIdRef::parse(id).unwrap()
}

/// A username a test writes as a literal.
#[cfg(test)]
pub fn uid(name: &str) -> &UsernameRef {
    UsernameRef::parse(name).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_and_usernames_have_one_grammar_each() {
        for ok in ["app", "my-app_1.x~", &"a".repeat(128)] {
            assert_eq!(ClientId::parse(ok.to_string()).unwrap().as_str(), ok);
        }
        for ok in ["alice", "alice+tag@example.com"] {
            assert_eq!(Username::parse(ok.to_string()).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            "billing ",
            " billing",
            "bil\0ling",
            "bil\u{200B}ling",
            "my app",
            "é",
            &"a".repeat(129),
        ] {
            assert!(ClientId::parse(bad.to_string()).is_err(), "{bad:?}");
            assert!(Username::parse(bad.to_string()).is_err(), "{bad:?}");
        }
        assert!(ClientIdRef::parse("a@b").is_err(), "'@' is for usernames only");
        assert_eq!(
            ClientIdRef::parse("").unwrap_err().to_string(),
            "must be 1-128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'"
        );
    }

    #[test]
    fn tenant_ids_are_slugs() {
        for ok in ["acme", "a", "acme-2", &"a".repeat(63)] {
            assert_eq!(TenantId::parse(ok.to_string()).unwrap().as_str(), ok);
        }
        for bad in ["", "Acme", "-acme", "acme-", "a b", "ac/me", "pad ", &"a".repeat(64)] {
            assert!(TenantId::parse(bad.to_string()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_deserialize_only_within_their_grammar_and_look_up_by_the_borrowed_form() {
        let id: ClientId = serde_json::from_str(r#""billing""#).unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""billing""#);
        let err = serde_json::from_str::<TenantId>(r#""Acme""#).unwrap_err().to_string();
        assert!(err.starts_with("must be a slug"), "{err}");
        let map = std::collections::HashMap::from([(id.clone(), 1)]);
        assert_eq!(map.get(ClientIdRef::parse("billing").unwrap()), Some(&1));
        assert_eq!(format!("{id} {id:?}"), r#"billing "billing""#);
    }
}
