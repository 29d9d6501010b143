//! Token lifetimes as tenants and clients set them: a number of seconds, or never expiring. The
//! JSON (the admin API, the stored settings, the CLI) keeps the number it always had: negative
//! for never, written back as -1.

use super::MAX_LIFETIME;
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;

/// How long a token lives from its issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub enum Lifetime {
    Never,
    /// 1 to [`MAX_LIFETIME`] seconds.
    Seconds(NonZeroU32),
}

/// Why a number is not a lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.reason())]
pub enum NotALifetime {
    Zero,
    TooLong,
}

impl NotALifetime {
    /// What the admin API and the CLI say, after the field's name.
    pub fn reason(self) -> &'static str {
        match self {
            NotALifetime::Zero => "must not be 0 (use a negative value for tokens that never expire)",
            NotALifetime::TooLong => "must be at most ten years",
        }
    }
}

impl Lifetime {
    /// The one reading of a number of seconds: negative never expires, zero means nothing, and
    /// neither way may it exceed ten years.
    pub fn parse(seconds: i64) -> Result<Self, NotALifetime> {
        if seconds.unsigned_abs() > MAX_LIFETIME.unsigned_abs() {
            return Err(NotALifetime::TooLong);
        }
        match seconds {
            0 => Err(NotALifetime::Zero),
            s if s < 0 => Ok(Lifetime::Never),
            s => u32::try_from(s)
                .ok()
                .and_then(NonZeroU32::new)
                .map(Lifetime::Seconds)
                .ok_or(NotALifetime::TooLong),
        }
    }

    /// As the JSON has it: the seconds, or -1 for never.
    pub fn as_i64(self) -> i64 {
        match self {
            Lifetime::Never => -1,
            Lifetime::Seconds(s) => i64::from(s.get()),
        }
    }

    /// The expiry of a token issued at `now`; `None` never expires.
    pub fn expiry(self, now: UnixTime) -> Option<UnixTime> {
        match self {
            Lifetime::Never => None,
            Lifetime::Seconds(s) => Some(now.saturating_add(i64::from(s.get()))),
        }
    }

    /// The seconds, if it expires at all.
    pub fn seconds(self) -> Option<i64> {
        match self {
            Lifetime::Never => None,
            Lifetime::Seconds(s) => Some(i64::from(s.get())),
        }
    }

    /// A built-in lifetime; panics on a value `parse` refuses (a constant, checked by the tests).
    pub const fn of_seconds(seconds: u32) -> Self {
        match NonZeroU32::new(seconds) {
            Some(s) if (seconds as i64) <= MAX_LIFETIME => Lifetime::Seconds(s),
            _ => panic!("a built-in lifetime out of range"),
        }
    }
}

impl TryFrom<i64> for Lifetime {
    type Error = NotALifetime;
    fn try_from(seconds: i64) -> Result<Self, NotALifetime> {
        Lifetime::parse(seconds)
    }
}

impl From<Lifetime> for i64 {
    fn from(lifetime: Lifetime) -> i64 {
        lifetime.as_i64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_before() {
        assert_eq!(Lifetime::parse(-1), Ok(Lifetime::Never));
        assert_eq!(Lifetime::parse(-MAX_LIFETIME), Ok(Lifetime::Never));
        assert_eq!(Lifetime::parse(60).map(Lifetime::seconds), Ok(Some(60)));
        assert_eq!(Lifetime::parse(MAX_LIFETIME).map(Lifetime::as_i64), Ok(MAX_LIFETIME));
        assert_eq!(Lifetime::parse(0), Err(NotALifetime::Zero));
        for long in [MAX_LIFETIME + 1, -MAX_LIFETIME - 1, i64::MAX, i64::MIN] {
            assert_eq!(Lifetime::parse(long), Err(NotALifetime::TooLong), "{long}");
        }
    }

    #[test]
    fn json_keeps_the_numbers_and_writes_never_as_minus_one() {
        let read = |text: &str| serde_json::from_str::<Lifetime>(text);
        assert_eq!(read("-5").unwrap(), Lifetime::Never);
        assert_eq!(serde_json::to_string(&Lifetime::Never).unwrap(), "-1");
        assert_eq!(serde_json::to_string(&read("900").unwrap()).unwrap(), "900");
        assert!(read("0").is_err() && read("400000000").is_err() && read("1.5").is_err());
    }

    #[test]
    fn expiries_follow_the_lifetime() {
        assert_eq!(Lifetime::Never.expiry(100), None);
        assert_eq!(Lifetime::of_seconds(60).expiry(100), Some(160));
        assert_eq!(Lifetime::of_seconds(60).expiry(UnixTime::MAX - 1), Some(UnixTime::MAX));
    }
}
