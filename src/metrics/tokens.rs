//! Token counters by tenant: issued, reused, refused (429) by grant type, and revoked by reason.
//!
//! A tenant's series are created together the first time it is seen and cached by tenant id, so
//! counting an issuance is a read-locked map lookup and an atomic add. Tenants are only learnt from
//! authenticated clients' tokens, so callers cannot grow the map with made-up names.

use super::Labels;
use crate::model::GrantType;
use parking_lot::RwLock;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::Arc;

const GRANTS: usize = GrantType::ALL.len();

/// What became of a token request that reached issuance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestOutcome {
    /// A new access token was stored.
    Issued,
    /// The `reuse` policy handed back an existing token.
    Reused,
    /// The client's active-token limit was reached: HTTP 429.
    Refused,
}

/// Why tokens were revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// `POST /oauth/revoke` or `/oauth/revoke_token` (RFC 7009).
    Endpoint,
    /// The admin API: one token, a client's tokens, or a (client, subject) authorization.
    Admin,
    /// A used refresh token was presented again: its whole lineage goes.
    RefreshReplay,
}

impl Revocation {
    const ALL: [Revocation; 3] = [Revocation::Endpoint, Revocation::Admin, Revocation::RefreshReplay];

    fn label(self) -> &'static str {
        match self {
            Revocation::Endpoint => "revoke_endpoint",
            Revocation::Admin => "admin",
            Revocation::RefreshReplay => "refresh_replay",
        }
    }
}

struct Tenant {
    issued: [Counter; GRANTS],
    reused: [Counter; GRANTS],
    refused: [Counter; GRANTS],
    revoked: [Counter; Revocation::ALL.len()],
}

pub struct TokenCounters {
    issued: Family<Labels<2>, Counter>,
    reused: Family<Labels<2>, Counter>,
    refused: Family<Labels<2>, Counter>,
    revoked: Family<Labels<2>, Counter>,
    tenants: RwLock<HashMap<Box<str>, Tenant>>,
}

impl TokenCounters {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let mut family = |name: &str, help: &str| {
            let f = Family::<Labels<2>, Counter>::default();
            registry.register(name, help, f.clone());
            f
        };
        Self {
            issued: family(
                "tessera_tokens_issued",
                "Access tokens issued, by tenant and grant type",
            ),
            reused: family(
                "tessera_tokens_reused",
                "Token requests answered with an existing token (reuse policy), by tenant and grant type",
            ),
            refused: family(
                "tessera_tokens_refused",
                "Token requests refused with 429 (active-token limit), by tenant and grant type",
            ),
            revoked: family("tessera_tokens_revoked", "Tokens revoked, by tenant and reason"),
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// Counts one token request's outcome.
    pub fn token_request(&self, tenant: &str, grant_type: GrantType, outcome: RequestOutcome) {
        let g = grant_type as usize;
        self.with_tenant(tenant, |t| match outcome {
            RequestOutcome::Issued => t.issued[g].inc(),
            RequestOutcome::Reused => t.reused[g].inc(),
            RequestOutcome::Refused => t.refused[g].inc(),
        });
    }

    pub fn revoked(&self, tenant: &str, why: Revocation, count: u64) {
        if count > 0 {
            self.with_tenant(tenant, |t| t.revoked[why as usize].inc_by(count));
        }
    }

    fn with_tenant(&self, tenant: &str, f: impl FnOnce(&Tenant) -> u64) {
        if let Some(t) = self.tenants.read().get(tenant) {
            f(t);
            return;
        }
        let mut all = self.tenants.write();
        let t = all
            .entry(tenant.into())
            .or_insert_with(|| self.create(Arc::from(tenant)));
        f(t);
    }

    /// Every series of a new tenant at once, so its zeros show before its first event.
    fn create(&self, tenant: Arc<str>) -> Tenant {
        let by_grant = |family: &Family<Labels<2>, Counter>| {
            GrantType::ALL
                .map(|g| family.get_or_create_owned(&[("tenant", tenant.clone()), ("grant_type", g.as_str().into())]))
        };
        Tenant {
            issued: by_grant(&self.issued),
            reused: by_grant(&self.reused),
            refused: by_grant(&self.refused),
            revoked: Revocation::ALL.map(|r| {
                self.revoked
                    .get_or_create_owned(&[("tenant", tenant.clone()), ("reason", r.label().into())])
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Metrics;
    use super::*;

    #[test]
    fn counts_by_tenant_grant_and_reason() {
        let m = Metrics::new();
        m.tokens
            .token_request("acme", GrantType::ClientCredentials, RequestOutcome::Issued);
        m.tokens
            .token_request("acme", GrantType::ClientCredentials, RequestOutcome::Issued);
        m.tokens
            .token_request("acme", GrantType::Password, RequestOutcome::Refused);
        m.tokens.revoked("beta", Revocation::RefreshReplay, 3);
        let text = m.render();
        for line in [
            "tessera_tokens_issued_total{tenant=\"acme\",grant_type=\"client_credentials\"} 2\n",
            "tessera_tokens_issued_total{tenant=\"acme\",grant_type=\"password\"} 0\n",
            "tessera_tokens_refused_total{tenant=\"acme\",grant_type=\"password\"} 1\n",
            "tessera_tokens_reused_total{tenant=\"acme\",grant_type=\"refresh_token\"} 0\n",
            "tessera_tokens_revoked_total{tenant=\"beta\",reason=\"refresh_replay\"} 3\n",
            "tessera_tokens_revoked_total{tenant=\"beta\",reason=\"admin\"} 0\n",
        ] {
            assert!(text.contains(line), "missing {line} in {text}");
        }
    }
}
