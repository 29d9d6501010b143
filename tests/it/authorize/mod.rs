//! The authorization-code flow over HTTP, clicked through by a scripted browser: login, consent,
//! code exchange with PKCE, refresh, and every error path of RFC 6749 §4.1 and RFC 7636.

mod bad_requests;
mod defences;
mod exchange;
mod sign_in;
