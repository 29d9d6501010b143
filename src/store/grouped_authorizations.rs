//! A subject's usable tokens grouped into `Authorization`s (a client each, the union of their
//! scopes, how many), for the stores that read the tokens and group them in the node.

use super::Authorization;
use crate::model::{TokenKind, TokenRecord};
use std::collections::{BTreeMap, BTreeSet};

/// Codes are no authorization and are left out; the caller gives the usable tokens only.
pub fn group<'t>(tokens: impl IntoIterator<Item = &'t TokenRecord>) -> Vec<Authorization> {
    let mut by_client: BTreeMap<&str, (BTreeSet<&str>, u64)> = BTreeMap::new();
    for t in tokens.into_iter().filter(|t| t.kind != TokenKind::Code) {
        let entry = by_client.entry(t.client_id()).or_default();
        entry.0.extend(t.scopes().iter().map(String::as_str));
        entry.1 += 1;
    }
    by_client
        .into_iter()
        .map(|(client_id, (scopes, token_count))| Authorization {
            client_id: client_id.to_string(),
            scopes: scopes.into_iter().map(str::to_string).collect(),
            token_count,
        })
        .collect()
}
