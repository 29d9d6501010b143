//! Tessera: an OAuth 2.0 authorization server for the whole life of a token.

pub mod clock;
pub mod model;
pub mod secret;
pub mod store;
pub mod token;
pub mod service;
pub mod http;
pub mod config;
pub mod server;
