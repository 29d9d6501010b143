//! The purge job's counters, and its last run on this node (the admin API's store view).

use super::Labels;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// `tessera_purge_runs_total{outcome}` and `tessera_purge_rows_total`.
pub struct PurgeCounters {
    runs: Family<Labels<1>, Counter>,
    rows: Counter,
    /// The last run on this node, for the admin API's store view.
    last: std::sync::Mutex<Option<LastPurge>>,
}

/// When this node's last purge run ended and what it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastPurge {
    pub at: i64,
    pub outcome: PurgeOutcome,
    pub deleted: u64,
}

/// How one purge run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeOutcome {
    Done,
    /// Another node held the purge lease.
    Skipped,
    Failed,
}

impl PurgeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            PurgeOutcome::Done => "done",
            PurgeOutcome::Skipped => "skipped",
            PurgeOutcome::Failed => "failed",
        }
    }
}

impl PurgeCounters {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let runs = Family::<Labels<1>, Counter>::default();
        registry.register(
            "tessera_purge_runs",
            "Purge runs by outcome (done, skipped: another node holds the lease, failed)",
            runs.clone(),
        );
        let rows = Counter::default();
        registry.register(
            "tessera_purge_rows",
            "Expired tokens and codes deleted by purges",
            rows.clone(),
        );
        Self {
            runs,
            rows,
            last: Default::default(),
        }
    }

    /// Purges run every few minutes at most, so a label lookup here costs nothing that matters.
    pub fn record(&self, outcome: PurgeOutcome, rows: u64, at: i64) {
        self.runs.get_or_create(&[("outcome", outcome.as_str().into())]).inc();
        self.rows.inc_by(rows);
        let last = LastPurge {
            at,
            outcome,
            deleted: rows,
        };
        *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(last);
    }

    /// This node's last purge run, if one ran since it started.
    pub fn last(&self) -> Option<LastPurge> {
        *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
