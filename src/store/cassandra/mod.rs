//! The Cassandra store (`cassandra://…`, issue 20): every node takes writes, rows expire by TTL,
//! and the decisions that must be exact across nodes are lightweight transactions.
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
//! | `consents_by_client` | `(client_id), subject` | a deleted client's consents |
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
//! row per access token issued through it (id, subject, scopes, expires_at) and a static
//! `version` column. Only clients with a `max_active` or a `reuse`/`single_per_subject` policy
//! use it; `multi` without a limit issues with one batch of plain writes at full speed.
//!
//! 1. Write the new tokens' records to `tokens` (plain; nobody knows their ids yet, and a
//!    request on another node that decides to reuse one can read it). Not the index rows: the
//!    listings must not find a token that is not decided.
//! 2. Read the partition at `LOCAL_SERIAL` (version `v` and the rows) and, once per request, the
//!    access tokens issued outside it (while the client had no limit or policy: the subject's
//!    from `tokens_by_subject` for a policy, the client's from `tokens_by_client` for a limit).
//!    The records of all of them say which are still active (a revocation or an expiry frees a
//!    slot at once); a partition row whose record is not visible yet still counts.
//! 3. `decide`. `Reuse` or `Refused`: delete the records of step 1, answer.
//! 4. `Issue { revoke }`: one conditional batch on the partition, `UPDATE … SET version = v + 1
//!    … IF version = v`, inserting the new access row and deleting the replaced and the no
//!    longer active rows. Applied: write the index rows, mark the replaced tokens revoked,
//!    answer. Not applied (another request won the round): back to 2 after a short random
//!    pause, a bounded number of rounds, then `StoreError::Unavailable`. A batch that timed
//!    out may have applied: the next read finds the new row, and the request carries on as won.
//!
//! One-use refresh tokens and codes: `UPDATE tokens SET state = 'used', used_at = ? WHERE id = ?
//! IF state = 'active' AND expires_at = ?` (the expiry as read) before step 1; a lost race reads
//! the winner's time at `LOCAL_SERIAL`. A reuse within the grace reads it `used` at
//! `LOCAL_SERIAL`. After the new tokens are written, `IF state = 'used'` asks again: a
//! revocation of the lineage (conditional per token, listing the lineage until nothing new
//! appears) that came between ends the exchange, which deletes what it wrote.
//!
//! # Expiry
//!
//! A token's rows are written `USING TTL (expires_at - now + purge_grace)`; never-expiring tokens
//! get no TTL. A change of state is written with the TTL its row has left (`TTL(kind)`, read with
//! the record), an update of the token writes the whole record again with its new TTL; cells an
//! update leaves behind a row TTL took read as no token. Servers on Cassandra run no purge job
//! (`tessera purge` says so); `purge_expired`, asked anyway, pages through `tokens`. Throttle
//! rows live a day after their last attempt.
//!
//! # Consistency
//!
//! Plain reads and writes use the URL's `read_consistency` / `write_consistency` (default
//! `LOCAL_QUORUM` both: with R + W > RF a revocation is seen by every node at once). Conditional
//! statements use `LOCAL_SERIAL` for their Paxos phase whatever the levels, so limits, `reuse`,
//! `single_per_subject` and one-use tokens stay exact even at `ONE`/`ANY`.

mod cascade;
mod claim;
mod consents;
mod consume;
mod cql;
mod entities;
mod issue;
mod leases;
mod options;
mod prepared;
pub mod schema;
mod signing_keys;
mod store;
#[cfg(test)]
mod tests;
mod throttle;
mod token_rows;
mod tokens;
#[cfg(test)]
mod update_tests;
mod users;

pub use options::{BadUrl, CassandraOptions, DEFAULT_PORT};
pub use schema::{CassandraStore, DEFAULT_PURGE_GRACE};
