//! The integration tests, one binary: each module is one area of behaviour, driven through the
//! shared harness in `helpers` (an in-process server per test, or the real binary).

mod helpers;

mod admin_api;
mod architecture;
mod auth_logging;
mod authorize;
mod authorize_edges;
mod backup;
mod bench;
mod browser;
mod challenges;
mod cli;
mod cluster;
mod console;
mod cors;
mod database_outage;
mod durability;
mod full_disk;
mod http_oauth;
mod input_faults;
mod jwt;
mod keys_and_recovery;
mod logging;
mod metrics;
mod oauth_standards;
mod openapi;
mod policies;
mod refresh_grace;
mod serve;
mod signing_keys;
mod start_up;
mod stock_oauth2;
mod throttle;
mod token_admin;
mod token_ownership;
