//! What the server admin watches (`ROLE_ADMIN` of `system` only): the hot routes' recent rate
//! and latency, tenants with their active-token counts, the store and its purge, "purge now".

use super::{AdminResult, Principal};
use crate::metrics::{Sample, SAMPLE_SECONDS};
use crate::service::Service;
use serde::Serialize;

/// `GET /admin/stats/requests`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestStats {
    /// Seconds each sample covers.
    pub interval_seconds: i64,
    pub routes: Vec<RouteStats>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RouteStats {
    /// `token`, `introspect` or `check_token`.
    pub name: &'static str,
    pub route: &'static str,
    /// Oldest first; the last ten minutes at most.
    pub samples: Vec<Sample>,
}

/// A tenant with its active access tokens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantStats {
    pub id: String,
    pub name: String,
    pub active_access_tokens: u64,
}

/// `GET /admin/store`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreStatus {
    /// `memory`, `sqlite`, `postgres` or `mysql`.
    pub backend: &'static str,
    /// Seconds between purge runs.
    pub purge_interval_seconds: u64,
    /// This node's last purge run since it started; `null`: none yet.
    pub last_purge: Option<PurgeRun>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PurgeRun {
    /// Unix seconds.
    pub at: i64,
    /// `done`, `skipped` (another node held the purge lease) or `failed`.
    pub outcome: &'static str,
    /// Expired tokens and codes it deleted.
    pub deleted: u64,
}

impl Service {
    pub fn request_stats(&self, who: &Principal) -> AdminResult<RequestStats> {
        who.require_server_admin()?;
        let routes = self.metrics.rates.read().into_iter();
        Ok(RequestStats {
            interval_seconds: SAMPLE_SECONDS,
            routes: routes
                .map(|(name, route, samples)| RouteStats { name, route, samples })
                .collect(),
        })
    }

    pub async fn tenant_stats(&self, who: &Principal) -> AdminResult<Vec<TenantStats>> {
        who.require_server_admin()?;
        let counts = self.store.active_access_by_tenant(self.clock.now()).await?;
        let tenants = self.store.list_tenants().await?;
        Ok(tenants
            .into_iter()
            .map(|t| TenantStats {
                active_access_tokens: counts.iter().find(|(id, _)| *id == t.id.as_str()).map_or(0, |c| c.1),
                id: t.id.to_string(),
                name: t.name,
            })
            .collect())
    }

    pub fn store_status(&self, who: &Principal) -> AdminResult<StoreStatus> {
        who.require_server_admin()?;
        Ok(StoreStatus {
            backend: self.operations.backend,
            purge_interval_seconds: self.operations.purge_interval.as_secs(),
            last_purge: self.metrics.purge.last().map(|last| PurgeRun {
                at: last.at,
                outcome: last.outcome.as_str(),
                deleted: last.deleted,
            }),
        })
    }

    /// One purge run now, as the job would run it (under the same lease).
    pub async fn purge_now(&self, who: &Principal) -> AdminResult<PurgeRun> {
        who.require_server_admin()?;
        let ops = self.operations;
        self.purger(ops.purge_grace, ops.purge_interval).run_once().await?;
        let last = self.metrics.purge.last().ok_or(super::AdminError::Internal)?;
        Ok(PurgeRun {
            at: last.at,
            outcome: last.outcome.as_str(),
            deleted: last.deleted,
        })
    }
}
