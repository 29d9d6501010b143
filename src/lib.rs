//! Tessera: an OAuth 2.0 authorization server for the whole life of a token.

pub mod active_tokens;
pub mod background;
pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod keys;
pub mod metrics;
pub mod model;
pub mod purge;
pub mod secret;
pub mod server;
pub mod service;
pub mod store;
pub mod token;
