//! Client ids and usernames as typed values, one grammar each for what the admin API creates and
//! what a request presents; and which characters no name may hold. A value outside the grammar
//! names nothing and never reaches a store: a NUL byte (PostgreSQL text cannot hold one, and the
//! query failed), a trailing space (MariaDB's PAD SPACE collations took `billing ` for
//! `billing`), a control or invisible formatting character.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a value is not a client id or a username: the rule it breaks, for a message that names
/// the field or parameter.
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

/// A client id: URL-unreserved characters, so it survives Basic auth and paths unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    const RULE: NotAName = NotAName("1-128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'");

    pub fn check(id: &str) -> Result<(), NotAName> {
        in_grammar(id, b"-._~").then_some(()).ok_or(Self::RULE)
    }

    pub fn parse(id: String) -> Result<Self, NotAName> {
        Self::check(&id).map(|()| Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A username: as a client id, with `@` and `+` for e-mail addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    const RULE: NotAName = NotAName("1-128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~', '@', '+'");

    pub fn check(name: &str) -> Result<(), NotAName> {
        in_grammar(name, b"-._~@+").then_some(()).ok_or(Self::RULE)
    }

    pub fn parse(name: String) -> Result<Self, NotAName> {
        Self::check(&name).map(|()| Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters no display name or URI may hold: controls (Cc: NUL, escapes, C1 controls), invisible
/// formatting characters (Cf: zero-width spaces and joiners, bidirectional overrides such as
/// U+202E that reorder what a page or a log shows, the BOM) and the line and paragraph separators
/// (Zl, Zp), which break a log line as a newline does.
pub fn is_invisible(c: char) -> bool {
    // ASCII is all letters, digits, punctuation and space except the C0 controls and DEL.
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
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
        assert!(ClientId::check("a@b").is_err(), "'@' is for usernames only");
        assert_eq!(
            ClientId::check("").unwrap_err().to_string(),
            "must be 1-128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'"
        );
    }

    #[test]
    fn invisible_characters_are_controls_formats_and_line_breaks() {
        let invisible = [
            '\0',
            '\t',
            '\n',
            '\u{1F}',
            '\u{7F}',
            '\u{85}',
            '\u{9F}',
            '\u{AD}',
            '\u{200B}',
            '\u{200F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2028}',
            '\u{2029}',
            '\u{2060}',
            '\u{2064}',
            '\u{FEFF}',
            '\u{E0001}',
        ];
        for c in invisible {
            assert!(is_invisible(c), "U+{:04X}", c as u32);
        }
        for c in [' ', 'a', '~', 'é', 'Ω', '株', '\u{A0}', '🦀'] {
            assert!(!is_invisible(c), "U+{:04X}", c as u32);
        }
    }
}
