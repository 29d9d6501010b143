//! `tessera_active_access_tokens{tenant}`: the gauge the counting job (`active_tokens`) fills from
//! its last count, never counted at scrape time. A scrape renders the last count.

use super::Labels;
use parking_lot::{RwLock, RwLockReadGuard};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The gauge family, replaced as a whole under a lock so that a scrape never sees it half
/// refilled.
pub struct ActiveGauge {
    family: Family<Labels<1>, Gauge>,
    refill: RwLock<()>,
}

impl ActiveGauge {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let family = Family::<Labels<1>, Gauge>::default();
        registry.register(
            "tessera_active_access_tokens",
            "Active (unexpired, unrevoked) access tokens per tenant, as of the last count \
             (every active_tokens_interval seconds)",
            family.clone(),
        );
        Self {
            family,
            refill: RwLock::new(()),
        }
    }

    /// Replaces every tenant's value; `None` (the store could not count) leaves the gauge out
    /// rather than stale.
    pub fn set(&self, counts: Option<&[(String, u64)]>) {
        let _alone = self.refill.write();
        self.family.clear();
        for (tenant, count) in counts.into_iter().flatten() {
            self.family
                .get_or_create(&[("tenant", tenant.as_str().into())])
                .set(i64::try_from(*count).unwrap_or(i64::MAX));
        }
    }

    /// Held while the registry is encoded.
    pub(super) fn reading(&self) -> RwLockReadGuard<'_, ()> {
        self.refill.read()
    }
}
