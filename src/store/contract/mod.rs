//! The store contract: one suite every backend must pass. Each case is a plain async function
//! given a fresh store; `store_contract_tests!(async { Some((store, guard)) })` makes one test of
//! each for a backend, where `guard` keeps the backend's resources alive and `None` skips a
//! backend whose database is not there (`TEST_REQUIRE_DATABASES=1` makes that a failure).

mod choices;
mod clients_users;
mod consents;
mod fixtures;
mod grace;
mod issuance;
mod jobs;
mod names;
mod signing_keys;
mod tenants;
mod throttle;
mod tokens;

pub use choices::*;
pub use clients_users::*;
pub use consents::*;
pub use fixtures::*;
pub use grace::*;
pub use issuance::*;
pub use jobs::*;
pub use names::*;
pub use signing_keys::*;
pub use tenants::*;
pub use throttle::*;
pub use tokens::*;

pub use tessera_testdb::{test_database, TestDatabase};

/// The store every case is given.
pub type Shared = std::sync::Arc<dyn super::Store>;

/// The cases' "now".
pub const NOW: i64 = 1_700_000_000;

/// What every case file uses.
mod prelude {
    pub use super::fixtures::*;
    pub use super::{Shared, NOW};
    pub use crate::model::*;
    pub use crate::store::{Consume, IssueOutcome, IssueRequest, StoreError};
}

/// One test per contract case for the backend `$make` opens.
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@cases [tokio::test] $make;
            tenants_round_trip_and_conflict,
            deleting_a_tenant_removes_its_clients_users_and_tokens,
            clients_need_their_tenant_and_unique_ids,
            deleting_a_client_revokes_its_tokens,
            disabling_or_deleting_a_user_revokes_only_that_users_tokens,
            limit_refuses_the_next_token_and_names_the_earliest_expiry,
            single_per_subject_revokes_the_earlier_tokens_of_that_subject,
            revoke_one_token_and_a_clients_tokens_by_subject,
            tokens_are_listed_in_pages_with_filters_and_counted,
            a_token_update_changes_scopes_expiry_and_properties,
            authorizations_group_a_subjects_tokens_by_client_and_can_be_rescoped,
            purge_removes_only_tokens_expired_before_the_cutoff_in_batches,
            a_lease_has_one_holder_until_it_runs_out,
            no_token_for_a_deleted_client_or_a_disabled_user,
            active_access_tokens_are_counted_per_tenant,
            a_token_keeps_every_field,
            consents_are_remembered_replaced_listed_and_forgotten,
            consents_go_with_their_client_user_or_tenant,
            a_code_is_exchanged_once_and_its_grant_revoked_as_a_whole,
            no_code_for_a_deleted_client_or_disabled_user,
            a_first_use_is_stamped_and_a_reuse_needs_the_token_still_used,
            ids_and_names_compare_exactly,
            reuse_returns_the_earliest_expiring_match,
            reuse_needs_the_same_audience_and_format,
            signing_keys_are_added_raised_rewrapped_and_deleted,
        );
        $crate::store_contract_tests!(@cases [tokio::test(flavor = "multi_thread", worker_threads = 4)] $make;
            limit_holds_under_concurrency,
            reuse_hands_back_one_token_per_key,
            a_refresh_token_is_consumed_once_and_its_grant_revocable,
            racing_first_uses_have_one_winner_whose_time_the_others_see,
            revoking_a_lineage_ends_the_reuses_racing_it,
            attempts_are_counted_atomically_cleared_and_purged,
            plain_issuance_refuses_a_deleted_client,
            racing_first_starts_store_one_key,
        );
    };
    (@cases [$test:meta] $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[$test]
            async fn $case() {
                let Some((store, _guard)) = $make.await else { return };
                $crate::store::contract::$case(store).await
            }
        )*
    };
}
