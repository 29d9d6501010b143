//! The one table of OAuth errors (RFC 6749 §5.2 and friends): code, HTTP status, description.

use crate::store::StoreError;
use std::borrow::Cow;

pub type Text = Cow<'static, str>;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("invalid_request: {0}")]
    InvalidRequest(Text),
    /// Client authentication failed, whatever the method tried (or none): 401 with a Basic
    /// challenge, the one method the server asks for (RFC 6749 §5.2, RFC 9110 §15.5.2).
    #[error("invalid_client")]
    InvalidClient,
    #[error("invalid_grant: {0}")]
    InvalidGrant(Text),
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(Text),
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(Text),
    #[error("invalid_scope: {0}")]
    InvalidScope(Text),
    #[error("invalid_token: {0}")]
    InvalidToken(Text),
    /// A `resource` or `audience` parameter that names no valid target (RFC 8707 §2).
    #[error("invalid_target: {0}")]
    InvalidTarget(Text),
    #[error("too_many_active_tokens")]
    TooManyActiveTokens { retry_after: Option<u64>, limit: u32 },
    /// Too many failed attempts lately for this user's password or this client's secret: 429
    /// with `Retry-After`, even for the right one.
    #[error("too_many_attempts")]
    TooManyAttempts { retry_after: u64 },
    /// The store cannot serve right now (database down, disk full): 503 with `Retry-After`.
    #[error("temporarily_unavailable")]
    TemporarilyUnavailable,
    /// Internal failure; the cause was logged where it happened and is never shown.
    #[error("server_error")]
    ServerError,
}

/// `Retry-After` of a 503: the store recovers by itself, and within a second or two of the
/// database or disk coming back.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 1;

/// An `error_description` as the table gives it: fixed text, what the request's handling said, or
/// built from the error's figures.
enum Description<'a> {
    Fixed(&'static str),
    Given(&'a Text),
    Limit(u32),
    RetryIn(u64),
}

impl OAuthError {
    /// The one table: each error's code, HTTP status and description, a row each, no fallback.
    fn row(&self) -> (&'static str, u16, Description<'_>) {
        use Description::*;
        match self {
            OAuthError::InvalidRequest(d) => ("invalid_request", 400, Given(d)),
            OAuthError::InvalidClient => ("invalid_client", 401, Fixed("client authentication failed")),
            OAuthError::InvalidGrant(d) => ("invalid_grant", 400, Given(d)),
            OAuthError::UnauthorizedClient(d) => ("unauthorized_client", 400, Given(d)),
            OAuthError::UnsupportedGrantType(d) => ("unsupported_grant_type", 400, Given(d)),
            OAuthError::InvalidScope(d) => ("invalid_scope", 400, Given(d)),
            OAuthError::InvalidToken(d) => ("invalid_token", 400, Given(d)),
            OAuthError::InvalidTarget(d) => ("invalid_target", 400, Given(d)),
            OAuthError::TooManyActiveTokens { limit, .. } => ("too_many_active_tokens", 429, Limit(*limit)),
            OAuthError::TooManyAttempts { retry_after } => ("too_many_attempts", 429, RetryIn(*retry_after)),
            OAuthError::TemporarilyUnavailable => (
                "temporarily_unavailable",
                503,
                Fixed("the server cannot reach its store right now; retry shortly"),
            ),
            OAuthError::ServerError => ("server_error", 500, Fixed("the server could not complete the request")),
        }
    }

    pub fn code(&self) -> &'static str {
        self.row().0
    }

    pub fn status(&self) -> u16 {
        self.row().1
    }

    /// The `error_description`, always within RFC 6749 §5.2's characters, whatever a request
    /// put into it.
    pub fn description(&self) -> Text {
        match self.row().2 {
            Description::Fixed(text) => text.into(),
            Description::Given(d) => match safe_description(d) {
                Cow::Borrowed(_) => d.clone(),
                Cow::Owned(safe) => safe.into(),
            },
            Description::Limit(limit) => {
                format!("the client already holds its limit of {limit} active access tokens").into()
            }
            Description::RetryIn(seconds) => format!("too many failed attempts lately: retry in {seconds} s").into(),
        }
    }
}

/// RFC 6749 §5.2: `error_description` = 1*( %x20-21 / %x23-5B / %x5D-7E ).
pub fn is_description_char(c: char) -> bool {
    matches!(c, '\x20'..='\x7E') && c != '"' && c != '\\'
}

/// `text` as an `error_description` may carry it: `"` and `\` become `'`, and every other
/// character outside the set (non-ASCII, control) becomes `?`. Unchanged text is not copied.
pub fn safe_description(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_description_char) {
        return Cow::Borrowed(text);
    }
    let safe = text
        .chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if is_description_char(c) => c,
            _ => '?',
        })
        .collect();
    Cow::Owned(safe)
}

/// The store logged the failure with its operation (`store::metered`); this only picks the answer.
impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unreachable(_) | StoreError::Unavailable(_) | StoreError::Deadlock(_) => {
                OAuthError::TemporarilyUnavailable
            }
            StoreError::Conflict(_) | StoreError::Missing(_) | StoreError::Corrupt(_) => OAuthError::ServerError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_rfc_6749() {
        assert_eq!(OAuthError::InvalidClient.status(), 401);
        assert_eq!(OAuthError::InvalidGrant("x".into()).status(), 400);
        assert_eq!(
            OAuthError::TooManyActiveTokens {
                retry_after: None,
                limit: 1
            }
            .status(),
            429
        );
        assert_eq!(OAuthError::ServerError.status(), 500);
    }

    /// Every row of the table, with hostile text where a row carries text from a request.
    fn every_row(text: &'static str) -> Vec<OAuthError> {
        let rows = vec![
            OAuthError::InvalidRequest(text.into()),
            OAuthError::InvalidClient,
            OAuthError::InvalidGrant(text.into()),
            OAuthError::UnauthorizedClient(text.into()),
            OAuthError::UnsupportedGrantType(text.into()),
            OAuthError::InvalidScope(text.into()),
            OAuthError::InvalidToken(text.into()),
            OAuthError::InvalidTarget(text.into()),
            OAuthError::TooManyActiveTokens {
                retry_after: Some(3),
                limit: u32::MAX,
            },
            OAuthError::TooManyAttempts { retry_after: u64::MAX },
            OAuthError::TemporarilyUnavailable,
            OAuthError::ServerError,
        ];
        // No catch-all: a new row does not compile until it is numbered here, and then the
        // count below fails until it is listed above.
        let number = |e: &OAuthError| match e {
            OAuthError::InvalidRequest(_) => 0,
            OAuthError::InvalidClient => 1,
            OAuthError::InvalidGrant(_) => 2,
            OAuthError::UnauthorizedClient(_) => 3,
            OAuthError::UnsupportedGrantType(_) => 4,
            OAuthError::InvalidScope(_) => 5,
            OAuthError::InvalidToken(_) => 6,
            OAuthError::TooManyActiveTokens { .. } => 7,
            OAuthError::TooManyAttempts { .. } => 8,
            OAuthError::TemporarilyUnavailable => 9,
            OAuthError::ServerError => 10,
            OAuthError::InvalidTarget(_) => 11,
        };
        let numbers: std::collections::BTreeSet<usize> = rows.iter().map(number).collect();
        assert_eq!(numbers, (0..12).collect(), "every row once");
        rows
    }

    #[test]
    fn every_description_stays_within_rfc_6749_section_5_2() {
        let hostile = "scope \"r\u{e9}ad\" \\ \u{a7}3.3 \u{0}\r\n\t\u{7f}\u{202e}\u{1F600}";
        for text in ["a plain description", hostile] {
            for row in every_row(text) {
                let description = row.description();
                assert!(!description.is_empty(), "{}", row.code());
                assert!(
                    description.chars().all(is_description_char),
                    "{}: {description:?}",
                    row.code()
                );
            }
        }
        assert_eq!(
            OAuthError::InvalidScope(hostile.into()).description(),
            "scope 'r?ad' ' ?3.3 ???????"
        );
    }

    #[test]
    fn the_description_set_is_rfc_6749s() {
        let allowed: Vec<u8> = (0u8..=0x7F).filter(|b| is_description_char(char::from(*b))).collect();
        let expected: Vec<u8> = [0x20u8, 0x21]
            .into_iter()
            .chain(0x23..=0x5B)
            .chain(0x5D..=0x7E)
            .collect();
        assert_eq!(allowed, expected);
        assert!(!is_description_char('\u{a7}'));
        assert!(matches!(
            safe_description("already fine"),
            Cow::Borrowed("already fine")
        ));
    }

    #[test]
    fn store_outages_become_temporarily_unavailable_and_reveal_nothing() {
        for e in [
            StoreError::Unavailable("connection refused to 10.0.0.1".into()),
            StoreError::Unreachable("connection refused to 10.0.0.1".into()),
        ] {
            let e: OAuthError = e.into();
            assert_eq!((e.code(), e.status()), ("temporarily_unavailable", 503));
            assert!(!e.description().contains("10.0.0.1"));
        }
        let e: OAuthError = StoreError::Corrupt("bad row".into()).into();
        assert_eq!((e.code(), e.status()), ("server_error", 500));
    }
}
