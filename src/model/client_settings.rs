//! How a client's settings are stored: one JSON text in every backend (the `settings` column),
//! holding its token settings and, beside them, its allowed browser origins.

use super::{Origin, TokenSettings};
use serde::{Deserialize, Serialize};

/// A client's settings column (JSON text in every backend): the token settings with the allowed
/// origins beside them, so that adding the origins needed no schema change.
#[derive(Serialize)]
pub struct StoredClientSettings<'a> {
    #[serde(flatten)]
    pub tokens: &'a TokenSettings,
    #[serde(skip_serializing_if = "<[Origin]>::is_empty")]
    pub allowed_origins: &'a [Origin],
}

/// [`StoredClientSettings`] as read back; rows written before the origins existed have none.
#[derive(Deserialize)]
pub struct ClientSettings {
    #[serde(flatten)]
    pub tokens: TokenSettings,
    #[serde(default)]
    pub allowed_origins: Vec<Origin>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lifetime, TokenPolicy};

    #[test]
    fn client_settings_keep_the_token_settings_and_the_origins_in_one_json_text() {
        let settings = TokenSettings {
            access_token_ttl: Some(Lifetime::Never),
            token_policy: Some(TokenPolicy::Reuse),
            max_active_tokens: Some(3),
            ..TokenSettings::default()
        };
        let origins = [Origin::parse("https://app.example").unwrap()];
        let stored = StoredClientSettings {
            tokens: &settings,
            allowed_origins: &origins,
        };
        let back: ClientSettings = serde_json::from_str(&serde_json::to_string(&stored).unwrap()).unwrap();
        assert_eq!(
            (back.tokens, back.allowed_origins),
            (settings.clone(), origins.to_vec())
        );
        // Rows written before the origins existed, and a tenant's settings, read as before.
        let old = serde_json::to_string(&settings).unwrap();
        assert!(!serde_json::to_string(&StoredClientSettings {
            tokens: &settings,
            allowed_origins: &[]
        })
        .unwrap()
        .contains("allowed_origins"));
        let back: ClientSettings = serde_json::from_str(&old).unwrap();
        assert_eq!((back.tokens, back.allowed_origins), (settings, vec![]));
    }
}
