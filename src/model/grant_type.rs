//! The OAuth grant types Tessera implements, as one enum: what a client may be allowed, what a
//! token request names, what issued a token, and the `grant_type` label of the token metrics.

use serde::{Deserialize, Serialize};

/// A grant type (RFC 6749 §4); serialized as its `grant_type` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
    Password,
    RefreshToken,
    AuthorizationCode,
}

impl GrantType {
    /// Every grant type, in the order metadata lists them; `g as usize` indexes this array.
    pub const ALL: [GrantType; 4] = [
        GrantType::ClientCredentials,
        GrantType::Password,
        GrantType::RefreshToken,
        GrantType::AuthorizationCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client_credentials",
            GrantType::Password => "password",
            GrantType::RefreshToken => "refresh_token",
            GrantType::AuthorizationCode => "authorization_code",
        }
    }

    /// `None` for anything Tessera does not implement (`implicit`, extension grants, typos).
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == value)
    }
}

impl std::fmt::Display for GrantType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_its_own_names_and_nothing_else() {
        for (i, g) in GrantType::ALL.into_iter().enumerate() {
            assert_eq!(GrantType::parse(g.as_str()), Some(g));
            assert_eq!(g as usize, i, "ALL is in declaration order");
            assert_eq!(serde_json::to_value(g).unwrap(), g.as_str());
        }
        for bad in [
            "implicit",
            "",
            "Password",
            "client_credentials ",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ] {
            assert_eq!(GrantType::parse(bad), None, "{bad}");
        }
    }
}
