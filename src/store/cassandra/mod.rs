//! The Cassandra store (issue 20), groundwork: URL options, schema and its migration, and the
//! tenant, client, user and lease operations. Not yet a `Store`; `store::open` does not choose it yet.
//!
//! # Tables: one per query, never `ALLOW FILTERING`
//!
//! Values are stored as the SQL stores store them (JSON text for lists and settings, hex secret
//! hashes, token ids, never token values). Every list is ordered by its clustering key, so paging
//! resumes after the last id as on the other stores.
//!
//! | table | primary key | serves |
//! |---|---|---|
//! | `tenants` | `id` | get, update, delete; `list_tenants` is the one full scan (a handful of rows) |
//! | `clients` | `client_id` | `get_client` (hot path), update, delete |
//! | `clients_by_tenant` | `(tenant), client_id` | `list_clients(Some(t))`, tenant deletion |
//! | `users` | `(tenant), username` | get, list of a tenant, update, delete |
//! | `tokens` | `id` | `get_token` (introspection), `update_token`, revoke one |
//! | `tokens_by_client` | `(client_id), id` + kind, subject, expires_at | `list_tokens` paging (`id > after LIMIT n`), revoke all of a client, `count_active_access` for clients without a limit |
//! | `tokens_by_grant` | `(grant_id), id` | `revoke_grant` (a refresh lineage) |
//! | `tokens_by_subject` | `(tenant, subject), client_id, id` | `authorizations` of a subject; with `client_id = ?` the (client, subject) pair: `set_pair_scopes`, `revoke_client_tokens(c, Some(s))`, user disable/delete |
//! | `consents` | `(client_id, subject)` | get, grant (read-merge-write under LWT), delete |
//! | `consents_by_subject` | `(tenant, subject), client_id` | `consents_of` in client order |
//! | `throttle` | `key` | `take_attempt`: read, decide, `IF version = ?` (LWT); purge by TTL |
//! | `leases` | `name` | `acquire_lease`: CQL conditions have no `OR`, so `IF NOT EXISTS`, then `IF holder = ?` (renewal), then `IF until_at < now` (an expired one); release `IF holder = ?` |
//! | `client_issuance` | `(client_id), id` + static `version` | the atomic issuance decision (below) |
//! | `tessera_migrations` | `version` | schema steps applied ([`schema`]) |
//!
//! The index tables hold only keys and what their query filters on; the record is read from
//! `tokens` by id (`IN` of one page). They are written with the same TTL as the token, so they
//! vanish with it.
//!
//! # Exact issuance across nodes
//!
//! `model::issuance::decide` needs the client's active access tokens (the candidates and the
//! count) read and acted on atomically. `client_issuance` is one partition per client holding one
//! row per active access token (id, subject, scopes, expires_at) and a static `version` column.
//! Only clients with a `max_active` or a `reuse`/`single_per_subject` policy use it; `multi`
//! without a limit issues with plain writes at full speed.
//!
//! 1. Read the partition at `SERIAL`/`LOCAL_SERIAL` (version `v` and the rows; expired rows are
//!    filtered by `now`, and vanish by TTL).
//! 2. `decide`. `Reuse`: read that token from `tokens`, answer, write nothing. `Refused`: answer.
//! 3. `Issue { revoke }`: write the new token rows (`tokens` and the index tables; plain writes at
//!    the write level; nobody knows the new ids yet), then one conditional single-partition
//!    batch on `client_issuance`: `UPDATE … SET version = v + 1 … IF version = v` (or
//!    `INSERT … IF NOT EXISTS` for the first), inserting the new access row and deleting the
//!    revoked ones. Applied: mark the revoked tokens revoked in `tokens`, answer. Not applied
//!    (another node won): delete the rows of step 3 and go back to 1, a bounded number of tries,
//!    then `StoreError::Unavailable`.
//!
//! Revoking or expiring an access token of such a client also deletes its `client_issuance` row
//! through the same `IF version = ?` step, so a revocation frees a slot on every node at once.
//! One-use refresh tokens and codes: `UPDATE tokens SET state = 'used', used_at = ? WHERE id = ?
//! IF state = 'active'` (`Consume::Again`: `IF state = 'used'`), before step 1.
//!
//! # Expiry
//!
//! A token's rows are written `USING TTL (expires_at - now + purge_grace)`; never-expiring tokens
//! get no TTL. Updates re-state the TTL of the columns they write. `purge_expired` has nothing to
//! do. Throttle rows carry a TTL of the throttle's window; leases of their `until`.
//!
//! # Consistency
//!
//! Plain reads and writes use the URL's `read_consistency` / `write_consistency` (default
//! `LOCAL_QUORUM` both: with R + W > RF a revocation is seen by every node at once). Conditional
//! statements use `LOCAL_SERIAL` for their Paxos phase whatever the levels, so limits, `reuse`,
//! `single_per_subject` and one-use tokens stay exact even at `ONE`/`ANY`.

mod cql;
mod entities;
mod leases;
mod options;
pub mod schema;
#[cfg(test)]
mod tests;
mod users;

pub use options::{BadUrl, CassandraOptions, DEFAULT_PORT};
pub use schema::CassandraStore;
